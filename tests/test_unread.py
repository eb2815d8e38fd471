"""Nothing silently unread at the SOAP Body, the SOAP Header and inside a record (SPEC §2, §4),
through the CLI against the fake platform: a second response element, a ProcessingStatus that
is not the contract's, and an element the contract allows once given twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import (
    AGGREGATOR,
    BASE_URL,
    CC_C,
    HDR,
    SCHED_C,
    SCHED_R,
    care_contacts_body,
    contact,
    envelope,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR, assert_conserved

F = "SE2321000016-A001"
G = "SE2321000016-G001"
START = "20261201100000"
OK = "DataFromSource"


def _run(*args: str, command: str = "collect") -> Any:
    argv = [command, PNR, "--base-url", BASE_URL, "--now", NOW, "-f", "json", *args]
    result = CliRunner().invoke(app, argv)
    assert "Traceback" not in result.stderr, result.stderr
    result.doc = json.loads(result.stdout) if result.stdout.strip() else None
    if command == "collect" and result.doc is not None:
        assert_conserved(result.doc)
    return result


def _call(doc: dict[str, Any], call: str, address: str | None = None) -> dict[str, Any]:
    (found,) = [
        c
        for c in doc["calls"]
        if c["call"] == call and (address is None or c["logical_address"] == address)
    ]
    return found


def _contacts_ok(platform: Any) -> None:
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(care_contacts_body(3, [])))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))


def _call1(platform: Any, body: str, header: str | None = None) -> None:
    if header is None:
        header = processing_status([{"logicalAddress": F, "statusCode": OK}])
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, envelope(body, header))


# --- the SOAP Body ---------------------------------------------------------------------------


def test_a_second_response_element_in_the_body_is_read_and_noted(
    platform: Any, tmp_path: Path
) -> None:
    """SOAP 1.1 allows several body entries; the contract has one. Every record received is
    read (nothing is dropped), and a note says the answer broke the contract."""
    body = scheduling_body([slot(F, START, "FIRST")]) + scheduling_body(
        [slot(F, "20261202100000", "SECOND")]
    )
    _call1(platform, body)
    _contacts_ok(platform)
    capture = tmp_path / "c.json"
    result = _run("--save-capture", str(capture))
    call1 = _call(result.doc, "call1")
    assert call1["records"] == 2
    verdicts = {a["booking_id"]: a["verdict"] for a in result.doc["appointments"]}
    assert verdicts == {"FIRST": "shown", "SECOND": "shown"}
    (note,) = call1["notes"]
    assert "2 GetSubjectOfCareScheduleResponse elements" in note and "all" in note
    assert result.exit_code == 0 and result.doc["complete"] is True  # nothing was dropped
    replayed = CliRunner().invoke(app, ["replay", str(capture), "-f", "json"])
    assert json.loads(replayed.stdout) == result.doc


def test_two_care_contacts_responses_are_both_read(platform: Any) -> None:
    first = care_contacts_body(3, [contact("SE2321000016-C001", START, "D1")])
    second = care_contacts_body(3, [contact("SE2321000016-C001", "20261202100000", "D2")])
    _call1(platform, scheduling_body([]))
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(first + second))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))
    result = _run()
    v3 = _call(result.doc, "call3-v3")
    assert v3["records"] == 2 and any("2 GetCareContactsResponse" in n for n in v3["notes"])
    assert {a["booking_id"] for a in result.doc["appointments"]} == {"D1", "D2"}


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_another_element_in_the_body_is_named_with_the_ids_it_holds(platform: Any) -> None:
    """A response in another namespace version is not this contract's: not read, and its note
    names what it held, so explain finds the booking."""
    other = scheduling_body([slot(F, START, "LOST-2")]).replace(SCHED_R, SCHED_R[:-1] + "2")
    _call1(platform, scheduling_body([slot(F, START, "OK-1")]) + other)
    _contacts_ok(platform)
    result = _run()
    call1 = _call(result.doc, "call1")
    assert call1["records"] == 1
    (note,) = call1["notes"]
    assert note.startswith("SOAP Body: ") and "unexpected namespace" in note
    assert "LOST-2" in note and F in note
    explained = _run("--booking-id", "LOST-2", command="explain")
    codes = [f["code"] for f in explained.doc["findings"]]
    assert "not_received" in codes and "unread_element" in codes


# --- the SOAP Header: ProcessingStatus --------------------------------------------------------


def _failed_at_g(ns: str = HDR, list_name: str = "ProcessingStatusList") -> str:
    return (
        f'<h:ProcessingStatus xmlns:h="{ns}"><h:{list_name}><h:logicalAddress>{G}</h:logicalAddress>'
        f"<h:statusCode>NoDataSynchFailed</h:statusCode></h:{list_name}></h:ProcessingStatus>"
    )


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (_failed_at_g(ns=HDR[:-1] + "2"), "unexpected namespace"),
        (_failed_at_g().replace("h:ProcessingStatus ", "h:ProcesingStatus ").replace(
            "</h:ProcessingStatus>", "</h:ProcesingStatus>"), "misspelt ProcessingStatus?"),
        (_failed_at_g(list_name="ProcesingStatusList"), "misspelt ProcessingStatusList?"),
    ],
)  # fmt: skip
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_processing_status_that_is_not_the_contracts_is_noted_and_incomplete(
    platform: Any, header: str, words: str
) -> None:
    """1177 reads the header by its namespace and name, so it excludes nothing on it; the tool
    does the same (G is called directly), but the aggregator's sources are not known: the
    run is not complete, and the note names what the element listed."""
    ours = processing_status([{"logicalAddress": F, "statusCode": OK}])
    if "ProcesingStatusList" in header:
        ours = ""  # the misspelt list sits inside our ProcessingStatus element
    _call1(platform, scheduling_body([]), ours + header)
    platform.scheduling(G, [slot(G, START, "AT-G")])
    _contacts_ok(platform)
    result = _run("-r", G)
    call1 = _call(result.doc, "call1")
    (note,) = [n for n in call1["notes"] if words in n]
    assert G in note and "NoDataSynchFailed" in note and "not read" in note
    unknown = [s for s in call1["sources"] if s["logical_address"] is None]
    assert len(unknown) == 1 and unknown[0]["status"] is None and unknown[0]["error"]
    assert result.exit_code == 3 and result.doc["complete"] is False
    assert _call(result.doc, "call2", G)["outcome"] == "ok"  # not excluded on an unread header
    table = CliRunner().invoke(app, ["collect", PNR, "--base-url", BASE_URL, "--now", NOW])
    assert "Incomplete" in table.stdout and "Complete:" not in table.stdout


def test_a_second_processing_status_header_is_read_too(platform: Any) -> None:
    ours = processing_status([{"logicalAddress": F, "statusCode": OK}])
    _call1(platform, scheduling_body([]), ours + _failed_at_g())
    _contacts_ok(platform)
    result = _run("-r", G)
    call1 = _call(result.doc, "call1")
    assert [(s["logical_address"], s["status"]) for s in call1["sources"]] == [
        (F, OK),
        (G, "NoDataSynchFailed"),
    ]
    assert any("2 ProcessingStatus elements" in n for n in call1["notes"])
    assert result.exit_code == 3 and result.doc["complete"] is False
    assert _call(result.doc, "call2", G)["outcome"] == "skipped"  # as 1177 excludes it


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_unknown_element_in_a_processing_status_record_is_noted(platform: Any) -> None:
    header = processing_status([{"logicalAddress": F, "statusCode": OK}]).replace(
        "</h:statusCode>", "</h:statusCode><h:statusCod>x</h:statusCod>"
    )
    _call1(platform, scheduling_body([]), header)
    _contacts_ok(platform)
    result = _run()
    (note,) = _call(result.doc, "call1")["notes"]
    assert "ProcessingStatusList #1" in note and "misspelt statusCode?" in note


@pytest.mark.parametrize(
    ("codes", "status", "complete"),
    [((OK, OK), OK, True), ((OK, "NoDataSynchFailed"), None, False)],
)
def test_a_repeated_status_code_counts_once_or_is_doubtful(
    platform: Any, codes: tuple[str, str], status: str | None, complete: bool
) -> None:
    header = processing_status([{"logicalAddress": F, "statusCode": codes[0]}]).replace(
        "</h:statusCode>", f"</h:statusCode><h:statusCode>{codes[1]}</h:statusCode>", 1
    )
    _call1(platform, scheduling_body([]), header)
    _contacts_ok(platform)
    result = _run()
    call1 = _call(result.doc, "call1")
    assert [(s["logical_address"], s["status"]) for s in call1["sources"]] == [(F, status)]
    assert result.doc["complete"] is complete and result.exit_code == (0 if complete else 3)
    assert any("statusCode is given 2 times" in n for n in call1["notes"])


# --- an element the contract allows once, given twice -------------------------------------------


def _twice(element: str, first: str, second: str) -> str:
    return (
        f'<c:{element} xmlns:c="{SCHED_C}">{first}</c:{element}>'
        f'<c:{element} xmlns:c="{SCHED_C}">{second}</c:{element}>'
    )


@pytest.mark.parametrize(
    ("element", "second", "verdict", "reason"),
    [
        ("healthcare_facility", F, "shown", None),
        ("healthcare_facility", G, "filtered", "missing_facility"),
        ("startTimeInclusive", START, "shown", None),
        ("startTimeInclusive", "20261202100000", "filtered", "bad_time_format"),
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_repeated_scheduling_field_counts_once_or_is_doubtful(
    platform: Any, element: str, second: str, verdict: str, reason: str | None
) -> None:
    """Repeats that agree are one value; repeats that differ make the value doubtful, and a
    doubtful time or facility keeps the record from being shown (the note names both)."""
    item = slot(F, START, "TWICE")
    first = item[element]
    item[element] = None  # given twice below instead
    item["extra"] = _twice(element, str(first), second)
    body = scheduling_body([item])
    _call1(platform, body)
    _contacts_ok(platform)
    result = _run()
    (a,) = result.doc["appointments"]
    assert (a["verdict"], a["reason"]) == (verdict, reason)
    (note,) = _call(result.doc, "call1")["notes"]
    assert "timeslotDetail #1/" in note and "is given 2 times" in note
    if verdict == "shown":
        assert "same value" in note
    else:
        assert "different values" in note and "doubtful" in note
        assert "20261202100000" in note or G in note
        explained = _run("--booking-id", "TWICE", command="explain")
        assert "unread_element" in [f["code"] for f in explained.doc["findings"]]


def _v3_contact_with(old: str, new: str) -> str:
    item = contact(
        "SE2321000016-C001", START, "TWICE", status="53631000052103", status_text="tidbokad"
    )
    body = care_contacts_body(3, [item])
    assert old in body
    return body.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("<c:approvedForPatient>true</c:approvedForPatient>",
         "<c:approvedForPatient>true</c:approvedForPatient>"
         "<c:approvedForPatient>false</c:approvedForPatient>", "not_approved_for_patient"),
        ("<c:approvedForPatient>true</c:approvedForPatient>",
         "<c:approvedForPatient>true</c:approvedForPatient>"
         "<c:nullified>false</c:nullified><c:nullified>true</c:nullified>", "nullified"),
        ("<c:code>53631000052103</c:code>",
         "<c:code>53631000052103</c:code><c:code>385660001</c:code>", "not_booked_status"),
        ("</c:careContactTimePeriod>",
         "</c:careContactTimePeriod><c:careContactTimePeriod><c:start>20261202100000</c:start>"
         "</c:careContactTimePeriod>", "bad_time_format"),
    ],
)  # fmt: skip
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_doubtful_care_contact_value_keeps_the_record_from_being_shown(
    platform: Any, old: str, new: str, reason: str
) -> None:
    """Conservative: a doubtful approval, nullification, status or time is read the way that
    does not show the record, and the record's note says why."""
    _call1(platform, scheduling_body([]))
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(_v3_contact_with(old, new)))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))
    result = _run()
    (a,) = result.doc["appointments"]
    assert (a["verdict"], a["reason"]) == ("filtered", reason)
    notes = _call(result.doc, "call3-v3")["notes"]
    assert any("careContact #1/" in n and "different" in n and "doubtful" in n for n in notes)
    assert CC_C.format(v=3) not in " ".join(notes)  # a known element: no namespace talk


