"""Mask personnummer and neutralise untrusted text on its way out of the tool (SPEC §7).

The last part is the last guard on every human line bokade writes (`no_commands`): none is one
a CI runner reads as a command.

Neutralising keeps untrusted text on one line, but on a terminal the layout itself breaks
lines: a wrapped message, the second line of a two-line cell and a folded identifier all start
a line with whatever text comes next, after some indentation. GitHub's runner trims the leading
whitespace before it looks for `::` (and `docker run -t` in a workflow logs the terminal), so a
producer's `::error::...` there is a command. Each layout path could be fixed on its own; the
console passes every line through this guard instead, so a path added later cannot miss it.
A line whose first visible characters are `::` gets its first colon written as the escape
neutralising uses (`\\u003a`), and `##[` (the older syntax, read anywhere in a line) its
second `#` (`\\u0023`). Bokade's own text never starts a line with `::`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from bokade_cli.controls import INVISIBLE_CLASS, UNSAFE_CLASS

__all__ = [
    "MASK",
    "Masker",
    "dumps",
    "ends_mid_line",
    "escape_json",
    "excerpt",
    "neutralise",
    "no_commands",
]

# Micro benchmark (CPython 3.11, one number, generic=False, per call):
#   short ASCII text without the serial       0.1 µs  (isascii + one `in`, no regex, no allocation)
#   "Vårdcentralen Norrmalm" (non-ASCII)      0.3 µs  (NFKC + one digit regex)
#   non-ASCII text with 10+ other digits      2.3 µs  (digits compared with the keys)
#   ASCII text holding "19121212-1212"        1.0 µs  (one regex sub)
#   non-ASCII text holding the number          13 µs  (per-character normalisation)
# plus ~100 µs once per number to compile its pattern, only when a text first needs it.

MASK = "-****"  # how every masked number ends: its date stays, its serial goes
_MASK = MASK
_ANY_SERIAL = "????"  # a birth date to mask with whatever serial follows it (a replay's subject)
# Between the parts of the citizen's own number anything that is no letter or digit counts as
# a separator, however many: "19121212 -- -1212", "1912.12.12-1212", "121212/1212" and
# "(121212) 1212" are all the number, and its exact digits keep other numbers out. The
# normalised text writes every Unicode dash and space as "-", so this one class serves an
# ASCII text as it is and a normalised text alike.
# NOTE: never the mask itself ("-****"): masking must leave masked text as it is, or a text
# masked once and masked again (a replay, which masks a birth date with any serial) would
# take "19121212-**** 1912..." for a number and eat what follows.
_SEP = r"(?:(?!-\*{4})[\W_])*"
# Any personnummer shape with a plausible month and day (61-91: samordningsnummer), for
# echoes of local input. Its separators are the usual ones, at most three: a wider rule would
# take dates and times ("2026-12-01 10:00") for numbers. HSA-ids and organisation numbers
# have a "month" of 20 or more, and the digit boundaries keep long ids whole, so neither is
# chopped by this rule.
_GENERIC_SEP = r"[-+\s./]{0,3}"
_GENERIC = (
    rf"(?<![0-9])(?:[0-9]{{2}})?[0-9]{{2}}{_GENERIC_SEP}(?:0[1-9]|1[0-2]){_GENERIC_SEP}"
    rf"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01]){_GENERIC_SEP}[0-9]{{4}}(?![0-9])"
)
_DIGIT = re.compile(r"\d")  # category Nd, any script
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]")
# ASCII controls that are not white space: a number split by one is still the number, but
# the ASCII fast path reads it as text, so such a text takes the normalising path.
_ASCII_HIDDEN = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
# Separators besides Pd and spaces: the minus sign is Sm, yet people type it as a hyphen;
# U+FFFD is what a decoder writes for a byte it could not read (an NBSP in windows-1252, say).
_DASHES = "+\u2212\ufffd"

# Drawn as nothing, yet not format characters (Cf): the default-ignorable fillers and the
# braille blank. With combining marks (Mn, Me) and controls they vanish from the matcher's
# view, so "1947\u034f0323\u31649873" is still the number.
_IGNORABLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_IGNORABLE_RANGES = ((0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))  # unassigned default-ignorables
_HIDDEN_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cs"})

# Characters that must never reach an output raw (bokade_cli.controls says why). C0 controls
# are escaped by json.dumps already, so JSON needs only the rest.
_UNSAFE = re.compile(f"[{UNSAFE_CLASS}]")
_JSON_UNSAFE = re.compile(f"[{INVISIBLE_CLASS}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@lru_cache(maxsize=4096)
def _normal(char: str) -> str:
    """One character as the matcher sees it: ASCII digits, "-" for separators, "" if invisible."""
    category = unicodedata.category(char)
    code = ord(char)
    if (
        category in _HIDDEN_CATEGORIES
        or (category == "Cc" and not char.isspace())
        or char in _IGNORABLE
        or any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES)
    ):
        # Zero-width space, bidi marks, soft hyphen, variation selectors, combining accents,
        # NUL (UTF-16 read as UTF-8): a number split by one is still the number.
        return ""
    out = []
    for part in unicodedata.normalize("NFKC", char):  # full-width, superscript, circled digits
        value = unicodedata.decimal(part, None)
        if value is not None:
            out.append("0123456789"[value])
        elif part.isspace() or part in _DASHES or unicodedata.category(part) == "Pd":
            out.append("-")
        else:
            out.append(part)
    return "".join(out)


def _loose(digits: str) -> str:
    """Digits with a separator allowed between any two (a composed text: see Masker)."""
    return _SEP.join(digits) if digits != _ANY_SERIAL else _SEP.join(["[0-9]"] * 4)


@lru_cache(maxsize=1024)
def _compile(
    numbers: tuple[str, ...], generic: bool, loose: bool = False
) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern for all forms of all numbers; group i masks as replacements[i - 1].

    Cached because a Masker is made per record while most texts never need the pattern.
    """
    alternatives, replacements = [], []
    for century, yy, mm, dd, serial in _variants(numbers):
        # The optional century is greedy, so a 12-digit form is masked whole, never as 10.
        tail = "[0-9]{4}" if serial == _ANY_SERIAL else serial
        if loose:
            alternatives.append(
                f"((?:{_loose(century)}{_SEP})?{_loose(yy + mm + dd)}{_SEP}{_loose(serial)})"
            )
        else:
            alternatives.append(f"((?:{century})?{yy}{_SEP}{mm}{_SEP}{dd}{_SEP}{tail})")
        replacements.append(f"{century}{yy}{mm}{dd}{_MASK}")
    if generic:
        alternatives.append(f"({_GENERIC})")
        replacements.append("")  # "" = computed from the matched digits
    return re.compile("|".join(alternatives)), tuple(replacements)


