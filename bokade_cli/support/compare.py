"""Compare the current, target and legacy logics from one run that makes every call any of them needs.

The run is the target logic (call1) and the legacy logic (call2 to every relation facility, no
exclusion, and call3) at once; the current logic's calls are derived from it exactly as the
collector makes them. Each logic's shown appointments become rows: current's first, then each
target and legacy appointment joins the row of the same booked time (a direct duplicate rule
between the two records) or starts its own. So every logic has exactly as many rows as it shows
appointments, even where a record only another logic received would have linked two of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

# NOTE: the collector's own exclusion rule and skip message, so derived calls match a live run.
from bokade_cli.collect import (
    Subject,
    called_by_call1,
    collector_for,
    judged,
    make_client,
    skipped_call2,
    unique_relations,
)
from bokade_cli.config import Profile
from bokade_cli.models import CALL_PRIORITY, Appointment, CallResult, CollectionResult, Logic
from bokade_cli.rules import same_booked_time
from bokade_cli.soap import Exchange
from bokade_cli.support.checks import call_of, hsa_key, source_of

LOGICS: tuple[Logic, ...] = ("current", "target", "legacy")
CALL3 = ("call3-v3", "call3-v2")


@dataclass(frozen=True)
class Row:
    """One booked time: which call shows it under each logic, and why a logic misses it."""

    id: str
    appointment: (
        Appointment  # the copy shown by the first logic (current, target, legacy) that shows it
    )
    shown_by: Mapping[str, str | None]
    missing: Mapping[str, tuple[str, str]]  # logic -> (code, sentence)


@dataclass(frozen=True)
class Comparison:
    union: CollectionResult  # every call made, judged together
    results: Mapping[str, CollectionResult]
    rows: tuple[Row, ...]
    relations: tuple[str, ...]

    def lost(self, logic: str, compared_to: str = "current") -> list[Row]:
        return [r for r in self.rows if r.shown_by[compared_to] and not r.shown_by[logic]]


def collect_all(
    profile: Profile,
    subject: Subject,
    relations: Sequence[str],
    now: datetime,
    *,
    on_event: Callable[[str], None] | None = None,
    on_exchange: Callable[[Exchange], None] | None = None,
) -> tuple[CallResult, ...]:
    """call1, call2 to every relation facility and call3, concurrently, through one client."""

    async def run() -> tuple[CallResult, ...]:
        async with make_client(profile, on_event=on_event, on_exchange=on_exchange) as client:
            collector = collector_for(client, profile, on_event)
            target, legacy = await asyncio.gather(
                collector.collect(subject, relations, "target", now.date()),
                collector.collect(subject, relations, "legacy", now.date()),
            )
        return target + legacy

    return asyncio.run(run())


def calls_for_logic(
    calls: Sequence[CallResult], relations: Sequence[str], logic: Logic
) -> tuple[CallResult, ...]:
    """The calls `logic` makes, taken from a run that made them (callers check call1/call3 exist).

    A direct call the run did not make (a current-logic run excluded it) stays `skipped`, saying so.
    """
    call1 = next((c for c in calls if c.call == "call1"), None)
    call3 = tuple(c for name in CALL3 for c in calls if c.call == name)
    direct: dict[str, CallResult] = {}
    for c in calls:
        if c.call == "call2" and (
            c.outcome != "skipped" or hsa_key(c.logical_address) not in direct
        ):
            direct[hsa_key(c.logical_address)] = c
    addresses = unique_relations(relations)
    if logic == "target":
        return (call1,) if call1 else ()
    if logic == "legacy":
        return tuple(_direct(direct, a) for a in addresses) + call3
    assert call1 is not None
    already = called_by_call1(call1)
    ordered = [
        skipped_call2(a, already[a.casefold()]) if a.casefold() in already else _direct(direct, a)
        for a in addresses
    ]
    return (call1, *ordered, *call3)


def _direct(direct: Mapping[str, CallResult], address: str) -> CallResult:
    found = direct.get(hsa_key(address))
    if found is not None and found.outcome != "skipped":
        return found
    return CallResult(
        call="call2",
        contract="GetSubjectOfCareSchedule",
        logical_address=address,
        outcome="skipped",
        message="not called in the captured run (its logic excluded it); its answer is unknown",
    )


def compare(
    calls: Sequence[CallResult], relations: Sequence[str], label: str, now: datetime
) -> Comparison:
    """Judge every logic's calls and all calls together; one row per booked time."""
    results: dict[str, CollectionResult] = {
        logic: judged(calls_for_logic(calls, relations, logic), label, logic, now)
        for logic in LOGICS
    }
    union = judged(tuple(calls), label, "current", now)
    placed: list[dict[str, Appointment]] = []  # one per row: logic -> the appointment it shows
    for logic in LOGICS:
        for shown in (a for a in results[logic].appointments if a.verdict == "shown"):
            row = next(
                (
                    r
                    for r in placed
                    if logic not in r
                    and any(same_booked_time(x.record, shown.record) for x in r.values())
                ),
                None,
            )
            if row is None:
                placed.append({logic: shown})
            else:
                row[logic] = shown
    order = {a.record: n for n, a in enumerate(union.appointments)}
    placed.sort(key=lambda r: min(order.get(a.record, len(order)) for a in r.values()))
    passed = [a for a in union.appointments if a.verdict != "filtered"]
    rows = []
    for number, row in enumerate(placed, start=1):
        members = [
            a for a in passed if any(same_booked_time(a.record, x.record) for x in row.values())
        ]
        shown_by: dict[str, str | None] = {
            logic: (row[logic].record.call if logic in row else None) for logic in LOGICS
        }
        missing: dict[str, tuple[str, str]] = {
            logic: _why_missing(logic, members, union, relations)
            for logic in LOGICS
            if logic not in row
        }
        first = next(row[logic] for logic in LOGICS if logic in row)
        rows.append(Row(f"a{number}", first, shown_by, missing))
    return Comparison(union, results, tuple(rows), tuple(unique_relations(relations)))


