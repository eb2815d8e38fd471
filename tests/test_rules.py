"""The display rules on their own: time parsing, filters, duplicate groups, and their properties."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bokade_cli.clock import STOCKHOLM, iso, now_instant, parse_time
from bokade_cli.models import CALL_PRIORITY, Record
from bokade_cli.rules import filter_reason, judge

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    "raw",
    [
        "20261310100000",
        "20261131100000",
        "20261201240000",
        "20261201106000",
        "20261201100060",
        "2026120110000",
        "202612011000000",
        "2026-12-01T10",
        "２０２６１２０１１０００００",
        "20270229100000",
    ],
)
def test_parse_time_rejects_what_is_not_a_calendar_time(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_time(raw)


def test_parse_time_is_stockholm_local_time_across_dst() -> None:
    assert iso(parse_time("20280229235959")) == "2028-02-29T23:59:59+01:00"
    assert iso(parse_time("20270701100000")) == "2027-07-01T10:00:00+02:00"


def _reason(record: Record, now: datetime) -> str | None:
    filtered = filter_reason(record, now)
    return filtered.reason if filtered else None


def _rec(call: str = "call1", start: str | None = "20261201100000", **kw: object) -> Record:
    kind = "care_contact" if call.startswith("call3") else "scheduling"
    fields: dict[str, object] = {"facility_hsa_id": "SE1", "raw_start": start, "order": (0, 0)}
    if kind == "care_contact":  # approvedForPatient is mandatory: absent means not approved
        fields["approved_for_patient"] = True
    fields.update(kw)
    return Record(call=call, kind=kind, **fields)  # type: ignore[arg-type]


def test_three_years_are_calendar_years_from_a_leap_day() -> None:
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=STOCKHOLM)
    assert _reason(_rec(start="20310228090000"), leap) is None
    assert _reason(_rec(start="20310228090001"), leap) == "beyond_3_years"
    # 1,095 days after 2026-11-26 would be 2029-11-25: a calendar-year rule still shows the 26th.
    assert _reason(_rec(start="20291126115959"), NOW) is None


def test_filters_apply_in_spec_order() -> None:
    record = _rec(
        call="call3-v3", start="20200101000000", facility_hsa_id=None, approved_for_patient=False
    )
    assert _reason(record, NOW) == "missing_facility"
    record = _rec(call="call3-v3", approved_for_patient=False, nullified=True, status_code="x")
    assert _reason(record, NOW) == "not_approved_for_patient"


@pytest.mark.parametrize(
    ("code", "text", "booked"),
    [
        ("53631000052103", None, True),
        (" 53631000052103 ", "Inställd", True),
        (None, "Tidbokad  vårdkontakt", True),
        (None, "Ej påbörjad", True),
        ("x", "Avbokad", False),
        ("385660001", "Inställd", False),
        (None, None, True),
    ],
)
def test_v3_status(code: str | None, text: str | None, booked: bool) -> None:
    record = _rec(call="call3-v3", status_code=code, status_text=text)
    assert (_reason(record, NOW) is None) is booked


def test_naive_now_is_stockholm_time() -> None:
    assert iso(now_instant(datetime(2026, 7, 1, 12, 0))) == "2026-07-01T12:00:00+02:00"


# --- properties ------------------------------------------------------------------------------

_facilities = st.sampled_from(["SE1", "se1", "SE2", "", None])
_starts = st.sampled_from(
    [
        "20261201100000",
        "20261201100030",
        "20261201110000",
        "20250101000000",
        "20301231000000",
        "20261131100000",
        "",
        None,
    ]
)


@st.composite
def _records(draw: st.DrawFn) -> list[Record]:
    records = []
    per_call: dict[str, int] = {}
    for _ in range(draw(st.integers(0, 12))):
        call = draw(st.sampled_from(CALL_PRIORITY))
        index = per_call.get(call, 0)
        per_call[call] = index + 1
        target = draw(st.integers(0, 2)) if call == "call2" else 0
        records.append(
            Record(
                call=call,
                kind="care_contact" if call.startswith("call3") else "scheduling",
                order=(target, index),
                facility_hsa_id=draw(_facilities),
                raw_start=draw(_starts),
                booking_id=draw(st.sampled_from(["b1", "b2", None])),
                document_id=draw(st.sampled_from(["d1", "d2", None])),
                source_system=draw(st.sampled_from(["S1", "S2", None])),
                approved_for_patient=draw(st.sampled_from([True, False, None])),
            )
        )
    return records


@settings(max_examples=300, deadline=None)
@given(_records(), st.randoms(use_true_random=False))
@pytest.mark.slow
def test_rules_properties(records: list[Record], random: object) -> None:
    result = judge(records, NOW)
    # Conservation: one verdict per record, nothing dropped or invented.
    assert sorted(map(id, (a.record for a in result))) == sorted(map(id, records))
    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    again = judge(shuffled, NOW)
    assert [(a.id, a.record, a.verdict, a.reason, a.duplicate_of, a.match) for a in again] == [
        (a.id, a.record, a.verdict, a.reason, a.duplicate_of, a.match) for a in result
    ]
    shown = [a for a in result if a.verdict == "shown"]
    ids = {a.id for a in shown}
    for a in result:
        assert (a.duplicate_of in ids) is (a.verdict == "duplicate")
    # Idempotence: the shown records, judged again, are all shown.
    rejudged = judge([a.record for a in shown], NOW)
    assert all(a.verdict == "shown" for a in rejudged)


def test_duplicate_chain_names_the_link_that_joined_it() -> None:
    # call1 and call2 share a bookingId; call2 and call3-v3 share the minute only with call2's time.
    a = _rec("call1", "20261201100000", booking_id="B")
    b = _rec("call2", "20261202100000", booking_id="B")
    c = _rec("call3-v3", "20261202100000", document_id="D", source_system="S")
    for order in itertools.permutations([a, b, c]):
        result = {x.record.call: x for x in judge(order, NOW)}
        assert result["call1"].verdict == "shown"
        assert (result["call2"].duplicate_of, result["call2"].match) == ("r1", "booking_id")
        assert (result["call3-v3"].duplicate_of, result["call3-v3"].match) == (
            "r1",
            "facility_start",
        )


@pytest.mark.parametrize(
    ("code", "booked"),
    [("1", True), (" 01 ", True), ("+1", True), ("1_0", False), ("2", False), ("x", False)],
)
def test_v2_status_is_read_as_xs_int(code: str, booked: bool) -> None:
    assert (_reason(_rec(call="call3-v2", status_code=code), NOW) is None) is booked


def test_v3_status_is_booked_if_either_text_says_so() -> None:
    record = _rec(
        call="call3-v3",
        status_code="x",
        status_text="Planerad",
        status_texts=("Planerad", "Tidbokad"),
    )
    assert _reason(record, NOW) is None


def test_document_id_duplicates_compare_source_systems_case_insensitively() -> None:
    a = _rec("call3-v3", "20261201100000", document_id="D1", source_system="SE-SRC")
    b = _rec(
        "call3-v2",
        "20261202100000",
        document_id="D1",
        source_system="se-src",
        facility_hsa_id="SE9",
    )
    result = {x.record.call: x for x in judge([a, b], NOW)}
    assert (result["call3-v2"].verdict, result["call3-v2"].match) == ("duplicate", "document_id")
