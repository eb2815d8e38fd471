"""Answer "why isn't my appointment shown?" from one current-logic collection, as coded findings.

A finding is a verdict (what happened to the matching records), a check (what each call did for
the facility) or a hint (one of the seed's known causes, where it fits). Codes are stable; the
README lists them. Sentences are in English, the product's one language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from bokade_cli import clock, listings
from bokade_cli.hsa import hsa_key
from bokade_cli.models import Appointment, CollectionResult
from bokade_cli.rules import parsed_time
from bokade_cli.support import known_causes
from bokade_cli.support.checks import (
    Finding,
    Situation,
    call3_checks,
    facility_checks,
    failures,
    why_not_shown,
)
from bokade_cli.support.codes import Code

_ROW_ID = re.compile(r"r[0-9]+")


@dataclass(frozen=True)
class Query:
    """What the support person asks about; any combination, at least one field."""

    booking_id: str | None = None
    facility: str | None = None
    start: datetime | None = None  # an instant
    whole_day: bool = False  # --start gave a date only

    def describe(self) -> str:
        parts = []
        if self.booking_id:
            parts.append(f"booking id {self.booking_id}")
        if self.facility:
            parts.append(f"facility {self.facility}")
        if self.start:
            local = clock.local(self.start)
            parts.append(
                f"on {local.date()}"
                if self.whole_day
                else f"at {local.isoformat(sep=' ', timespec='minutes')}"
            )
        return ", ".join(parts)


@dataclass(frozen=True)
class Explanation:
    query: Query
    result: CollectionResult
    relations: tuple[str, ...]
    matches: tuple[Appointment, ...]
    findings: tuple[Finding, ...]

    @property
    def answer(self) -> str:
        """shown (a copy of it is shown), filtered, or not_received."""
        verdicts = {a.verdict for a in self.matches}
        if verdicts & {"shown", "duplicate"}:
            return "shown"
        return "filtered" if verdicts else "not_received"


def explain(result: CollectionResult, relations: Sequence[str], query: Query) -> Explanation:
    """Match the query against every record received, then explain each match or the absence."""
    matches = tuple(a for a in result.appointments if _matches(a, query))
    if not matches and query.booking_id and _ROW_ID.fullmatch(query.booking_id.strip()):
        # The table's row id of the same run works too: support staff read it off the screen.
        matches = tuple(a for a in result.appointments if a.id == query.booking_id.strip())
    by_id = {a.id: a for a in result.appointments}
    situation = Situation(result, relations)
    found: list[Finding] = [_verdict(a, by_id) for a in matches]
    facilities = [query.facility] if query.facility else []
    facilities += [a.record.facility_hsa_id for a in matches if a.record.facility_hsa_id]
    received = bool(matches)
    for facility in _unique(facilities):
        found += facility_checks(situation, facility, received)
    found += _target_logic(matches, situation, found)
    found += _unread(result, query, matches)
    if not received:
        found.insert(0, Finding(Code.not_received, "verdict", _not_received(query)))
        if query.facility:
            found += _other_times(result, query.facility)
            found += call3_checks(result)
        else:
            found += failures(situation)
            found.append(Finding(Code.hint_give_facility, "hint", known_causes.GIVE_FACILITY))
    for code, message, place in known_causes.hints_for([(f.code, f.facility) for f in found]):
        found.append(Finding(code, "hint", message, facility=place))
    return Explanation(query, result, tuple(relations), matches, tuple(dict.fromkeys(found)))


def _matches(a: Appointment, query: Query) -> bool:
    r = a.record
    if query.booking_id and query.booking_id.strip() not in (r.booking_id, r.document_id):
        return False
    if query.facility and hsa_key(r.facility_hsa_id) != hsa_key(query.facility):
        return False
    if query.start is not None:
        start = parsed_time(r.raw_start or "")
        if start is None:
            return False
        mine, wanted = clock.local(start), clock.local(query.start)
        if query.whole_day:
            return mine.date() == wanted.date()
        return clock.minute_key(start) == clock.minute_key(query.start)
    return True


def _verdict(a: Appointment, by_id: dict[str, Appointment]) -> Finding:
    r = a.record
    what = f"{a.id} ({_where(a)}) from {r.call}"
    if a.verdict == "shown":
        code, message = Code.shown, f"{what} is received and shown."
    elif a.verdict == "duplicate":
        kept = by_id[a.duplicate_of or ""]
        code, message = (
            Code.duplicate,
            (
                f"{what} is received but dropped as a duplicate of {kept.id} from {kept.record.call} "
                f"(same {known_causes.MATCH[a.match or '']}); {kept.id} is shown instead."
            ),
        )
    else:
        detail = known_causes.filter_detail(a)
        code, message = (
            Code.filtered,
            f"{what} is received but filtered out by rule {a.reason}: {detail}.",
        )
    return Finding(code, "verdict", message, a.id, r.facility_hsa_id, r.call)


def _target_logic(
    matches: Sequence[Appointment], situation: Situation, found: list[Finding]
) -> Iterator[Finding]:
    """Shown now but not by call1: what the target logic would do, said as compare says it."""
    shown = [a for a in matches if a.verdict == "shown"]
    if not shown or any(a.record.call == "call1" for a in shown):
        return
    code, message = why_not_shown("target", matches, situation)
    if any(f.code == str(code) for f in found):
        return  # the facility checks already said it (not in the engagement index, ...)
    yield Finding(
        Code(code),
        "check",
        f"Under the target logic (call1 only) it would not be shown: {message}.",
        facility=shown[0].record.facility_hsa_id,
        call="call1",
    )


def _unread(
    result: CollectionResult, query: Query, matches: Sequence[Appointment]
) -> Iterator[Finding]:
    """Parser notes that name the booking or the facility asked about: something was not read."""
    needles = {n for n in (query.booking_id, query.facility) if n}
    needles |= {a.record.facility_hsa_id for a in matches if a.record.facility_hsa_id}
    needles |= {a.record.booking_id for a in matches if a.record.booking_id}
    in_matches = {id(a.record) for a in matches}
    for call in result.calls:
        notes = list(call.notes)
        for record in call.records:
            if id(record) in in_matches:
                for note in record.unknown_elements:
                    yield _unread_finding(call.call, note)
        for note in notes:
            if note.startswith(listings.NOTE_START):
                continue  # read, not unread: the call1 check says what the listings mean
            if any(
                needle.strip() and needle.strip().casefold() in note.casefold()
                for needle in needles
            ):
                yield _unread_finding(call.call, note)


def _unread_finding(call: str, note: str) -> Finding:
    return Finding(
        Code.unread_element,
        "check",
        f"{call}'s answer held something the parser did not read: {note}.",
        call=call,
    )


def _other_times(result: CollectionResult, facility: str) -> Iterator[Finding]:
    others = [
        a for a in result.appointments if hsa_key(a.record.facility_hsa_id) == hsa_key(facility)
    ]
    if others:
        listed = "; ".join(f"{a.id} {_when(a)} {a.verdict}" for a in others[:8])
        more = f" and {len(others) - 8} more" if len(others) > 8 else ""
        yield Finding(
            Code.other_times_at_facility,
            "check",
            f"Other appointments at {facility} were received: {listed}{more}. "
            "Check the date and time the citizen remembers.",
            facility=facility,
        )


def _not_received(query: Query) -> str:
    return f"No call returned an appointment with {query.describe()}."


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for v in values:
        seen.setdefault(hsa_key(v), v)
    return list(seen.values())


def _when(a: Appointment) -> str:
    return (a.start or "")[:16].replace("T", " ") or (a.record.raw_start or "(no start)")


def _where(a: Appointment) -> str:
    r = a.record
    name = f" {r.facility_name}" if r.facility_name else ""
    return f"{r.facility_hsa_id or '(no facility)'}{name}, {_when(a)}"