def _why_missing(
    logic: str, members: list[Appointment], union: CollectionResult, relations: Sequence[str]
) -> tuple[str, str]:
    facility = members[0].record.facility_hsa_id or ""
    found_by = ", ".join(c for c in CALL_PRIORITY if c in {m.record.call for m in members})
    call1 = call_of(union, "call1")
    status = source_of(call1, facility) if call1 and call1.answered else None
    in_list = any(hsa_key(r) == hsa_key(facility) for r in relations)
    direct = next(
        (
            c
            for c in union.calls
            if c.call == "call2" and hsa_key(c.logical_address) == hsa_key(facility)
        ),
        None,
    )
    if logic == "target":
        if call1 is None or call1.failed:
            return "call1_failed", f"call1 failed as a whole; only {found_by} found it"
        if status is None:
            return (
                "not_in_engagement_index",
                f"{facility} is not in the engagement index (call1 did not call it); "
                f"only {found_by} found it",
            )
        if status.failed:
            return (
                "call1_source_failed",
                f"call1 called {facility} but it failed there ({status.status})",
            )
        return "not_returned_by_call1", f"call1 called {facility} and it answered without it"
    if logic == "current":
        if status is not None and status.failed:
            return (
                "call2_excluded_lost",
                f"only the direct call found it: {facility} is excluded from call2 because call1 "
                f"called it, although it failed there ({status.status})",
            )
        return (
            "call2_excluded",
            f"call1 called {facility} and answered without it, so call2 did not call it",
        )
    if not in_list:
        return (
            "not_in_relation_list",
            f"only call1 found it, and {facility} is not in the relation list",
        )
    if direct is not None and direct.failed:
        return "call2_failed", f"the direct call to {facility} failed ({direct.outcome})"
    return "not_returned_by_call2", f"the direct call to {facility} answered without it"
