"""Mask personnummer and neutralise untrusted text on its way out of the tool (SPEC §7)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["Masker", "dumps", "escape_json", "has_unsafe", "neutralise"]

# Micro benchmark (CPython 3.11, one number, generic=False, per call):
#   short ASCII text without the serial       0.1 µs  (isascii + one `in`, no regex, no allocation)
#   "Vårdcentralen Norrmalm" (non-ASCII)      0.3 µs  (NFKC + one digit regex)
#   non-ASCII text with 10+ other digits      2.3 µs  (digits compared with the keys)
#   ASCII text holding "19121212-1212"        1.0 µs  (one regex sub)
#   non-ASCII text holding the number          13 µs  (per-character normalisation)
# plus ~100 µs once per number to compile its pattern, only when a text first needs it.

_MASK = "-****"
_ANY_SERIAL = "????"  # a birth date to mask with whatever serial follows it (a replay's subject)
# Between the parts people write hyphens, pluses, spaces or dashes, sometimes several
# ("121212 - 1212"). The normalised text writes every such character as "-", so this one
# class serves an ASCII text as it is and a normalised text alike.
_SEP = r"[-+\s]{0,3}"
# Any personnummer shape with a plausible month and day (61-91: samordningsnummer). HSA-ids
# and organisation numbers have a "month" of 20 or more, and the digit boundaries keep long
# ids whole, so neither is chopped by a rule meant for echoes of the user's own input.
_GENERIC = (
    rf"(?<![0-9])(?:[0-9]{{2}})?[0-9]{{2}}{_SEP}(?:0[1-9]|1[0-2]){_SEP}"
    rf"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01]){_SEP}[0-9]{{4}}(?![0-9])"
)
_DIGIT = re.compile(r"\d")  # category Nd, any script
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]")
_DASHES = "+\u2212"  # the minus sign is Sm, not Pd, yet people type it as a hyphen

# Characters that must never reach an output raw: they move the cursor, hide text, reorder
# it (bidi overrides, "Trojan Source"), or end a line that a CI system then reads as a
# command. Lone surrogates are added because writing one as UTF-8 raises, and no data may
# crash a run. C0 controls are escaped by json.dumps already, so JSON needs only the rest.
_INVISIBLE = (
    "\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_UNSAFE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_JSON_UNSAFE = re.compile(f"[{_INVISIBLE}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@lru_cache(maxsize=4096)
def _normal(char: str) -> str:
    """One character as the matcher sees it: ASCII digits, "-" for separators, "" if invisible."""
    if unicodedata.category(char) == "Cf":
        return ""  # zero-width space, bidi marks, soft hyphen: a number split by one is still it
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


@lru_cache(maxsize=1024)
def _compile(numbers: tuple[str, ...], generic: bool) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern for all forms of all numbers; group i masks as replacements[i - 1].

    Cached because a Masker is made per record while most texts never need the pattern.
    """
    alternatives, replacements = [], []
    for century, yy, mm, dd, serial in _variants(numbers):
        # The optional century is greedy, so a 12-digit form is masked whole, never as 10.
        tail = "[0-9]{4}" if serial == _ANY_SERIAL else serial
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


class Masker:
    """Masks every written form of the given numbers (and, with generic=True, any plausible personnummer-shaped digits) in texts."""

    __slots__ = ("_active", "_compiled", "_enabled", "_generic", "_keys", "_numbers", "_serials")

    def __init__(
        self,
        numbers: Iterable[str] = (),
        *,
        dates: Iterable[str] = (),
        generic: bool = False,
        enabled: bool = True,
    ) -> None:
        """`numbers`: 12 digits each. `dates`: 8-digit birth dates (YYYYMMDD) whose every
        serial is masked, for a text whose number is known only masked (a capture's subject)."""
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
        # Every form holds the serial NNNN as is (ASCII texts have no invisible characters to
        # split it), and its digits alone hold YYMMDDNNNN: the keys of the two fast paths.
        # A date with any serial has no serial to look for: such a Masker always runs the pattern.
        self._serials = () if births else tuple({v[4] for v in variants})
        self._keys = tuple({"".join(v[1:]).replace(_ANY_SERIAL, "") for v in variants})

    @property
    def enabled(self) -> bool:
        return self._enabled

    def __repr__(self) -> str:
        return f"Masker({len(self._numbers)} numbers, generic={self._generic}, enabled={self._enabled})"

    def mask(self, text: str) -> str:
        if not self._active:
            return text
        if text.isascii():
            if not self._generic and self._serials:
                for serial in self._serials:
                    if serial in text:
                        break
                else:  # the usual answer: one `in` per number, no regex, no allocation
                    return text
            return self._pattern().sub(self._replace, text)
        # NOTE: NFKC of the whole text can differ from the per-character view only in how
        # letters compose, never in its digits, so this check is safe before the slow path.
        digits = _DIGIT.findall(unicodedata.normalize("NFKC", text))
        if len(digits) < 10:
            return text
        if not self._generic:
            plain = "".join("0123456789"[unicodedata.decimal(d)] for d in digits)
            if not any(key in plain for key in self._keys):
                return text
        return self._mask_normalised(text)

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
            self._compiled = _compile(self._numbers, self._generic)
        return self._compiled[0]

    def _replace(self, match: re.Match[str]) -> str:
        assert self._compiled is not None  # set by _pattern() before any match exists
        replacement = self._compiled[1][(match.lastindex or 1) - 1]
        if replacement:
            return replacement
        digits = _NOT_ASCII_DIGIT.sub("", match.group())
        return digits[:-4] + _MASK  # the generic rule keeps the date part as it was written

    def _mask_normalised(self, text: str) -> str:
        """Match on a normalised copy and replace the original characters each match came from."""
        parts: list[str] = []
        origin: list[int] = []  # origin[i]: index in `text` of normalised character i
        for index, char in enumerate(text):
            normal = _normal(char)
            parts.append(normal)
            origin.extend([index] * len(normal))
        out: list[str] = []
        done = 0
        for match in self._pattern().finditer("".join(parts)):
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            if end <= done:  # wholly inside a character an earlier match replaced
                continue
            # A match may start inside a character that the previous one ended in ("㉑" is
            # "21"); the slice is then empty and that character is replaced only once.
            out += (text[done:start], self._replace(match))
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
    """`text` with controls and invisible characters shown as escapes, so it stays one visible line."""
    if text.isascii() and text.isprintable():  # the usual answer, without a regex
        return text
    return _UNSAFE.sub(_visible, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON has no \U: astral characters are written as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_json(dumped: str) -> str:
    """Text from json.dumps(ensure_ascii=False) with the characters it leaves raw escaped.

    Correct on the whole text: outside strings JSON holds only ASCII punctuation and
    whitespace, so every such character is inside a string, where `\\uXXXX` means the same.
    """
    return _JSON_UNSAFE.sub(_json_escape, dumped)


def dumps(value: object, *, indent: int | None = None) -> str:
    """json.dumps for output: readable UTF-8, yet nothing that ends a line or hides text."""
    return escape_json(json.dumps(value, ensure_ascii=False, indent=indent))


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character neutralise() would escape (controls, bidi, invisible)."""
    return not (text.isascii() and text.isprintable()) and _UNSAFE.search(text) is not None