def test_a_v2_status_given_twice_differently_is_not_booked(platform: Any) -> None:
    body = care_contacts_body(2, [contact("SE2321000016-C001", START, "V2", status="1")])
    body = body.replace(
        "<c:careContactStatus>1</c:careContactStatus>",
        "<c:careContactStatus>1</c:careContactStatus><c:careContactStatus>4</c:careContactStatus>",
    )
    _call1(platform, scheduling_body([]))
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(care_contacts_body(3, [])))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(body))
    result = _run()
    (a,) = result.doc["appointments"]
    assert a["reason"] == "not_booked_status"
    notes = _call(result.doc, "call3-v2")["notes"]
    assert not any("xs:int" in n for n in notes)  # the repeat's note says it all
    assert any("careContactStatus is given 2 times" in n for n in notes)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_value_quoted_in_a_note_is_masked_however_it_is_split(platform: Any) -> None:
    """Notes quote untrusted values as text, never as repr(): `'1912\\u200b...'` written out
    as an escape would hide the number from the output boundary's masking."""
    from tests.test_trust import assert_no_number, assert_no_number_in_json

    split = "19121212\u200b1212"
    item = slot(F, START, "SPLIT")
    item["healthcare_facility"] = None
    item["extra"] = _twice("healthcare_facility", F, split)
    _call1(platform, scheduling_body([item]))
    odd = contact("SE2321000016-C001", START, "ODD", approved=split)
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(care_contacts_body(3, [odd])))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))
    result = _run()
    notes = [n for c in result.doc["calls"] for n in c["notes"]]
    assert any("is given 2 times" in n for n in notes)
    assert any("is not a boolean" in n for n in notes)
    assert_no_number_in_json(result.stdout, "collect json")
    table = CliRunner().invoke(app, ["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-v"])
    assert_no_number(table.stdout + table.stderr, "collect -v")


