"""stats.py: per-call figures, unique contributions and target readiness, for one run and a batch."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bokade_cli.clock import STOCKHOLM
from bokade_cli.models import CALL_PRIORITY, CallId, CallResult, CollectionResult, Record
from bokade_cli.output.documents import stats_fields
from bokade_cli.rules import Stats, compute_stats, judge, sum_stats

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=STOCKHOLM)
F1, F2 = "SE2321000016-0001", "SE2321000016-0002"


def _slot(call: CallId, n: int, start: str | None, booking: str, facility: str = F1) -> Record:
    return Record(call, "scheduling", (0, n), facility, None, start, None, booking)


def _result(*records: Record) -> CollectionResult:
    calls = tuple(
        CallResult(call, "GetSubjectOfCareSchedule", "x", "ok", records=tuple(r for r in records if r.call == call))
        for call in CALL_PRIORITY
    )  # fmt: skip
    return CollectionResult(
        "19121212-****", NOW.isoformat(), "current", calls, tuple(judge(records, NOW))
    )


def _figures(stats: Stats) -> dict[str, tuple[int, ...]]:
    return {
        c.call: (c.received, c.shown, c.unique, c.duplicate, c.filtered)
        for c in stats.per_call
        if c.received
    }


def test_unique_counts_shown_appointments_no_other_call_had() -> None:
    result = _result(
        _slot("call1", 0, "20261201100000", "both"),  # call2 has a copy: shown, not unique
        _slot("call1", 1, "20261202100000", "only-call1"),  # unique to call1
        _slot("call1", 2, "20201202100000", "passed"),  # filtered
        _slot("call2", 0, "20261201100000", "both"),  # duplicate of call1's
        _slot("call2", 1, "20261203100000", "also-call3", F2),  # shown, call3-v3 had it too
        _slot("call2", 2, "20261204100000", "only-call2", F2),  # unique to call2
        _slot("call3-v3", 0, "20261203100000", "v3-copy", F2),  # duplicate of call2's
    )
    stats = compute_stats(result)
    assert _figures(stats) == {
        "call1": (3, 2, 1, 0, 1),
        "call2": (3, 2, 1, 1, 0),
        "call3-v3": (1, 0, 0, 1, 0),
    }
    assert stats.shown == 4
    assert stats.target_readiness == 0.5


def test_a_filtered_copy_does_not_take_uniqueness_away() -> None:
    result = _result(
        _slot("call1", 0, "20261201100000", "a"),
        _slot("call2", 0, "20261201100000", "a", ""),  # no facility: filtered, not a copy
    )
    assert _figures(compute_stats(result))["call1"] == (1, 1, 1, 0, 0)


def test_readiness_is_none_when_nothing_is_shown_and_zero_without_call1() -> None:
    assert compute_stats(_result()).target_readiness is None
    assert compute_stats(_result(_slot("call1", 0, None, "x"))).target_readiness is None
    assert compute_stats(_result(_slot("call2", 0, "20261201100000", "x"))).target_readiness == 0


def test_a_batch_sums_the_figures_and_recomputes_readiness() -> None:
    one = compute_stats(_result(_slot("call1", 0, "20261201100000", "a")))
    two = compute_stats(
        _result(_slot("call2", 0, "20261201100000", "b"), _slot("call2", 1, "20261202100000", "c"))
    )
    total = sum_stats([one, two, one])
    assert _figures(total) == {"call1": (2, 2, 2, 0, 0), "call2": (2, 2, 2, 0, 0)}
    assert total.target_readiness == 0.5  # not the mean of 1.0, 0.0 and 1.0
    assert sum_stats([]).target_readiness is None


def test_the_document_lists_every_call_in_priority_order() -> None:
    doc = stats_fields(compute_stats(_result(_slot("call2", 0, "20261201100000", "b"))))
    assert list(doc["stats"]) == list(CALL_PRIORITY)
    assert doc["stats"]["call2"] == {
        "received": 1, "shown": 1, "unique": 1, "duplicate": 0, "filtered": 0,
    }  # fmt: skip
    assert doc["target_readiness"] == 0.0


_records = st.lists(
    st.tuples(
        st.sampled_from(CALL_PRIORITY),
        st.sampled_from(["20261201100000", "20261201103000", "20201201100000", None]),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from([F1, F2]),
    ),
    max_size=12,
)


@given(_records)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_figures_always_add_up(rows: list[tuple[CallId, str | None, str, str]]) -> None:
    records = [_slot(call, n, start, b, f) for n, (call, start, b, f) in enumerate(rows)]
    stats = compute_stats(_result(*records))
    for c in stats.per_call:
        assert c.received == c.shown + c.duplicate + c.filtered
        assert 0 <= c.unique <= c.shown
    assert sum(c.received for c in stats.per_call) == len(records)
    shown = sum(1 for a in _result(*records).appointments if a.verdict == "shown")
    assert stats.shown == shown
    if stats.target_readiness is not None:
        assert 0 <= stats.target_readiness <= 1