def _variants(numbers: Iterable[str]) -> list[tuple[str, str, str, str, str]]:
    """Each number as (century, YY, MM, DD, serial), once as given and once with day ± 60."""
    found = []
    for digits in numbers:
        day = int(digits[6:8])
        # A samordningsnummer writes the day + 60: the citizen may appear in either form.
        for dd in dict.fromkeys((day, day - 60 if day > 60 else day + 60)):
            if dd < 100:
                found.append((digits[:2], digits[2:4], digits[4:6], f"{dd:02d}", digits[8:]))
    return found


# Above this many numbers (a batch view knows every case's), one alternative per number makes
# the pattern slow (1,000 numbers: 2.6 ms per text that holds a serial) and each text's fast
# check one `in` per serial. Then a number's shape is found once and its digits looked up in a
# table: the cost no longer grows with the count.
MANY = 4
_FOUR = re.compile(r"(?=([0-9]{4}))")  # every run of four digits, overlapping
_ASCII_DIGIT = re.compile(r"[0-9]")
_TWELVE = re.compile(rf"([0-9]{{4}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{4}})")
_TEN = re.compile(rf"([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{2}}){_SEP}([0-9]{{4}})")
_LOOSE_TWELVE = re.compile(_SEP.join(["([0-9])"] * 12))
_LOOSE_TEN = re.compile(_SEP.join(["([0-9])"] * 10))
_GENERIC_ONLY = re.compile(_GENERIC)

Span = tuple[int, int, str]  # where a match starts and ends, and what replaces it


