"""What a SOAP envelope holds beside its Header, Body and one Fault is never dropped without a word.

A response beside a Fault (or in an HTTP error) is received but not read: the call failed, and
1177 shows nothing of a failed call; the note names its records so explain finds them. An
element after the Body, text between elements, a second Fault and a repeated faultstring are
noted too. Through the CLI against a hostile platform on loopback, and against the simulator's
own answers with a Fault added.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario
from tests.fakeplatform import (
    AGGREGATOR,
    SCHED_C,
    SCHED_R,
    care_contacts_body,
    envelope,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR
from tests.hostile import Reply, hostile_server, rewriting
from tests.support_sim import CLINIC_RELATIONS, DATA, invoke, relation_args

A001 = "SE2321000016-A001"
RESPONSE = scheduling_body([slot(A001, "20261201100000", "B-1")])
HEADER = processing_status([{"logicalAddress": A001, "statusCode": "DataFromSource"}])
FAULT = "<S:Fault><faultcode>S:Server</faultcode><faultstring>partial</faultstring></S:Fault>"


def _call1(status: int, text: str) -> Callable[[str, str], Reply]:
    """call1 answers `text` with `status`; the care-contact services answer empty."""

    def answer(contract: str, address: str) -> Reply:
        if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
            return status, {}, text.encode()
        if contract == "GetSubjectOfCareSchedule":
            return 200, {}, envelope(scheduling_body([])).encode()
        return 200, {}, envelope(care_contacts_body(int(contract[-1]), [])).encode()

    return answer


def _run(answer: Callable[[str, str], Reply], *args: str) -> Any:
    with hostile_server(answer) as url:
        result = CliRunner().invoke(
            app, [args[0], PNR, "--base-url", url, *args[1:], "--format", "json", "--now", NOW]
        )
    result.doc = json.loads(result.stdout) if result.stdout.strip() else None
    return result


def _call1_of(result: Any) -> dict[str, Any]:
    return next(c for c in result.doc["calls"] if c["call"] == "call1")


@pytest.mark.parametrize("body", [RESPONSE + FAULT, FAULT + RESPONSE], ids=["after", "before"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_response_beside_a_fault_is_a_failed_call_that_names_its_records(body: str) -> None:
    answer = _call1(200, envelope(body, HEADER))
    collected = _run(answer, "collect")
    assert collected.exit_code == 3, collected.output
    call1 = _call1_of(collected)
    assert (call1["outcome"], call1["records"], call1["message"]) == (
        "soap_fault",
        0,
        "SOAP fault S:Server: partial",
    )
    (note,) = call1["notes"]
    assert "GetSubjectOfCareScheduleResponse" in note and "a Fault beside it fails the call" in note
    assert "1 timeslotDetail" in note and "bookingId B-1" in note and A001 in note
    assert collected.doc["summary"]["received"] == 0  # not judged: 1177 shows none of it

    explained = _run(answer, "explain", "--booking-id", "B-1")
    assert explained.exit_code == 3, explained.output
    codes = [f["code"] for f in explained.doc["findings"]]
    assert codes == ["not_received", "unread_element", "call1_failed"] + [
        "hint_give_facility",
        "hint_retry",
    ]
    message = {f["code"]: f["message"] for f in explained.doc["findings"]}["unread_element"]
    assert "bookingId B-1" in message


def test_a_response_in_an_http_error_names_its_records() -> None:
    collected = _run(_call1(500, envelope(RESPONSE, HEADER)), "collect")
    assert collected.exit_code == 3, collected.output
    call1 = _call1_of(collected)
    assert call1["outcome"] == "http_error"
    (note,) = call1["notes"]
    assert "HTTP 500 fails the call" in note and "bookingId B-1" in note


TRAILER = (
    f'<S:Trailer xmlns:r="{SCHED_R}" xmlns:c="{SCHED_C}"><r:timeslotDetail>'
    f"<c:healthcare_facility>{A001}</c:healthcare_facility><c:bookingId>T-1</c:bookingId>"
    "</r:timeslotDetail></S:Trailer>"
)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_element_after_the_body_is_named_with_the_records_it_holds() -> None:
    text = envelope(RESPONSE, HEADER).replace("</S:Envelope>", TRAILER + "</S:Envelope>")
    answer = _call1(200, text)
    collected = _run(answer, "collect")
    assert collected.exit_code == 0, collected.output
    call1 = _call1_of(collected)
    assert (call1["outcome"], call1["records"]) == ("ok", 1)
    (note,) = call1["notes"]
    assert note.startswith("SOAP Envelope: unknown element Trailer")
    assert "1 timeslotDetail" in note and "bookingId T-1" in note

    explained = _run(answer, "explain", "--booking-id", "T-1")
    findings = {f["code"]: f["message"] for f in explained.doc["findings"]}
    assert "Trailer" in findings["unread_element"]


FAULTS = {
    "second-fault": (
        FAULT
        + "<S:Fault><faultcode>S:Client</faultcode><faultstring>VP007 two</faultstring></S:Fault>",
        'SOAP Body: 2 Fault elements where SOAP 1.1 allows one; #2, not reported, says S:Client "VP007 two"',
    ),
    "second-faultstring": (
        "<S:Fault><faultcode>S:Server</faultcode><faultstring>partial</faultstring>"
        "<faultstring>VP009 other</faultstring></S:Fault>",
        'SOAP Fault: faultstring is given 2 times; the first is reported, the others said "VP009 other"',
    ),
    "unknown-field": (
        "<S:Fault><faultcode>S:Server</faultcode><faultstring>partial</faultstring>"
        "<faultstrin>typo</faultstrin></S:Fault>",
        "SOAP Fault: unknown element faultstrin (no namespace), not read (misspelt faultstring?)",
    ),
}


def test_elements_inside_a_faultstring_are_noted_with_their_text() -> None:
    """Review 3, finding 8: `<faultstring>Producer <b>down</b> now</faultstring>` was reported
    as "Producer now", the `<b>` part gone without a note. The message stays the field's own
    text; the note names the element and gives every text it holds."""
    body = (
        "<S:Fault><faultcode>S:Server</faultcode><faultstring>partial <b>lost <i>deep</i></b>"
        " end</faultstring></S:Fault>"
    )
    call1 = _call1_of(_run(_call1(500, envelope(body)), "collect"))
    assert call1["outcome"] == "soap_fault"
    assert call1["message"].startswith("SOAP fault S:Server: partial")
    assert call1["notes"] == [
        'SOAP Fault: faultstring holds element b, not read; its text: "partial end lost deep"'
    ]


@pytest.mark.parametrize("case", FAULTS)
def test_what_a_fault_says_beside_the_first_faultstring_is_noted(case: str) -> None:
    body, expected = FAULTS[case]
    collected = _run(_call1(500, envelope(body)), "collect")
    call1 = _call1_of(collected)
    assert (call1["outcome"], call1["message"]) == ("soap_fault", "SOAP fault S:Server: partial")
    assert call1["notes"] == [expected]


def test_text_between_the_elements_of_the_body_is_noted() -> None:
    collected = _run(_call1(200, envelope("stray text" + RESPONSE, HEADER)), "collect")
    call1 = _call1_of(collected)
    assert (call1["outcome"], call1["records"]) == ("ok", 1)
    assert call1["notes"] == ['SOAP Body: text between its elements, not read: "stray text"']


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_replay_notes_the_records_beside_a_fault_as_the_live_run_did(tmp_path: Path) -> None:
    capture = tmp_path / "capture.json"
    live = _run(
        _call1(200, envelope(RESPONSE + FAULT, HEADER)), "collect", "--save-capture", str(capture)
    )
    replayed = CliRunner().invoke(app, ["replay", str(capture), "--format", "json", "--now", NOW])
    assert json.loads(replayed.stdout)["calls"][0]["notes"] == _call1_of(live)["notes"] != []


def test_an_empty_fault_fails_the_call_too() -> None:
    collected = _run(_call1(500, envelope("<S:Fault/>" + RESPONSE, HEADER)), "collect")
    call1 = _call1_of(collected)
    assert (call1["outcome"], call1["records"]) == ("soap_fault", 0)
    assert "(no faultstring)" in call1["message"]
    assert "bookingId B-1" in call1["notes"][0]


def _fault_added(contract: str, address: str, reply: Reply) -> Reply:
    """call1's real answer, its records kept, with a Fault after them in the Body."""
    status, headers, body = reply
    if contract != "GetSubjectOfCareSchedule" or address != AGGREGATOR:
        return reply
    fault = (
        '<Fault xmlns="http://schemas.xmlsoap.org/soap/envelope/"><faultcode xmlns="">Server'
        '</faultcode><faultstring xmlns="">partial</faultstring></Fault>'
    )
    text = body.decode().replace("</soap:Body>", fault + "</soap:Body>")
    return status, headers, text.encode()


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_simulators_call1_with_a_fault_added_names_every_record_it_held() -> None:
    simulator = Simulator(load_scenario(str(DATA / "clinic.toml")), now=datetime.fromisoformat(NOW))
    with rewriting(simulator, _fault_added) as url:
        relations = relation_args(CLINIC_RELATIONS)
        collected = invoke("collect", PNR, "--base-url", url, *relations)
        explained = invoke("explain", PNR, "--base-url", url, *relations, "--booking-id", "B-1")
    call1 = _call1_of(collected)
    assert (call1["outcome"], call1["records"]) == ("soap_fault", 0)
    (note,) = call1["notes"]
    assert "3 timeslotDetail" in note  # A-1, A-FAR and B-1: F002 failed in the fan-out
    assert all(f"bookingId {b}" in note for b in ("A-1", "A-FAR", "B-1"))
    # call1 failed as a whole, so every relation facility was called directly, as 1177 does.
    assert [c["outcome"] for c in collected.doc["calls"] if c["call"] == "call2"] == [
        "ok",
        "ok",
        "ok",
        "soap_fault",
    ]
    codes = [f["code"] for f in explained.doc["findings"]]
    assert codes[:3] == ["not_received", "unread_element", "call1_failed"]
