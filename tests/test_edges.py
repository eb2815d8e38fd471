"""Faithful at the edges (SPEC §2, §2.1, §4), through the CLI: instants not wall times, nothing
silently unread, the care-contact contract's own rules, ProcessingStatus records with gaps."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import (
    AGGREGATOR,
    BASE_URL,
    CC_C,
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

F1 = "SE2321000016-A001"
OK = "DataFromSource"


def _collect(*args: str, now: str = NOW) -> Any:
    argv = ["collect", PNR, "--base-url", BASE_URL, "--now", now, "-f", "json", *args]
    result = CliRunner().invoke(app, argv)
    assert "Traceback" not in result.stderr, result.stderr
    result.doc = json.loads(result.stdout) if result.stdout.strip() else None
    if result.doc is not None:
        assert_conserved(result.doc)
    return result


def _answer_scheduling(
    platform: Any, slots: list[dict[str, object]], body: str | None = None
) -> None:
    sources = [{"logicalAddress": F1, "statusCode": OK}]
    text = envelope(body or scheduling_body(slots), processing_status(sources))
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, text)


def _answer_contacts(platform: Any, v3: list[dict[str, Any]] | None = None, body: str = "") -> None:
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(body or care_contacts_body(3, v3 or [])))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))


# --- instants, not wall times -------------------------------------------------------------

# Both DST changes of several years, as (wall time, offset) pairs around them.
CHANGES = [
    datetime(2026, 10, 25, 2, 30),
    datetime(2027, 3, 28, 2, 30),
    datetime(2027, 10, 31, 2, 30),
    datetime(2028, 3, 26, 2, 30),
    datetime(2028, 10, 29, 2, 30),
]


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


@pytest.mark.slow
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    change=st.sampled_from(CHANGES),
    minutes=st.lists(st.integers(-100, 100), min_size=1, max_size=6),
    now_minutes=st.integers(-90, 90),
    now_offset=st.sampled_from(["", "+01:00", "+02:00"]),
)
def test_start_passed_exactly_when_the_printed_start_is_before_the_printed_now(
    platform: Any,
    tmp_path: Path,
    change: datetime,
    minutes: list[int],
    now_minutes: int,
    now_offset: str,
) -> None:
    """Around both DST changes of several years: the verdict agrees with the times printed,
    and a replay of the capture judges exactly like the live run."""
    raws = [(change + timedelta(minutes=m)).strftime("%Y%m%d%H%M%S") for m in minutes]
    _answer_scheduling(platform, [slot(F1, raw, f"B{i}") for i, raw in enumerate(raws)])
    _answer_contacts(platform)
    now = (change + timedelta(minutes=now_minutes)).isoformat() + now_offset
    capture = tmp_path / "c.json"
    live = _collect("--save-capture", str(capture), now=now)
    assert live.exit_code == 0, live.output
    printed_now = _instant(live.doc["now"])
    for a in live.doc["appointments"]:
        passed = a["reason"] == "start_passed"
        assert passed == (_instant(a["start"]) < printed_now), (a, live.doc["now"])
    replayed = CliRunner().invoke(app, ["replay", str(capture), "-f", "json"])
    assert json.loads(replayed.stdout) == live.doc


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_issue_s_two_dst_cases(platform: Any) -> None:
    """2027-03-28 02:30 does not exist (read as 03:30+02:00, after now 03:10+02:00); on
    2026-10-25 02:40 happens twice and takes the earlier offset (+02:00): before now."""
    _answer_scheduling(platform, [slot(F1, "20270328023000", "gap")])
    _answer_contacts(platform)
    doc = _collect(now="2027-03-28T03:10+02:00").doc
    (gap,) = doc["appointments"]
    assert gap["verdict"] == "shown" and gap["start"] == "2027-03-28T03:30:00+02:00"
    _answer_scheduling(platform, [slot(F1, "20261025024000", "fold")])
    doc = _collect(now="2026-10-25T02:10+01:00").doc
    (fold,) = doc["appointments"]
    assert fold["reason"] == "start_passed" and fold["start"] == "2026-10-25T02:40:00+02:00"


def test_now_with_a_fraction_prints_and_judges_the_same_second(
    platform: Any, tmp_path: Path
) -> None:
    _answer_scheduling(platform, [slot(F1, "20261126120000", "noon")])
    _answer_contacts(platform)
    capture = tmp_path / "c.json"
    live = _collect("--save-capture", str(capture), now="2026-11-26T12:00:00.400")
    assert live.doc["now"] == "2026-11-26T12:00:00+01:00"
    assert live.doc["appointments"][0]["verdict"] == "shown"  # start == now is not before now
    replayed = json.loads(CliRunner().invoke(app, ["replay", str(capture), "-f", "json"]).stdout)
    assert replayed == live.doc


def test_a_now_inside_the_spring_gap_prints_the_instant_that_judged(platform: Any) -> None:
    _answer_scheduling(platform, [slot(F1, "20270328033500", "after")])
    _answer_contacts(platform)
    doc = _collect(now="2027-03-28T02:30").doc
    assert doc["now"] == "2027-03-28T03:30:00+02:00"
    assert doc["appointments"][0]["verdict"] == "shown"


# --- nothing silently unread --------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_misplaced_timeslot_detail_is_named_not_lost(platform: Any) -> None:
    """A timeslotDetail in the core namespace is no record of the contract: a note says so."""
    body = scheduling_body([slot(F1, "20261201100000", "OK-1")]).replace(
        "</r:GetSubjectOfCareScheduleResponse>",
        f'<c:timeslotDetail xmlns:c="{SCHED_C}"><c:healthcare_facility>{F1}</c:healthcare_facility>'
        "<c:bookingId>LOST-1</c:bookingId></c:timeslotDetail></r:GetSubjectOfCareScheduleResponse>",
    )
    _answer_scheduling(platform, [], body=body)
    _answer_contacts(platform)
    result = _collect("-v")
    (call1,) = [c for c in result.doc["calls"] if c["call"] == "call1"]
    assert call1["records"] == 1
    (note,) = call1["notes"]
    assert "timeslotDetail" in note and "not counted" in note and "LOST-1" in note
    assert SCHED_C in note and "LOST-1" in result.stderr  # -v says it too
    assert SCHED_R not in note or "expected" not in note
    explained = CliRunner().invoke(
        app, ["explain", PNR, "--base-url", BASE_URL, "--now", NOW, "-f", "json",
              "--booking-id", "LOST-1"],
    )  # fmt: skip
    codes = [f["code"] for f in json.loads(explained.stdout)["findings"]]
    assert "not_received" in codes and "unread_element" in codes


def test_a_misspelt_status_is_named_and_notes_are_always_present(platform: Any) -> None:
    cancelled = contact("SE2321000016-C001", "20261201100000", "CC-1", status="385660001")
    body = care_contacts_body(3, [cancelled]).replace("careContactStatus", "careContactStaus")
    _answer_scheduling(platform, [])
    _answer_contacts(platform, body=body)
    result = _collect("-v")
    (v3,) = [c for c in result.doc["calls"] if c["call"] == "call3-v3"]
    (note,) = v3["notes"]
    assert "careContactStaus" in note and "careContactStatus?" in note and CC_C.format(v=3) in note
    assert all(isinstance(c["notes"], list) for c in result.doc["calls"])
    assert "careContactStaus" in result.stderr


# --- the contract's own rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("approved", "verdict"),
    [("true", "shown"), (" 1 ", "shown"), ("false", "filtered"), (None, "filtered"),
     ("", "filtered"), ("maybe", "filtered")],
)  # fmt: skip
def test_approved_for_patient_is_mandatory(
    platform: Any, approved: str | None, verdict: str
) -> None:
    _answer_scheduling(platform, [])
    _answer_contacts(
        platform, [contact("SE2321000016-C001", "20261201100000", "D", approved=approved)]
    )
    (a,) = _collect().doc["appointments"]
    assert a["verdict"] == verdict
    if verdict == "filtered":
        assert a["reason"] == "not_approved_for_patient"


def test_a_missing_approval_is_explained_as_missing(platform: Any) -> None:
    _answer_scheduling(platform, [])
    _answer_contacts(platform, [contact("SE2321000016-C001", "20261201100000", "D", approved=None)])
    result = CliRunner().invoke(
        app,
        ["explain", PNR, "--base-url", BASE_URL, "--now", NOW, "-f", "json", "--booking-id", "D"],
    )
    (filtered,) = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "filtered"]
    assert "approvedForPatient is missing" in filtered["message"]


@pytest.mark.parametrize(
    ("code", "text", "verdict"),
    [
        ("385660001", "tidbokad", "filtered"),  # a known code decides: cancelled stays cancelled
        ("53631000052103", "Inställd", "shown"),
        (None, "Bokad vårdkontakt", "shown"),
        (None, "Ej påbörjad vårdkontakt", "shown"),
        (None, "Tidsbokad", "shown"),
        (None, "Planerad", "shown"),
        (None, unicodedata.normalize("NFD", "Ej påbörjad"), "shown"),  # decomposed å and ö
        (None, "  EJ PÅBÖRJAD  ", "shown"),
        (None, "Avbokad", "filtered"),
        ("tidbokad", None, "shown"),  # a code that is text is read as text
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_v3_status_rules(platform: Any, code: str | None, text: str | None, verdict: str) -> None:
    item = contact("SE2321000016-C001", "20261201100000", "D", status=code, status_text=text)
    _answer_scheduling(platform, [])
    _answer_contacts(platform, [item])
    (a,) = _collect().doc["appointments"]
    assert a["verdict"] == verdict, a
    if verdict == "filtered":
        assert a["reason"] == "not_booked_status"


@pytest.mark.parametrize("raw", [" 20261201100000", "20261201100000 ", "\n20261201100000\n"])
def test_a_time_with_surrounding_whitespace_is_bad_time_format(platform: Any, raw: str) -> None:
    _answer_scheduling(platform, [slot(F1, raw, "WS")])
    _answer_contacts(platform)
    (a,) = _collect().doc["appointments"]
    assert a["reason"] == "bad_time_format"


def test_a_5000_digit_status_is_that_record_s_problem(platform: Any) -> None:
    huge = "1" * 5000
    _answer_scheduling(platform, [])
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(care_contacts_body(3, [])))
    items = [contact("SE2321000016-C001", "20261201100000", "D", status=huge),
             contact("SE2321000016-C001", "20261202100000", "E", status="1")]  # fmt: skip
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, items)))
    result = _collect()
    assert result.exit_code == 0
    verdicts = {a["booking_id"]: a["reason"] or a["verdict"] for a in result.doc["appointments"]}
    assert verdicts == {"D": "not_booked_status", "E": "shown"}
    (v2,) = [c for c in result.doc["calls"] if c["call"] == "call3-v2"]
    assert any("not an xs:int" in n and "5,000 characters" in n for n in v2["notes"])


# --- ProcessingStatus with gaps -----------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [{"statusCode": OK}, {"logicalAddress": F1}, {"logicalAddress": F1, "statusCode": "Bogus"}],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_source_whose_status_is_unknown_makes_the_run_incomplete(
    platform: Any, record: dict[str, str]
) -> None:
    item = "".join(f"<h:{k}>{v}</h:{k}>" for k, v in record.items())
    header = processing_status([]).replace(
        "</h:ProcessingStatus>",
        f"<h:ProcessingStatusList>{item}</h:ProcessingStatusList></h:ProcessingStatus>",
    )
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, envelope(scheduling_body([]), header))
    _answer_contacts(platform)
    result = _collect()
    assert result.exit_code == 3 and result.doc["complete"] is False
    (call1,) = [c for c in result.doc["calls"] if c["call"] == "call1"]
    (source,) = call1["sources"]
    assert source["logical_address"] == record.get("logicalAddress")
    assert source["status"] == record.get("statusCode")
    if len(record) == 1:
        assert any("status is unknown" in n for n in call1["notes"])
    table = CliRunner().invoke(app, ["collect", PNR, "--base-url", BASE_URL, "--now", NOW])
    assert "Incomplete" in table.stdout
