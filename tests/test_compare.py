"""`bokade compare` through the CLI against the simulator: which logic shows what, and why not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bokade_cli.support.codes import MISSING_CODES
from tests.support_sim import CLINIC_RELATIONS, PNR, PNR_FORMS, invoke, relation_args, serving


@pytest.fixture(scope="module")
def clinic() -> Iterator[str]:
    with serving("clinic") as url:
        yield url


def _compare(url: str, *args: str, fmt: str = "json") -> Any:
    return invoke(
        "compare", PNR, "--base-url", url, *relation_args(CLINIC_RELATIONS), *args, fmt=fmt
    )


def _rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["booking_id"] or a["document_id"]: a for a in doc["appointments"]}


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_each_booked_time_per_logic_with_the_reason_it_is_missing(clinic: str) -> None:
    result = _compare(clinic)
    assert result.exit_code == 3, result.output
    assert result.stderr == ""
    table = {
        key: (row["current"], row["target"], row["legacy"], {k: v["code"] for k, v in row["missing"].items()})
        for key, row in _rows(result.doc).items()
    }  # fmt: skip
    assert table == {
        "A-1": ("call1", "call1", "call2", {}),
        "B-1": ("call1", "call1", None, {"legacy": "not_in_relation_list"}),
        "F-1": (None, None, "call2", {"current": "call2_excluded_lost", "target": "call1_source_failed"}),
        "R-1": ("call2", None, "call2", {"target": "not_in_engagement_index"}),
        "A-GHOST": ("call2", None, "call2", {"target": "not_returned_by_call1"}),
        "CC-2": ("call3-v2", None, "call3-v2", {"target": "not_in_engagement_index"}),
    }  # fmt: skip
    assert result.doc["logics"] == {
        "current": {"shown": 5, "complete": False},
        "target": {"shown": 2, "complete": False},
        "legacy": {"shown": 5, "complete": False},
    }
    ids = {row["id"]: key for key, row in _rows(result.doc).items()}
    assert [ids[x["id"]] for x in result.doc["lost_under_target"]] == ["R-1", "A-GHOST", "CC-2"]
    assert [ids[x["id"]] for x in result.doc["lost_under_current"]] == ["F-1"]
    assert set(MISSING_CODES) >= {x["code"] for x in result.doc["lost_under_target"]}


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_current_logic_in_compare_is_the_collect_run(clinic: str) -> None:
    """The derived current logic shows what `collect` shows, and the same per-call figures."""
    compared = _compare(clinic).doc
    collected = invoke("collect", PNR, "--base-url", clinic, *relation_args(CLINIC_RELATIONS)).doc
    assert compared["logics"]["current"]["shown"] == collected["summary"]["shown"]
    per_call = compared["stats"]
    assert per_call["call1"] == {
        "received": 3, "shown": 2, "unique": 1, "duplicate": 0, "filtered": 1,
    }  # fmt: skip
    assert per_call["call2"]["unique"] == 2 and per_call["call2"]["duplicate"] == 1
    assert compared["target_readiness"] == pytest.approx(2 / 5)
    assert collected["stats"] == compared["stats"]  # collect's JSON has the same figures
    # compare calls every relation facility directly: F002 too, which collect skips.
    direct = {c["logical_address"]: c["outcome"] for c in compared["calls"] if c["call"] == "call2"}
    assert direct["SE2321000016-F002"] == "ok"
    assert direct["SE2321000016-D004"] == "soap_fault"


def test_compare_when_call1_fails_loses_everything_under_target() -> None:
    with serving("platform-down") as url:
        result = invoke("compare", PNR, "--base-url", url, "--relation", "SE2321000016-R003")
    assert result.exit_code == 3
    (row,) = result.doc["appointments"]
    assert (row["current"], row["target"], row["legacy"]) == ("call2", None, "call2")
    assert row["missing"]["target"]["code"] == "call1_failed"


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_table_lists_what_target_loses_and_the_statistics(clinic: str) -> None:
    result = _compare(clinic, fmt="table")
    assert result.exit_code == 3
    out = result.stdout
    assert out.startswith(
        "Appointments shown per logic for 19121212-****: current 5, target 2, legacy 5"
    )
    assert "Lost under the target logic (call1 only): 3" in out
    assert "not_in_engagement_index  SE2321000016-R003 is not in the engagement index" in out
    assert "Shown by the legacy logic but not the current one: 1" in out
    assert "call2_excluded_lost  only the direct call found it" in out
    assert "Target readiness: 40% of the shown appointments come from call1" in out
    assert all(form not in out for form in PNR_FORMS)


def test_rows_agree_with_each_logics_own_count_when_another_logics_record_links_two() -> None:
    """call1 10:00 and call2 11:00 share a bookingId; call3-v3 has 11:00: current shows two."""
    from datetime import datetime

    from bokade_cli.clock import STOCKHOLM
    from bokade_cli.models import CallResult, Record
    from bokade_cli.support.compare import compare

    def rec(call: str, start: str, **kw: Any) -> Record:
        kind = "care_contact" if call.startswith("call3") else "scheduling"
        return Record(
            call=call, kind=kind, order=(0, 0), facility_hsa_id="SE-X", raw_start=start, **kw
        )  # type: ignore[arg-type]

    def result(call: str, address: str, *records: Record, sources: Any = ()) -> CallResult:
        return CallResult(call, "C", address, "ok", records=records, sources=sources)  # type: ignore[arg-type]

    from bokade_cli.models import SourceStatus

    calls = (
        result(
            "call1",
            "5565594230",
            rec("call1", "20261201100000", booking_id="B1"),
            sources=(SourceStatus("SE-X", "DataFromSource"),),
        ),
        result("call2", "SE-X", rec("call2", "20261201110000", booking_id="B1")),
        result(
            "call3-v3",
            "5565594230",
            rec(
                "call3-v3",
                "20261201110000",
                document_id="D",
                source_system="S",
                approved_for_patient=True,
            ),
        ),
        result("call3-v2", "5565594230"),
    )
    c = compare(calls, ["SE-X"], "x", datetime(2026, 11, 26, 12, tzinfo=STOCKHOLM))
    for logic in ("current", "target", "legacy"):
        counted = sum(1 for a in c.results[logic].appointments if a.verdict == "shown")
        assert sum(1 for row in c.rows if row.shown_by[logic]) == counted
    assert [row.shown_by for row in c.rows] == [
        {"current": "call1", "target": "call1", "legacy": "call2"},
        {"current": "call3-v3", "target": None, "legacy": None},
    ]
    assert [row.id for row in c.lost("target")] == ["a2"]
