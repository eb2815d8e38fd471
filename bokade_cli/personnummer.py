"""Parse, validate and mask Swedish personnummer and samordningsnummer."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bokade_cli.controls import kinds_of
from bokade_cli.errors import InvalidPersonnummer

PERSONNUMMER_OID = "1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID = "1.2.752.129.2.1.3.3"

# A samordningsnummer is written like a personnummer with the day of birth + 60.
_SAMORDNING_OFFSET = 60

_FORMS = "expected 12 digits, YYYYMMDD-NNNN or YYMMDD-NNNN"
_SHAPE_HINT = "Write it as YYYYMMDD-NNNN (or 12 digits, or YYMMDD-NNNN)."
_DATE_HINT = "Check the date part; a samordningsnummer has the day + 60."
_CHECK_HINT = "Check the number: the last digit is a check digit over the other nine."
_SHAPE = re.compile(r"(?P<date>[0-9]{6}|[0-9]{8})(?P<sep>[-+]?)(?P<tail>[0-9]{4})")


# NOTE: the masked form is written here in two places that no output boundary guards, and
# so not by the boundary's Masker: a Personnummer printing itself (str, repr: a traceback
# under --debug, a test's failure message), and an error about a number that does not
# validate, which names it before anything can recognise it as a number (a mistyped date is
# still someone's number, and the Masker's generic rule knows only real-looking dates). Every
# output still passes the boundary after this; the form is the Masker's own.
_MASKED = "{}-****"


@dataclass(frozen=True, repr=False)
class Personnummer:
    """A validated number; `str()` and `repr()` are masked so that printing never leaks it."""

    digits: str  # always 12 digits, YYYYMMDDNNNC; a samordningsnummer keeps its day + 60
    kind: Literal["personnummer", "samordningsnummer"]

    @property
    def masked(self) -> str:
        return _MASKED.format(self.digits[:8])

    @property
    def written(self) -> str:
        """YYYYMMDD-NNNN, as documents hold it: the output boundary masks it (unless --unmask)."""
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def type_oid(self) -> str:
        """The OID that GetCareContacts' `patientId/type` expects for this kind of number."""
        return PERSONNUMMER_OID if self.kind == "personnummer" else SAMORDNINGSNUMMER_OID

    @property
    def birth_date(self) -> date:
        year, month, day = int(self.digits[:4]), int(self.digits[4:6]), int(self.digits[6:8])
        if self.kind == "samordningsnummer":
            day -= _SAMORDNING_OFFSET
        return date(year, month, day)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Personnummer({self.masked!r}, kind={self.kind!r})"


def _luhn_check_digit(nine_digits: str) -> int:
    """The check digit over YYMMDDNNN: weights 2,1,2,…, digit sums of the products."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def cleaned(text: str) -> str:
    """The number as pasted from a document, in plain ASCII: full-width digits (NFKC), and an
    en dash, em dash or other Unicode hyphen made `-`.

    NOTE: a space is not cleaned away: the personnummer projects' shared test list (and so
    every library that agrees with it) treats "19090527 1474" as invalid.
    """
    out = []
    for char in unicodedata.normalize("NFKC", text.strip()):
        if unicodedata.category(char) == "Pd" or char == "\u2212":
            out.append("-")
        elif unicodedata.category(char) != "Cf":  # zero-width characters from copy and paste
            out.append(char)
    return "".join(out)


def _describe_shape_error(text: str) -> str:
    """Say what is wrong with the shape without echoing the (possibly real) number."""
    if not text:
        return "personnummer is empty"
    odd = sorted({char for char in text if char not in "0123456789-+"})
    # A line break, a control character or an undecodable byte is named, never echoed.
    named = kinds_of("".join(odd))
    if any(char.isdigit() for char in odd):
        named.append("non-ASCII digits")
    # A printable character is shown as repr() shows it: 'a', '_'.
    named += [repr(c) for c in odd if c.isprintable() and not c.isspace() and not c.isdigit()]
    if named:
        return f"personnummer contains {_and(named)}; {_FORMS}"
    digit_count = sum(char in "0123456789" for char in text)
    if digit_count in (10, 12):
        return f"personnummer has a '-' or '+' in the wrong place; {_FORMS}"
    return f"personnummer has {digit_count} digits; {_FORMS}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _resolve_century(yy: int, month: int, day: int, plus: bool, today: date) -> int:
    """The latest year ending in `yy` whose date is not after `today`; minus 100 for a `+`.

    NOTE: Skatteverket writes `+` instead of `-` from the year a person turns 100, so the
    separator is the only thing that tells the century of a ten-digit number.
    """
    year = today.year - (today.year - yy) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year - 100 if plus else year


def parse_personnummer(text: str, today: date | None = None) -> Personnummer:
    """Parse any written form of a personnummer or samordningsnummer, or raise InvalidPersonnummer.

    Accepted: YYYYMMDDNNNN, YYYYMMDD-NNNN, YYYYMMDD+NNNN, YYMMDDNNNN, YYMMDD-NNNN, YYMMDD+NNNN,
    also as pasted from documents: an en dash or other dash, spaces, full-width digits.
    Ten-digit forms take their century from the separator (none counts as `-`) relative to
    `today`. Errors show the number masked or only the part that is wrong.
    """
    today = today or date.today()
    stripped = cleaned(text)
    match = _SHAPE.fullmatch(stripped)
    if match is None:
        raise InvalidPersonnummer(_describe_shape_error(stripped), _SHAPE_HINT)

    written_date, separator, tail = match["date"], match["sep"], match["tail"]
    label = f"personnummer {_MASKED.format(written_date)}"
    month, written_day = int(written_date[-4:-2]), int(written_date[-2:])
    is_samordning = written_day > _SAMORDNING_OFFSET
    day = written_day - _SAMORDNING_OFFSET if is_samordning else written_day

    if len(written_date) == 8:
        # NOTE: the twelve-digit forms carry the century; a `+` there is accepted as written.
        year = int(written_date[:4])
    else:
        year = _resolve_century(int(written_date[:2]), month, day, separator == "+", today)
    full_date = f"{year:04d}{written_date[-4:]}"

    try:
        birth = date(year, month, day)
    except ValueError:
        detail = f"{full_date} is not a real date"
        if is_samordning:
            detail += f", even as a samordningsnummer (day {written_day} - 60 = {day})"
        raise InvalidPersonnummer(f"{label}: {detail}", _DATE_HINT) from None
    if birth > today:
        raise InvalidPersonnummer(
            f"{label}: the birth date {full_date} is in the future", _DATE_HINT
        )
    if tail[:3] == "000":
        # NOTE: Skatteverket never issues birth number 000; the shared test list treats it as invalid.
        raise InvalidPersonnummer(f"{label}: the birth number 000 is never issued", _CHECK_HINT)

    ten = full_date[2:] + tail
    expected = _luhn_check_digit(ten[:9])
    if int(ten[9]) != expected:
        # NOTE: neither digit is named: the serial is what masking hides, and "expected 2"
        # would give away the last digit of the number the typo was meant to be.
        raise InvalidPersonnummer(
            f"{label}: the check digit does not match the other nine digits", _CHECK_HINT
        )
    kind: Literal["personnummer", "samordningsnummer"] = (
        "samordningsnummer" if is_samordning else "personnummer"
    )
    return Personnummer(digits=full_date + tail, kind=kind)