def test_an_envelope_with_two_bodies_is_refused_not_half_read(platform: Any) -> None:
    """SOAP 1.1 has one Body: taking the first of two would drop the second's records."""
    text = envelope(scheduling_body([slot(F, START, "FIRST")])).replace(
        "</S:Envelope>",
        f"<S:Body>{scheduling_body([slot(F, START, 'SECOND')])}</S:Body></S:Envelope>",
    )
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, text)
    _contacts_ok(platform)
    result = _run()
    call1 = _call(result.doc, "call1")
    assert call1["outcome"] == "invalid_response" and "2 Body elements" in call1["message"]
    assert result.exit_code == 3 and result.doc["complete"] is False


@pytest.mark.parametrize("said", ["maybe", "1" * 5000])
def test_an_invitation_that_is_no_boolean_is_noted(platform: Any, said: str) -> None:
    """isInvitation is an xs:boolean: any other value (audit M1) was read as false without a
    word. It is still read so (the record is judged as any other), and the note says why."""
    _call1(platform, scheduling_body([slot(F, START, "INV", invitation=said)]))
    _contacts_ok(platform)
    result = _run()
    assert result.exit_code == 0, result.output
    (a,) = result.doc["appointments"]
    assert a["verdict"] == "shown"
    (note,) = [n for n in _call(result.doc, "call1")["notes"] if "isInvitation" in n]
    assert note.startswith('timeslotDetail #1: isInvitation "')  # a long one cut, never in a number
    assert note.endswith("is not a boolean") and len(note) < 200