class _Table:
    """The many-number matcher: each form's digits to the masked form that replaces it."""

    def __init__(self, variants: list[tuple[str, str, str, str, str]], loose: bool) -> None:
        self.shapes = (_LOOSE_TWELVE, _LOOSE_TEN) if loose else (_TWELVE, _TEN)
        self.twelve: dict[str, str] = {}  # CCYYMMDDNNNN, or CCYYMMDD for any serial
        self.ten: dict[str, str] = {}  # YYMMDDNNNN, or YYMMDD
        for century, yy, mm, dd, serial in variants:
            masked = f"{century}{yy}{mm}{dd}{_MASK}"
            tail = "" if serial == _ANY_SERIAL else serial
            self.twelve.setdefault(f"{century}{yy}{mm}{dd}{tail}", masked)
            self.ten.setdefault(f"{yy}{mm}{dd}{tail}", masked)

    def spans(self, text: str) -> list[Span]:
        """Every match, leftmost first: at each digit, the 12-digit reading before the 10."""
        found: list[Span] = []
        at = _ASCII_DIGIT.search(text)
        while at is not None:
            start = at.start()
            for shape, table in zip(self.shapes, (self.twelve, self.ten), strict=True):
                match = shape.match(text, start)
                if match is None:
                    continue
                digits = "".join(match.groups())
                masked = table.get(digits) or table.get(digits[:-4])
                if masked:
                    found.append((start, match.end(), masked))
                    at = _ASCII_DIGIT.search(text, match.end())
                    break
            else:
                at = _ASCII_DIGIT.search(text, start + 1)
        return found


