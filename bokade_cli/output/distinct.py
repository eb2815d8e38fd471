"""Masking for captures that keeps values apart: what differed still differs, times stay times.

A capture holds no form of the number (SPEC §7) and judges on replay as the run did (SPEC §2).
Masking alone cannot keep both: it maps different values to one ("194703239873" and
"470323-9873" are masked alike), and a time holding the number to no time. Within one
capture, CaptureRewrite therefore gives

- each masked value that would meet another's written form a suffix ("~a", "~b", ...), so
  values that differ still differ and values equal as HSA-ids compare (case, surrounding white
  space) are written equal; an unmasked value is written as it is unless it meets one;
- each valid time holding the number another valid time without it that judges alike: other
  seconds of the same minute when that breaks the number (the duplicate rule compares minutes),
  else a minute no other time of the capture falls in, all times of the old minute moved
  together. Either keeps its side of `now` and of `now` + 3 years (the filters), and, where it
  can, its order with every other time (an end before its start is noted);
- element names and namespaces the same distinctness (a suffix "_a"), so no element gains a
  duplicate attribute and every stored answer parses.

Which value gets the plain masked form and which a suffix follows the capture's order.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bokade_cli import clock
from bokade_cli.output.privacy import MASK, Masker

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ORDERED_MINUTES = 2 * 24 * 60  # how far a time is moved to keep its order with the others
_MINUTES = 7 * 24 * 60  # and beyond that, how far at least, plus one per time in the capture


def _tag(number: int) -> str:
    """1 -> "a", 26 -> "z", 27 -> "aa": a suffix without digits, which cannot complete a number."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, len(_LETTERS))
        letters = _LETTERS[rest] + letters
    return letters


class _Distinct:
    """Masked texts kept apart: texts that differ under `fold` still differ once written."""

    def __init__(
        self, mask: Callable[[str], str], fold: Callable[[str], str], marker: str, joiner: str
    ) -> None:
        self._mask, self._fold, self._marker, self._joiner = mask, fold, marker, joiner
        self._written: dict[str, str] = {}
        self._suffixes: dict[str, str] = {}  # fold(core) -> its suffix
        self._owners: dict[str, str] = {}  # fold(written core) -> the fold(core) it stands for

    def __call__(self, text: str) -> str:
        written = self._written.get(text)
        if written is not None:
            return written
        if self._mask(text) == text and self._marker not in text:
            # Unmasked, and unlike any masked text (each holds the marker): nothing can meet it.
            return text
        core = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(lead) + len(core) :]
        masked = self._mask(core)
        written = lead + masked + self._suffix(core, masked) + trail
        self._written[text] = written
        return written

    def _suffix(self, core: str, masked: str) -> str:
        kind = self._fold(core)
        given = self._suffixes.get(kind)
        if given is not None:
            return given
        # A suffix of letters cannot complete a number: the first free one is written.
        for number in itertools.count():
            suffix = self._joiner + _tag(number) if number else ""
            key = self._fold(masked + suffix)
            if self._owners.get(key, kind) == kind:
                break
        self._suffixes[kind] = suffix
        self._owners[key] = kind
        return suffix


def _hsa_fold(text: str) -> str:
    return text.casefold()  # cores are stripped already: this is hsa.hsa_key


def _exact(text: str) -> str:
    return text


class CaptureRewrite:
    """Rewrites one capture's values, names and namespaces (xmlwrite.Rewrite), distinctly."""

    def __init__(
        self, masker: Masker, now: datetime | None, values: Callable[[], Iterable[str]]
    ) -> None:
        """`now`: the instant the run judged at (None: unknown); `values`: every value that
        `value()` will see, read only if a time must be moved (to know the capture's times)."""
        self._masker = masker
        self._values = _Distinct(masker.mask, _hsa_fold, MASK, "~")
        self._names = _Distinct(self._name, _exact, MASK.replace("*", "X"), "_")
        self._namespaces = _Distinct(masker.mask, _exact, MASK, "~")
        self._times = _Times(masker, now, values)

    def value(self, text: str) -> str:
        core = text.strip()
        if (
            len(core) == 14
            and core.isascii()
            and core.isdigit()
            and self._masker.mask(core) != core
        ):
            token = self._times.token(core)
            if token is not None:
                lead = text[: len(text) - len(text.lstrip())]
                return lead + token + text[len(lead) + 14 :]
        return self._values(text)

    def local(self, name: str) -> str:
        return self._names(name)

    def namespace(self, uri: str) -> str:
        return self._namespaces(uri)

    def _name(self, name: str) -> str:
        """A name masked and still a name: "*" is no name character, a digit cannot start one."""
        masked = self._masker.mask(name)
        if masked == name:
            return name
        masked = masked.replace("*", "X")
        return "_" + masked if masked[0].isdigit() else masked


