"""Captures against a hostile platform on loopback: no form of the number in them, and they replay.

A capture is for attaching to a ticket (SPEC §7): whatever an answer holds, the file holds no
written form of the number, not even split by invisible characters or cut in part, and a
capture bokade wrote is one its own replay accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.support import capture
from tests.fakeplatform import (
    AGGREGATOR,
    SOAP,
    care_contacts_body,
    contact,
    envelope,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR
from tests.helpers import assert_clean_capture as _assert_clean_capture
from tests.helpers import digits as _digits
from tests.helpers import leaks as _leaks
from tests.hostile import Reply, hostile_server

RELATION = "SE2321000016-R001"
# Characters drawn as nothing that a hostile producer can put between any two digits:
# zero-width, bidi, variation selectors, combining marks, fillers, tags, a soft hyphen.
INVISIBLE = [
    "\u200b", "\u202e", "\ufeff", "\ufe0f", "\u034f", "\u3164", "\u2800", "\u0301", "\u20dd",
    "\u115f", "\uffa0", "\U000e0041", "\U000e0101", "\u00ad",
]  # fmt: skip
# Line ends and tabs are separators: between the date and the serial, they are the number too.
SPLITTERS = [*INVISIBLE, "\n", "\t", "\u2028", "\x85"]


def _fault(text: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault><faultcode>soap:Server'
        f"</faultcode><faultstring>{text}</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    ).encode()


def _empty(contract: str) -> bytes:
    if contract == "GetSubjectOfCareSchedule":
        return envelope(scheduling_body([])).encode()
    return envelope(care_contacts_body(3 if contract.endswith("3") else 2, [])).encode()


def _collect(base_url: str, path: Path, *extra: str) -> Any:
    args = ["collect", PNR, "--base-url", base_url, "--now", NOW, "-r", RELATION]
    result = CliRunner().invoke(app, [*args, "--save-capture", str(path), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _split_fault(splitter: str) -> Any:
    def answer(contract: str, address: str) -> Reply:
        if contract == "GetCareContacts/3":
            # As the review found it: a character reference, so the raw bytes hide the number.
            return 500, {}, _fault(f"Patient 19121212&#x{ord(splitter):X};1212 saknas")
        return 200, {}, _empty(contract)

    return answer


@pytest.mark.parametrize("splitter", SPLITTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_number_split_by_an_invisible_character_is_masked_in_output_and_capture(
    tmp_path: Path, splitter: str
) -> None:
    path = tmp_path / "c.json"
    with hostile_server(_split_fault(splitter)) as url:
        for fmt in ("json", "table", "markdown", "html"):
            result = _collect(url, path, "-f", fmt, "-v")
            assert result.exit_code == 3, result.output
            assert not _leaks(result.stdout), result.stdout
            assert not _leaks(result.stderr), result.stderr
    document = _assert_clean_capture(path)
    (v3,) = [c for c in document["calls"] if c["call"] == "call3-v3"]
    assert "19121212-****" in v3["message"]  # masked, then the splitter shown as an escape


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ten=st.booleans(),
    splits=st.lists(st.sampled_from(["", "", *INVISIBLE]), min_size=12, max_size=12),
)
@pytest.mark.slow
def test_property_any_invisible_characters_between_the_digits_are_masked(
    tmp_path: Path, ten: bool, splits: list[str]
) -> None:
    digits = PNR[2:] if ten else PNR
    written = "".join(
        d + (f"&#x{ord(s):X};" if s else "")
        for d, s in zip(digits, splits[: len(digits)], strict=True)
    )
    path = tmp_path / "p.json"

    def answer(contract: str, address: str) -> Reply:
        if contract == "GetCareContacts/3":
            return 500, {}, _fault(f"Patient {written} saknas")
        if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
            booking = slot("SE2321000016-A001", "20261203100000", "B1", name=f"Vc {written}")
            text = envelope(scheduling_body([booking])).replace("&amp;", "&")
            return 200, {}, text.encode()
        return 200, {}, _empty(contract)

    with hostile_server(answer) as url:
        result = _collect(url, path, "-f", "json")
    assert not _leaks(result.stdout), result.stdout
    _assert_clean_capture(path)


# --- answers that could not be parsed: only a masked excerpt is kept --------------------------


def _refused_answers(pad: int) -> Any:
    def answer(contract: str, address: str) -> Reply:
        if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
            return 200, {}, "<x>191212121212 patient".encode("utf-16")  # with a BOM, unterminated
        if contract == "GetCareContacts/3":
            text = '<?xml version="1.0" encoding="windows-1252"?><x>patient 19121212\xa01212</x'
            return 200, {}, text.encode("cp1252")
        if contract == "GetCareContacts/2":
            # A comment that an excerpt drops, so the end of what was read shows: the number
            # lies across that end. Repeated, so some copy crosses it whatever `pad` is.
            return 200, {}, ("<x><!--" + "x" * pad + "-->" + "patient 191212121212 " * 400).encode()
        return 200, {}, _empty(contract)

    return answer


@pytest.mark.parametrize("shift", range(0, 21, 3))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_unparsable_answer_leaves_no_part_of_the_number_in_the_capture(
    tmp_path: Path, shift: int
) -> None:
    pad = capture.READ_BYTES - 60 - shift  # the read ends inside the text after the comment
    path = tmp_path / "c.json"
    with hostile_server(_refused_answers(pad)) as url:
        result = _collect(url, path, "-f", "json")
    assert result.exit_code == 3, result.output
    document = _assert_clean_capture(path)
    excerpts = {c["call"]: c["exchange"]["refused"]["excerpt"] for c in document["calls"] if c["exchange"] and c["exchange"].get("refused")}  # fmt: skip
    assert set(excerpts) == {"call1", "call3-v3", "call3-v2"}
    assert excerpts["call1"] == "<x>19121212-**** patient"  # read as UTF-16, by its BOM
    assert excerpts["call3-v3"].endswith("<x>patient 19121212-****</x")  # as windows-1252
    for excerpt in excerpts.values():
        # Masked numbers aside, no run of six or more digits: nothing that could be a number in part.
        rest = _digits(excerpt.replace("19121212-****", ""))
        assert not re.search(r"[0-9]{6}", rest), excerpt
    replayed = CliRunner().invoke(app, ["replay", str(path), "-f", "json"])
    assert replayed.exit_code == 3, replayed.output
    assert json.loads(replayed.stdout) == json.loads(result.stdout)


# --- a capture bokade wrote, its replay accepts -----------------------------------------------


def _hostile_text_answers(contract: str, address: str) -> Reply:
    if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
        booking = slot("SE2321000016-A001", "20261203100000", "B1", name="Vc \U000e0041\U000e007f")
        return 200, {}, envelope(scheduling_body([booking])).encode()
    if contract == "GetCareContacts/3":
        visit = contact("SE2321000016-C001", "20261205100000", "D1", name="M\u2066\ufff9\x85")
        return 200, {}, envelope(care_contacts_body(3, [visit])).encode()
    if contract == "GetCareContacts/2":
        # UTF-8 bytes (sent as Latin-1 characters): a zero-width space in the host, C1 controls
        # in the path.
        return 302, {"Location": "http://go\xe2\x80\x8bod.example/p\xc2\x85\xc2\x9b31m"}, b""
    return 200, {}, _empty(contract)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_of_hostile_text_replays_as_the_live_run(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with hostile_server(_hostile_text_answers) as url:
        live = _collect(url, path, "-f", "json")
    assert live.exit_code == 3, live.output
    document = json.loads(path.read_text(encoding="utf-8"))
    (v2,) = [c for c in document["calls"] if c["call"] == "call3-v2"]
    # Only the host, all the message quotes; its zero-width space as a reference, which replay
    # reads back as the character (as text, "\\u200b" replayed as a backslash: review 2, F9).
    assert v2["exchange"]["location"] == "//go&#x200B;od.example"
    replayed = CliRunner().invoke(app, ["replay", str(path), "-f", "json"])
    assert replayed.exit_code == 3, replayed.output
    assert json.loads(replayed.stdout) == json.loads(live.stdout)


def _redirect_with_the_number(contract: str, address: str) -> Reply:
    if contract == "GetCareContacts/2":
        # Not UTF-8 (\xfe), so httpx reads the header as Latin-1: the zero-width space between
        # the digits became "\xe2\x80\x8b", a letter and two C1 controls, and the number
        # stayed readable in the output and the capture (review 2, finding 8).
        number = "19121212\xe2\x80\x8b1212"
        return 302, {"Location": f"http://h\xfe{number}.example/{number}"}, b""
    return 200, {}, _empty(contract)


@pytest.mark.parametrize("fmt", ["json", "table"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_redirect_that_is_not_utf_8_leaves_no_number_anywhere(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "c.json"
    with hostile_server(_redirect_with_the_number) as url:
        live = _collect(url, path, "-f", fmt)
    assert live.exit_code == 3, live.output
    assert not _leaks(live.stdout) and not _leaks(live.stderr), live.output
    document = _assert_clean_capture(path)
    (v2,) = [c for c in document["calls"] if c["call"] == "call3-v2"]
    # Its host read as UTF-8 (U+FFFD for the byte that is not), masked; no path.
    assert v2["exchange"]["location"] == "//h\ufffd19121212-****.example"
    assert "a redirect to h\ufffd19121212-****.example" in live.stdout
    replayed = CliRunner().invoke(app, ["replay", str(path), "-f", fmt])
    assert (replayed.exit_code, replayed.stdout) == (3, live.stdout)


def test_no_name_in_an_answer_can_hold_a_character_a_capture_escapes() -> None:
    """serialise escapes texts and attribute values, not names: expat must refuse all of them."""
    from bokade_cli.controls import C0, INVISIBLE
    from bokade_cli.errors import InvalidResponse
    from bokade_cli.xmlparse import parse_xml

    for lo, hi in C0 + INVISIBLE:
        for code in range(lo, hi + 1):
            if 0xD800 <= code <= 0xDFFF:
                continue  # not encodable as UTF-8 at all
            for xml in (f"<a{chr(code)}b/>", f"<a x{chr(code)}y='1'/>"):
                with pytest.raises(InvalidResponse):
                    parse_xml(xml.encode())


def _two_numbers_in_a_name(contract: str, address: str) -> Reply:
    if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
        # The citizen's number and its samordningsnummer form, one after the other: masked,
        # "19121212-**** 19121272-****", which a replay's masker (a birth date with any serial)
        # read as the date, separators "-**** " and the serial "1912" (audit B1).
        name = f"VCC {PNR[:8]}-{PNR[8:]} {PNR[:6]}{int(PNR[6:8]) + 60}-{PNR[8:]}"
        booking = slot("SE2321000016-A001", "20261203100000", "B1", name=name)
        return 200, {}, envelope(scheduling_body([booking])).encode()
    return 200, {}, _empty(contract)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_masked_numbers_side_by_side_replay_as_the_live_run(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with hostile_server(_two_numbers_in_a_name) as url:
        live = _collect(url, path, "-f", "json")
    (shown,) = json.loads(live.stdout)["appointments"]
    assert shown["facility_name"] == f"VCC {PNR[:8]}-**** {PNR[:6]}{int(PNR[6:8]) + 60}-****"
    replayed = CliRunner().invoke(app, ["replay", str(path), "-f", "json"])
    assert json.loads(replayed.stdout) == json.loads(live.stdout)