class Masker:
    """Masks every written form of the given numbers (and, with generic=True, any plausible personnummer-shaped digits) in texts."""

    __slots__ = (
        "_active",
        "_compiled",
        "_enabled",
        "_few",
        "_generic",
        "_keys",
        "_loose",
        "_numbers",
        "_serials",
        "_table",
    )

    def __init__(
        self,
        numbers: Iterable[str] = (),
        *,
        dates: Iterable[str] = (),
        generic: bool = False,
        enabled: bool = True,
        loose: bool = False,
        many: int = MANY,
    ) -> None:
        """`numbers`: 12 digits each. `dates`: 8-digit birth dates (YYYYMMDD) whose every
        serial is masked, for a text whose number is known only masked (a capture's subject).
        `loose`: the known numbers with a separator between any two digits, not only between
        the parts: a text a renderer joined from two values may split the number anywhere
        ("19470323-98" and "73"), and its exact digits keep other numbers out.
        `many`: above this many numbers and dates, the table matcher is used (tests set it)."""
        full = set(numbers)
        if not all(len(n) == 12 and n.isascii() and n.isdigit() for n in full):
            raise ValueError("Masker expects numbers as 12 ASCII digits")  # never echo them
        births = set(dates)
        if not all(len(d) == 8 and d.isascii() and d.isdigit() for d in births):
            raise ValueError("Masker expects dates as 8 ASCII digits")
        unique = tuple(sorted(full | {d + _ANY_SERIAL for d in births}))
        self._numbers = unique
        self._generic = generic
        self._enabled = enabled
        self._active = enabled and bool(unique or generic)
        self._compiled: tuple[re.Pattern[str], tuple[str, ...]] | None = None  # when first needed
        variants = _variants(unique)
        self._loose = loose
        self._table = _Table(variants, loose) if len(unique) > many else None
        # Every form holds the serial NNNN as is (ASCII texts have no invisible characters to
        # split it), and its digits alone hold YYMMDDNNNN: the keys of the two fast paths.
        # A date with any serial has no serial to look for: such a Masker always runs the pattern.
        self._serials = frozenset() if births else frozenset(v[4] for v in variants)
        # NOTE: the check every text passes, inlined in mask(): a call per text cost a third
        # of a JSON document's masking.
        self._few = tuple(self._serials) if len(self._serials) <= MANY else None
        self._keys = frozenset("".join(v[1:]).replace(_ANY_SERIAL, "") for v in variants)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def __repr__(self) -> str:
        return f"Masker({len(self._numbers)} numbers, generic={self._generic}, enabled={self._enabled})"

    def mask(self, text: str) -> str:
        if not self._active:
            return text
        if text.isascii() and (text.isprintable() or not _ASCII_HIDDEN.search(text)):
            if self._loose:  # the serial may be split too: look for the digits alone
                if not self._generic and not self._holds_key(_NOT_ASCII_DIGIT.sub("", text)):
                    return text
            elif not self._generic and self._serials:
                few = self._few
                if few is not None:  # the usual answer: one `in` per number, no call, no regex
                    for serial in few:
                        if serial in text:
                            break
                    else:
                        return text
                elif self._serials.isdisjoint(_FOUR.findall(text)):
                    return text
            if self._table is None:
                return self._pattern().sub(self._replace, text)
            return _replaced(text, self._spans(text), None)
        # NOTE: NFKC of the whole text can differ from the per-character view only in how
        # letters and marks compose, never in its digits, so this check is safe before the
        # slow path.
        digits = _DIGIT.findall(unicodedata.normalize("NFKC", text))
        if len(digits) < 10:
            return text
        if not self._generic:
            plain = "".join("0123456789"[unicodedata.decimal(d)] for d in digits)
            if not self._holds_key(plain):
                return text
        return self._mask_normalised(text)

    def _holds_key(self, plain: str) -> bool:
        if len(self._keys) <= MANY:
            return any(key in plain for key in self._keys)
        return (
            any(plain[i : i + 10] in self._keys for i in range(len(plain) - 9))
            or (
                any(len(key) == 6 for key in self._keys)  # a date with any serial: 6-digit keys
                and any(plain[i : i + 6] in self._keys for i in range(len(plain) - 5))
            )
        )

    def tree(self, value: object) -> object:
        """`value` with every string masked: dict keys and values, lists, tuples (as lists)."""
        if not self._active:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {
                self.mask(key) if isinstance(key, str) else key: self.tree(item)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.tree(item) for item in value]
        return value

    def _pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = _compile(self._numbers, self._generic, self._loose)
        return self._compiled[0]

    def _replace(self, match: re.Match[str]) -> str:
        assert self._compiled is not None  # set by _pattern() before any match exists
        replacement = self._compiled[1][(match.lastindex or 1) - 1]
        if replacement:
            return replacement
        return _generic_masked(match.group())

    def _spans(self, text: str) -> list[Span]:
        """Every match in an ASCII or normalised text, leftmost first, none overlapping."""
        if self._table is None:
            return [(m.start(), m.end(), self._replace(m)) for m in self._pattern().finditer(text)]
        found = self._table.spans(text)
        if not self._generic:
            return found
        # The citizen's own forms first where both start at the same place, as the single
        # pattern's order of alternatives has it.
        generic = [
            (m.start(), m.end(), _generic_masked(m.group())) for m in _GENERIC_ONLY.finditer(text)
        ]
        merged: list[Span] = []
        ordered = [(span, 0) for span in found] + [(span, 1) for span in generic]
        for span, _ in sorted(ordered, key=lambda item: (item[0][0], item[1])):
            if not merged or span[0] >= merged[-1][1]:
                merged.append(span)
        return merged

    def _mask_normalised(self, text: str) -> str:
        """Match on a normalised copy and replace the original characters each match came from."""
        parts: list[str] = []
        origin: list[int] = []  # origin[i]: index in `text` of normalised character i
        for index, char in enumerate(text):
            normal = _normal(char)
            parts.append(normal)
            origin.extend([index] * len(normal))
        return _replaced(text, self._spans("".join(parts)), origin)


def _generic_masked(found: str) -> str:
    digits = _NOT_ASCII_DIGIT.sub("", found)
    return digits[:-4] + _MASK  # the generic rule keeps the date part as it was written


def _replaced(text: str, spans: list[Span], origin: list[int] | None) -> str:
    """`text` with each span replaced; the spans index a normalised copy, whose characters
    `origin` maps back to `text` (None: the spans index `text` itself)."""
    out: list[str] = []
    done = 0
    for first, after, replacement in spans:
        start, end = (first, after) if origin is None else (origin[first], origin[after - 1] + 1)
        if end <= done:  # wholly inside a character an earlier match replaced
            continue
        # A match may start inside a character that the previous one ended in ("㉑" is
        # "21"); the slice is then empty and that character is replaced only once.
        out += (text[done:start], replacement)
        done = end
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def neutralise(text: str) -> str:
    """`text` with controls and invisible characters shown as escapes, so it stays one visible
    line, and with no "##[" that a CI log reads as a command."""
    if not (text.isascii() and text.isprintable()):  # the usual answer needs no regex
        text = _UNSAFE.sub(_visible, text)
    return _no_legacy_command(text)