class _Times:
    """Valid times (YYYYMMDDhhmmss) holding the number, each rewritten as a time without it."""

    def __init__(
        self, masker: Masker, now: datetime | None, values: Callable[[], Iterable[str]]
    ) -> None:
        self._mask = masker.mask
        self._now = now
        self._limit = clock.three_years_after(now) if now is not None else None
        self._values = values
        self._known: dict[str, datetime] | None = None  # every valid time of the capture
        self._instants: list[datetime] = []  # theirs, sorted
        self._minutes: set[int] = set()  # their minutes (clock.minute_key), and those given out
        self._given: dict[str, str] = {}
        self._taken: set[str] = set()

    def token(self, core: str) -> str | None:
        """The time written for `core`, or None when `core` is no valid time."""
        if core in self._given:
            return self._given[core]
        known = self._read()
        if core not in known:
            return None
        prefix = core[:12]
        if self._mask(prefix) == prefix:
            # The number runs into the seconds: other seconds of the minute break it.
            same = self._same_minute(core, ordered=True) or self._same_minute(core, ordered=False)
            if same is not None:
                self._give({core: same})
                return same
            group = [core]
        else:
            # Every time of this minute holds the number: they move together, but for those on
            # the other side of now or now + 3 years, which are filtered and never compared.
            side = self._side(known[core])
            group = sorted(
                k for k in known if k.startswith(prefix) and self._side(known[k]) == side
            )
        moved = self._move(group, ordered=True) or self._move(group, ordered=False)
        if moved is None:
            return None  # beyond any capture's size: masked like any value (no time then)
        self._give(moved)
        return moved[core]

    def _read(self) -> dict[str, datetime]:
        if self._known is None:
            self._known = {}
            for text in self._values():
                core = text.strip()
                if len(core) == 14 and core not in self._known:
                    try:
                        self._known[core] = clock.parse_time(core)
                    except ValueError:
                        continue
            self._instants = sorted(self._known.values())
            self._minutes = {clock.minute_key(i) for i in self._instants}
        return self._known

    def _give(self, tokens: dict[str, str]) -> None:
        self._given.update(tokens)
        self._taken.update(tokens.values())
        self._minutes.update(clock.minute_key(clock.parse_time(t)) for t in tokens.values())

    def _side(self, instant: datetime) -> int:
        """Before now (start_passed), after now + 3 years (beyond_3_years), or between."""
        if self._now is None or self._limit is None:
            return 0
        return -1 if instant < self._now else 1 if instant > self._limit else 0

    def _usable(self, old: str, new: str, ordered: bool, group: Iterable[str] = ()) -> bool:
        """Whether `new` may stand for `old`: a fresh valid time without the number, on the
        same side of now and of now + 3 years, and (ordered) with no other time between them."""
        if new in self._taken or new in (self._known or {}) or self._mask(new) != new:
            return False
        try:
            before, after = clock.parse_time(old), clock.parse_time(new)
        except ValueError:
            return False
        if self._side(before) != self._side(after):
            return False
        if not ordered:
            return True
        low, high = min(before, after), max(before, after)
        between = bisect.bisect_right(self._instants, high) - bisect.bisect_left(
            self._instants, low
        )
        own = sum(1 for k in {old, *group} if low <= (self._known or {})[k] <= high)
        return between == own

    def _same_minute(self, core: str, ordered: bool) -> str | None:
        second = int(core[12:])
        for step in range(1, 60):
            for candidate in (second + step, second - step):
                if 0 <= candidate < 60:
                    new = f"{core[:12]}{candidate:02d}"
                    if self._usable(core, new, ordered):
                        return new
        return None

    def _move(self, group: list[str], ordered: bool) -> dict[str, str] | None:
        """The nearest fresh minute for all of `group` (one minute's times), or None."""
        first = group[0]
        # `first` is a valid time already (clock.parse_time read it): strptime's leniency is moot.
        wall = datetime.strptime(first[:12], "%Y%m%d%H%M")
        reach = _ORDERED_MINUTES if ordered else _MINUTES + len(self._known or {})
        for step in range(1, reach + 1):
            for sign in (1, -1):
                try:
                    moved = wall + timedelta(minutes=sign * step)
                except OverflowError:
                    continue
                prefix = f"{moved.year:04d}{moved.month:02d}{moved.day:02d}{moved.hour:02d}{moved.minute:02d}"
                tokens = {old: prefix + old[12:] for old in group}
                if not all(self._usable(old, new, ordered, group) for old, new in tokens.items()):
                    continue
                if clock.minute_key(clock.parse_time(tokens[first])) in self._minutes:
                    continue
                return tokens
        return None
