"""Per-call statistics of a collection, and "target readiness": the share call1 alone provides.

1177 keeps these figures to decide when the target logic (call1 only) can replace the current one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bokade_cli.models import CALL_PRIORITY, CollectionResult


@dataclass(frozen=True)
class CallStats:
    call: str
    received: int = 0
    shown: int = 0
    unique: int = 0  # shown appointments no other call had a copy of
    duplicate: int = 0
    filtered: int = 0


@dataclass(frozen=True)
class Stats:
    per_call: tuple[CallStats, ...]

    @property
    def shown(self) -> int:
        return sum(c.shown for c in self.per_call)

    @property
    def target_readiness(self) -> float | None:
        """Shown appointments that call1 provides ÷ all shown; None when nothing is shown."""
        call1 = next((c.shown for c in self.per_call if c.call == "call1"), 0)
        return call1 / self.shown if self.shown else None


def compute_stats(result: CollectionResult) -> Stats:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    calls_in_group: dict[str, set[str]] = defaultdict(set)
    for a in result.appointments:
        c = counts[a.record.call]
        c["received"] += 1
        c[a.verdict] += 1
        if a.verdict != "filtered":
            calls_in_group[a.duplicate_of or a.id].add(a.record.call)
    for a in result.appointments:
        if a.verdict == "shown" and calls_in_group[a.id] == {a.record.call}:
            counts[a.record.call]["unique"] += 1
    return Stats(tuple(CallStats(call, **counts[call]) for call in CALL_PRIORITY))


def sum_stats(items: Iterable[Stats]) -> Stats:
    totals: dict[str, dict[str, int]] = {call: defaultdict(int) for call in CALL_PRIORITY}
    for stats in items:
        for c in stats.per_call:
            for field in ("received", "shown", "unique", "duplicate", "filtered"):
                totals[c.call][field] += getattr(c, field)
    return Stats(tuple(CallStats(call, **totals[call]) for call in CALL_PRIORITY))
