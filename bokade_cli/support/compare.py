"""Compare the current, target and legacy logics from one run that makes every call any of them needs.

The run is the engine's `all` logic (call1, call2 to every relation facility, call3); each logic's
calls are derived from it exactly as the engine makes them (engine.calls_for_logic). Each logic's
shown appointments become rows: current's first, then each target and legacy appointment joins
the row of the same booked time (a direct duplicate rule between the two records) or starts its
own. So every logic has exactly as many rows as it shows appointments. Rows are found through
an index of duplicate keys, so the comparison is linear in the records.

From a capture, a logic whose calls the capture lacks is not judged at all (`unjudged`): its
cells say `not_in_capture` and why, rather than guess what an unmade call would have returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bokade_cli.engine.run import calls_for_logic, unique_relations
from bokade_cli.models import Appointment, CallResult, CollectionResult, Logic
from bokade_cli.rules import judged, links, same_booked_time
from bokade_cli.support.checks import Situation, why_not_shown
from bokade_cli.support.codes import Missing

LOGICS: tuple[Logic, ...] = ("current", "target", "legacy")


@dataclass(frozen=True)
class Row:
    """One booked time: which call shows it under each logic, and why a logic misses it."""

    id: str
    appointment: Appointment  # the copy shown by the first logic (current, target, legacy)
    shown_by: Mapping[str, str | None]
    missing: Mapping[str, tuple[str, str]]  # logic -> (code, sentence)


@dataclass(frozen=True)
class Comparison:
    union: CollectionResult  # every call made, judged together
    results: Mapping[str, CollectionResult]
    rows: tuple[Row, ...]
    relations: tuple[str, ...]
    unjudged: Mapping[str, str] = field(default_factory=dict)  # logic -> why (from a capture)

    def lost(self, logic: str, compared_to: str = "current") -> list[Row]:
        if logic in self.unjudged or compared_to in self.unjudged:
            return []
        return [r for r in self.rows if r.shown_by[compared_to] and not r.shown_by[logic]]


def compare(
    calls: Sequence[CallResult],
    relations: Sequence[str],
    subject: str,
    now: datetime,
    unjudged: Mapping[str, str] | None = None,
) -> Comparison:
    """Judge every logic's calls and all calls together; one row per booked time.

    `unjudged` names the logics the calls cannot show (logic -> why); they get no results.
    """
    relations = unique_relations(relations)
    unjudged = dict(unjudged or {})
    logics = [logic for logic in LOGICS if logic not in unjudged]
    results: dict[str, CollectionResult] = {
        logic: judged(calls_for_logic(calls, relations, logic), subject, logic, now, relations)
        for logic in logics
    }
    union = judged(tuple(calls), subject, "current", now, relations)
    placed: list[dict[str, Appointment]] = []  # one per row: logic -> the appointment it shows
    row_of: dict[object, list[int]] = defaultdict(list)  # duplicate key -> rows holding it
    for logic in logics:
        for shown in (a for a in results[logic].appointments if a.verdict == "shown"):
            candidates = sorted({i for link in links(shown.record) for i in row_of[link]})
            row = next(
                (
                    i
                    for i in candidates
                    if logic not in placed[i]
                    and any(same_booked_time(x.record, shown.record) for x in placed[i].values())
                ),
                None,
            )
            if row is None:
                row = len(placed)
                placed.append({})
            placed[row][logic] = shown
            for link in links(shown.record):
                if row not in row_of[link]:
                    row_of[link].append(row)
    order = {id(a.record): n for n, a in enumerate(union.appointments)}
    placed.sort(key=lambda r: min(order.get(id(a.record), len(order)) for a in r.values()))
    by_link: dict[object, list[Appointment]] = defaultdict(list)
    for a in union.appointments:  # filtered copies too: call1 may have returned a bad one
        for link in links(a.record):
            by_link[link].append(a)
    situation = Situation(union, relations)
    rows = []
    for number, booked in enumerate(placed, start=1):
        members = _members(booked, by_link)
        shown_by: dict[str, str | None] = {
            logic: (booked[logic].record.call if logic in booked else None) for logic in LOGICS
        }
        missing: dict[str, tuple[str, str]] = {
            logic: (Missing.not_in_capture, unjudged[logic])
            if logic in unjudged
            else why_not_shown(logic, members, situation)
            for logic in LOGICS
            if logic not in booked
        }
        first = next(booked[logic] for logic in LOGICS if logic in booked)
        rows.append(Row(f"a{number}", first, shown_by, missing))
    return Comparison(union, results, tuple(rows), tuple(relations), unjudged)


def _members(
    row: Mapping[str, Appointment], by_link: Mapping[object, list[Appointment]]
) -> list[Appointment]:
    """Every received copy of the row's booked time (direct links to a shown copy), in order."""
    found: dict[int, Appointment] = {}
    for shown in row.values():
        for link in links(shown.record):
            for a in by_link.get(link, ()):
                if id(a) not in found and same_booked_time(a.record, shown.record):
                    found[id(a)] = a
    return sorted(found.values(), key=lambda a: int(a.id[1:]))