def _no_legacy_command(text: str) -> str:
    if "##[" not in text:
        return text
    return _LEGACY_COMMAND.sub(r"\1\\u0023", text)


def excerpt(text: str, masker: Masker, limit: int, *, cut: bool) -> str:
    """One line of at most `limit` characters from the start of `text`: masked first, then cut,
    then neutralised.

    A number is never left in part where the text is cut (at `limit`, and at the end of `text`
    when `cut` says the source goes on): a trailing run that holds a digit and could be part
    of a number (digits, separators, invisible characters; a masked number ends in "*") is
    dropped, whatever its length; the excerpt only shows what kind of answer it was.
    """
    masked = masker.mask(text)
    if cut:
        masked = _without_number_tail(masked)
    if len(masked) > limit:
        masked = _without_number_tail(masked[:limit])
    return neutralise(masked)


def _without_number_tail(text: str) -> str:
    end = len(text)
    while end and _may_be_in_a_number(text[end - 1]):
        end -= 1
    tail = "".join(_normal(char) for char in text[end:])
    return text[:end] if any(char.isdigit() for char in tail) else text


def _may_be_in_a_number(char: str) -> bool:
    """A digit, or what the matcher lets stand between a number's parts (not the mask's "*")."""
    return all(part.isdigit() or not (part.isalnum() or part == "*") for part in _normal(char))


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON has no \U: astral characters are written as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_json(dumped: str) -> str:
    """Text from json.dumps(ensure_ascii=False) with the characters it leaves raw escaped.

    Correct on the whole text: outside strings JSON holds only ASCII punctuation and
    whitespace, so every such character (and every "##[") is inside a string, where
    `\\uXXXX` means the same.
    """
    return _no_legacy_command(_JSON_UNSAFE.sub(_json_escape, dumped))


def dumps(value: object, *, indent: int | None = None) -> str:
    """json.dumps for output: readable UTF-8, yet nothing that ends a line or hides text."""
    return escape_json(json.dumps(value, ensure_ascii=False, indent=indent))


# --- no line a CI runner reads as a command ---------------------------------------------------

# Terminal codes draw nothing (colours, the cursor moves of a live progress bar): a line whose
# visible text starts with `::` is one, whatever codes stand before or between the colons.
_CODE = r"(?:\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))"
# What may come before a line's first visible character: whitespace (the runner trims it; "\r"
# ends a line for it as "\n" does) and terminal codes.
_LEAD = rf"(?:[^\S\n]|{_CODE})*"
# A colon that, with the next one, starts a line. At the very end of the text (a partial line
# flushed before its end arrives) a lone colon counts: the next write may bring the second.
_COMMAND_START = re.compile(rf"(?:^|(?<=\r))({_LEAD}):(?={_CODE}*(?::|\Z))", re.M)
# GitHub Actions' older command syntax: "##[error]text" anywhere in a line is a command. The
# second "#" is written as an escape, in text and (losslessly) in JSON strings alike.
_LEGACY_COMMAND = re.compile(rf"(#{_CODE}*)#(?={_CODE}*\[)")
_BLANK = re.compile(_LEAD)


def no_commands(text: str, *, mid_line: bool = False) -> str:
    """`text` with no line a CI runner reads as a command. `mid_line`: the text continues a
    line that already holds visible characters, so its first line does not start a line."""
    if "\x1b" not in text and "::" not in text and "##[" not in text and text[-1:] != ":":
        return text  # the usual output: a few scans, no regex
    if mid_line:
        return no_commands("x" + text)[1:]  # a visible character in front: not a line start
    text = _COMMAND_START.sub(r"\1\\u003a", text)
    if "#" in text:
        text = _LEGACY_COMMAND.sub(r"\1\\u0023", text)
    return text


def ends_mid_line(text: str, mid_line: bool) -> bool:
    """Whether, after writing `text`, the line being written holds visible characters (so text
    written next does not start a line). `mid_line`: whether it did before."""
    tail = max(text.rfind("\n"), text.rfind("\r"))
    if tail < 0:
        return mid_line or _BLANK.fullmatch(text) is None
    return _BLANK.fullmatch(text, tail + 1) is None
