"""Tests for personnummer parsing, validation and masking."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bokade_cli.errors import ExitCode, InvalidPersonnummer
from bokade_cli.output.privacy import Masker
from bokade_cli.personnummer import Personnummer, parse_personnummer

TODAY = date(2026, 11, 26)
LIST_FILE = Path("/work/shared/testdata/personnummer-list.json")
if not LIST_FILE.exists():  # the shared folder sits next to the repository in CI checkouts
    LIST_FILE = Path(__file__).resolve().parents[2] / "shared/testdata/personnummer-list.json"
ENTRIES: list[dict[str, Any]] = json.loads(LIST_FILE.read_text(encoding="utf-8"))
KINDS = {"ssn": "personnummer", "con": "samordningsnummer"}


def _luhn_ok(ten: str) -> bool:
    """Independent check: the Luhn sum over all ten digits, doubling from the left, is 0 mod 10."""
    total = 0
    for index, char in enumerate(ten):
        doubled = int(char) * (2 - index % 2)
        total += sum(int(d) for d in str(doubled))
    return total % 10 == 0


def _with_check_digit(nine: str) -> str:
    return next(nine + str(d) for d in range(10) if _luhn_ok(nine + str(d)))


def mask_text(text: str, pnr: Personnummer) -> str:
    return Masker([pnr.digits]).mask(text)


def _ok(text: str, today: date = TODAY) -> Personnummer:
    return parse_personnummer(text, today=today)


def _error(text: str, today: date = TODAY) -> InvalidPersonnummer:
    with pytest.raises(InvalidPersonnummer) as info:
        parse_personnummer(text, today=today)
    return info.value


# --- the shared cross-language list ------------------------------------------------------

LIST_CASES = [
    pytest.param(entry, form, id=f"{entry[form]}-{form}")
    for entry in ENTRIES
    for form in ("long_format", "separated_format", "separated_long", "short_format")
]


def test_the_list_has_valid_and_invalid_entries_of_both_kinds() -> None:
    seen = {(entry["valid"], entry["type"]) for entry in ENTRIES}
    assert seen == {(True, "ssn"), (False, "ssn"), (True, "con"), (False, "con")}


@pytest.mark.parametrize(("entry", "form"), LIST_CASES)
def test_shared_list_validity(entry: dict[str, Any], form: str) -> None:
    text = entry[form]
    if not entry["valid"]:
        _error(text)
        return
    pnr = _ok(text)
    if form == "short_format":
        return  # no separator: the century is ambiguous, so only validity is compared
    assert pnr.kind == KINDS[entry["type"]]
    assert pnr.digits == entry["long_format"]


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["integer"] == 0])
def test_list_entries_with_spaces_are_invalid_in_every_form(entry: dict[str, Any]) -> None:
    for form in ("long_format", "separated_format", "separated_long", "short_format"):
        assert " " in entry[form]
        assert "space" in _error(entry[form]).message


# --- the documented examples --------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["19121212-1212", "191212121212", "  191212121212\n", "\t19121212+1212"]
)
def test_long_forms_of_the_example(text: str) -> None:
    pnr = _ok(text)
    assert pnr.digits == "191212121212"
    assert pnr.kind == "personnummer"


@pytest.mark.parametrize(
    ("text", "today", "digits"),
    [
        ("121212-1212", TODAY, "201212121212"),  # '-': at most 99 years old
        ("1212121212", TODAY, "201212121212"),  # no separator counts as '-'
        ("121212+1212", TODAY, "191212121212"),  # '+': 100 years or older
        ("121212-1212", date(1990, 1, 1), "191212121212"),
        ("121212+1212", date(1990, 1, 1), "181212121212"),
    ],
)
def test_ten_digit_forms_take_the_century_from_the_separator(
    text: str, today: date, digits: str
) -> None:
    assert _ok(text, today).digits == digits


def test_century_turns_on_the_birthday() -> None:
    born_today = _with_check_digit("261126123")
    born_tomorrow = _with_check_digit("261127123")
    assert _ok(f"{born_today[:6]}-{born_today[6:]}").digits == "20" + born_today
    assert _ok(f"{born_tomorrow[:6]}-{born_tomorrow[6:]}").digits == "19" + born_tomorrow
    assert _ok(f"{born_today[:6]}+{born_today[6:]}").digits == "19" + born_today
    assert _ok(f"{born_tomorrow[:6]}+{born_tomorrow[6:]}").digits == "18" + born_tomorrow


def test_leap_day_depends_on_the_resolved_century() -> None:
    number = _with_check_digit("000229123")
    # '-' in 2026: 2000-02-29 exists; '+' means 1900, which was not a leap year.
    assert _ok(f"000229-{number[6:]}").digits == "20" + number
    assert "19000229 is not a real date" in _error(f"000229+{number[6:]}").message


# --- samordningsnummer --------------------------------------------------------------------


def test_samordningsnummer_keeps_day_plus_60() -> None:
    pnr = _ok("19570574-9959")
    assert pnr.kind == "samordningsnummer"
    assert pnr.digits == "195705749959"
    assert pnr.birth_date == date(1957, 5, 14)
    assert pnr.masked == "19570574-****"
    assert pnr.type_oid == "1.2.752.129.2.1.3.3"


def test_personnummer_type_oid_and_birth_date() -> None:
    pnr = _ok("19121212-1212")
    assert pnr.type_oid == "1.2.752.129.2.1.3.1"
    assert pnr.birth_date == date(1912, 12, 12)


# --- errors say which part is wrong, without echoing the number ---------------------------


def test_check_digit_error_names_no_digit_of_the_serial_and_masks_the_number() -> None:
    error = _error("19121212-1213")
    assert error.message == (
        "personnummer 19121212-****: the check digit does not match the other nine digits"
    )
    assert not any(char.isdigit() for char in error.message.split(":", 1)[1])  # no digit named
    # The hint fits the error: a wrong check digit is not a samordningsnummer question.
    assert error.hint == "Check the number: the last digit is a check digit over the other nine."
    assert error.exit_code == ExitCode.USAGE
    assert error.code == "invalid_personnummer"


def test_check_digit_error_for_a_ten_digit_form_keeps_its_shape() -> None:
    assert _error("121212-1213").message == (
        "personnummer 121212-****: the check digit does not match the other nine digits"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("20150231-1234", "20150231 is not a real date"),
        ("20151301-1234", "20151301 is not a real date"),
        ("20150100-1234", "20150100 is not a real date"),
        ("20150140-1234", "20150140 is not a real date"),
        (
            "19390192-1234",
            "19390192 is not a real date, even as a samordningsnummer (day 92 - 60 = 32)",
        ),
        ("150231-1234", "20150231 is not a real date"),
    ],
)
def test_date_errors(text: str, detail: str) -> None:
    date_part = text.split("-")[0]
    assert _error(text).message == f"personnummer {date_part}-****: {detail}"


def test_birth_date_in_the_future_is_an_error() -> None:
    future = (TODAY + timedelta(days=1)).strftime("%Y%m%d")
    number = _with_check_digit(future[2:] + "123")
    message = _error(f"{future}-{number[6:]}").message
    assert message == f"personnummer {future}-****: the birth date {future} is in the future"


def test_birth_number_000_is_never_issued() -> None:
    # 201509160006 passes the Luhn check; the shared list still calls it invalid.
    assert _luhn_ok("1509160006")
    assert _error("20150916-0006").message == (
        "personnummer 20150916-****: the birth number 000 is never issued"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "personnummer is empty"),
        ("   ", "personnummer is empty"),
        ("19121212 1212", "personnummer contains a space"),
        ("1912121212a2", "personnummer contains 'a'"),
        ("19121212_1212", "personnummer contains '_'"),
        ("1912121212123", "personnummer has 13 digits"),
        ("19121212121", "personnummer has 11 digits"),
        ("12345", "personnummer has 5 digits"),
        ("1912-12121212", "personnummer has a '-' or '+' in the wrong place"),
        ("19121212--1212", "personnummer has a '-' or '+' in the wrong place"),
        ("1212121212-", "personnummer has a '-' or '+' in the wrong place"),
        ("١٩١٢١٢١٢١٢١٢", "personnummer contains non-ASCII digits"),
        # Said as what it is, never "a space", and never echoed raw.
        ("19121212\n1212", "personnummer contains a line break;"),
        ("19121212\u20281212", "personnummer contains a line break;"),
        ("19121212\t1212", "personnummer contains a tab;"),
        ("1912\x1b[2J12121212", "personnummer contains a control character, 'J' and '[';"),
        ("19121212\udcff\udcfe1212", "personnummer contains bytes that are not UTF-8;"),
        ("19121212\x00 1212", "personnummer contains a space and a control character;"),
    ],
)
def test_shape_errors(text: str, detail: str) -> None:
    assert "samordningsnummer" not in _error(text).hint
    message = _error(text).message
    assert message.startswith(detail)
    assert (
        message.endswith("expected 12 digits, YYYYMMDD-NNNN or YYMMDD-NNNN") or text.strip() == ""
    )
    assert "1212121212" not in message
    assert message.isprintable()


# --- masking ------------------------------------------------------------------------------


def test_str_repr_and_format_are_masked() -> None:
    pnr = _ok("19121212-1212")
    assert str(pnr) == "19121212-****"
    assert f"{pnr}" == "19121212-****"
    assert "1212121212" not in repr(pnr)
    assert "19121212-****" in repr(pnr)
    assert "1212121212" not in repr([pnr, {"p": pnr}])


@pytest.mark.parametrize("text", ["19121212-1212", "191212721219", "121212+1212"])
def test_a_number_masks_itself_as_the_boundary_masks_it(text: str) -> None:
    """Personnummer.masked (str, repr, errors) writes the very form the Masker writes."""
    pnr = _ok(text)
    assert pnr.written == f"{pnr.digits[:8]}-{pnr.digits[8:]}"
    assert Masker([pnr.digits]).mask(pnr.written) == pnr.masked == str(pnr)


def test_mask_text_replaces_every_written_form() -> None:
    pnr = _ok("19121212-1212")
    text = (
        "<actorId>191212121212</actorId> a=19121212-1212 b=19121212+1212 "
        "c=121212-1212 d=121212+1212 e=1212121212"
    )
    masked = mask_text(text, pnr)
    assert masked == (
        "<actorId>19121212-****</actorId> a=19121212-**** b=19121212-**** "
        "c=19121212-**** d=19121212-**** e=19121212-****"
    )


def test_mask_text_leaves_other_numbers_alone() -> None:
    pnr = _ok("19121212-1212")
    text = "other 195705749959, booking 81347, hsa SE2321000016-1234"
    assert mask_text(text, pnr) == text


def test_mask_text_masks_a_samordningsnummer() -> None:
    pnr = _ok("195705749959")
    assert mask_text("id=570574-9959;", pnr) == "id=19570574-****;"


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=1, max_value=999),
    samordning=st.booleans(),
)
def test_any_valid_number_parses_in_every_form_and_masks(
    birth: date, serial: int, samordning: bool
) -> None:
    day = birth.day + (60 if samordning else 0)
    nine = f"{birth:%y%m}{day:02d}{serial:03d}"
    ten = _with_check_digit(nine)
    long = f"{birth.year // 100}{ten}"
    separator = "+" if birth <= TODAY.replace(year=TODAY.year - 100) else "-"
    forms = [long, f"{long[:8]}-{long[8:]}", f"{ten[:6]}{separator}{ten[6:]}"]
    for text in forms:
        pnr = _ok(text)
        assert pnr.digits == long
        assert pnr.kind == ("samordningsnummer" if samordning else "personnummer")
        assert pnr.birth_date == birth
        masked = mask_text(f"[{text}] and {ten}", pnr)
        assert masked == f"[{pnr.masked}] and {pnr.masked}"


@pytest.mark.parametrize(
    "pasted",
    [
        "19121212\u20131212",  # en dash, as Word's autocorrect writes it
        "19121212\u20141212",  # em dash
        "19121212\u20111212",  # non-breaking hyphen
        "19121212\u22121212",  # minus sign
        "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12",  # full width
        "\u200b19121212-1212\u200b",  # zero-width spaces from a web page
    ],
)
def test_pasted_forms_are_cleaned_not_refused(pasted: str) -> None:
    assert _ok(pasted).digits == "191212121212"
