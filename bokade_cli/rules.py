"""1177's display rules as pure functions: filter each record, then group duplicates and pick one.

Filters (SPEC §2.1) run first, in this order, and the first that applies is the reason:
missing_start, bad_time_format, missing_facility, start_passed, beyond_3_years,
not_approved_for_patient, nullified, not_booked_status.

Duplicates (SPEC §2.2) are found among the records that passed. Two records are the same
booked time when any of these holds (the first that holds names the link):
  booking_id      both scheduling, same facility (case-insensitive), same bookingId
  document_id     both care contacts, same sourceSystemHSAId and documentId
  facility_start  same facility (case-insensitive), same start instant to the minute
Sameness is transitive. In each group the record from the highest-priority call is shown
(call1 > call2 > call3-v3 > call3-v2; within a call the first target, then document order);
the others are duplicates of it, each with the rule of the link by which it joined the group,
found breadth-first from the shown record. Nothing depends on the order answers arrived in.
Every time is compared as an instant (bokade_cli.clock), never as a wall time.

Last, statistics over the verdicts: per call, and "target readiness", the share of shown
appointments call1 alone provides. 1177 keeps these figures to decide when the target logic
(call1 only) can replace the current one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from bokade_cli import clock
from bokade_cli.hsa import hsa_key
from bokade_cli.models import (
    CALL_PRIORITY,
    Appointment,
    CallResult,
    CollectionResult,
    Logic,
    Record,
)


class Reason(StrEnum):
    """Why a record is not shown: the SPEC §2.1 codes, in the order they are checked."""

    missing_start = "missing_start"
    bad_time_format = "bad_time_format"
    missing_facility = "missing_facility"
    start_passed = "start_passed"
    beyond_3_years = "beyond_3_years"
    not_approved_for_patient = "not_approved_for_patient"
    nullified = "nullified"
    not_booked_status = "not_booked_status"


class Match(StrEnum):
    """How a duplicate was joined to its group (SPEC §2.2)."""

    booking_id = "booking_id"
    document_id = "document_id"
    facility_start = "facility_start"


REASONS = tuple(Reason)
MATCH_RULES = tuple(Match)

# GetCareContacts v3 status meaning "booked, not yet started" (SNOMED CT, Swedish extension).
SNOMED_BOOKED = "53631000052103"
# NOTE: a SNOMED CT identifier is 6 to 18 digits. Such a code decides on its own (a cancelled
# code with the text "tidbokad" is not booked); texts decide only when there is no such code.
_SNOMED_ID = re.compile(r"[0-9]{6,18}")
# Phrasings that mean booked / not yet started, compared after NFC, trimming and case folding.
BOOKED_TEXTS = frozenset(
    {
        "tidbokad",
        "tidbokad vårdkontakt",
        "tidsbokad",
        "tidsbokad vårdkontakt",
        "bokad",
        "bokad tid",
        "bokad vårdkontakt",
        "ej påbörjad",
        "ej påbörjat",
        "ej påbörjad vårdkontakt",
        "planerad",
        "planerad vårdkontakt",
        "booked",
        "scheduled",
        "planned",
        "not started",
    }
)
_XS_INT = re.compile(r"[+-]?0*([0-9]{1,10})")
_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class Filtered:
    """The first filter a record meets, with the value that met it and the limit it broke."""

    reason: Reason
    value: str | None = None
    limit: str | None = None  # ISO time: now for start_passed, now + 3 years for beyond_3_years


# Big enough for compare's largest case (16,000 bookings judged five times): an LRU cache smaller
# than one pass over the records would miss on every lookup. Not bigger: a single judging of an
# 80,000-booking answer gains nothing from it, and the full cache costs about 10 MiB per 32,768.
CACHED = 1 << 15


@lru_cache(maxsize=CACHED)
def parsed_time(raw: str) -> datetime | None:
    """clock.parse_time, remembered: judging reads each time several times."""
    try:
        return clock.parse_time(raw)
    except ValueError:
        return None


def sort_key(record: Record) -> tuple[int, int, int]:
    return (CALL_PRIORITY.index(record.call), *record.order)


def filter_reason(record: Record, now: datetime, limit: datetime | None = None) -> Filtered | None:
    """The first filter the record meets, or None when it may be shown.

    `now` is an instant (clock.now_instant); `limit` is now + 3 calendar years (passed once
    by callers judging many records).
    """
    if not record.raw_start:
        return Filtered(Reason.missing_start)
    start = parsed_time(record.raw_start)
    if start is None:
        return Filtered(Reason.bad_time_format, record.raw_start)
    if record.raw_end and parsed_time(record.raw_end) is None:
        return Filtered(Reason.bad_time_format, record.raw_end)
    if not record.facility_hsa_id:
        return Filtered(Reason.missing_facility)
    if start < now:
        return Filtered(Reason.start_passed, record.raw_start, clock.iso(now))
    limit = limit or clock.three_years_after(now)
    if start > limit:
        return Filtered(Reason.beyond_3_years, record.raw_start, clock.iso(limit))
    if record.kind == "care_contact":
        # NOTE: approvedForPatient is mandatory and consumers must filter on it: absent, empty
        # or not a boolean counts as not approved.
        if record.approved_for_patient is not True:
            return Filtered(Reason.not_approved_for_patient, record.approved_raw)
        if record.nullified is True:
            return Filtered(Reason.nullified, record.nullified_raw)
        if not status_booked(record):
            return Filtered(Reason.not_booked_status, record.status_code or record.status_text)
    return None


def status_booked(record: Record) -> bool:
    """Whether a care contact's status says booked and upcoming; a missing status is accepted."""
    if record.status_code is None and record.status_text is None and not record.status_texts:
        return True
    if record.call == "call3-v2":
        return xs_int(record.status_code) == 1
    code = (record.status_code or "").strip()
    if _SNOMED_ID.fullmatch(code):
        return code == SNOMED_BOOKED
    texts = (*record.status_texts, record.status_text, record.status_code)
    return any(t is not None and booked_text(t) for t in texts)


def booked_text(text: str) -> bool:
    folded = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return folded in BOOKED_TEXTS


def xs_int(value: str | None) -> int | None:
    """An xs:int as XML Schema reads it ("1", " 01 ", "+1"); None for anything else, however long."""
    if value is None or len(value) > 64:  # never int() an attacker's 5,000 digits
        return None
    match = _XS_INT.fullmatch(value.strip())
    if match is None:
        return None
    number = int(value.strip())
    return number if -_INT_MAX - 1 <= number <= _INT_MAX else None


def same_booked_time(a: Record, b: Record) -> bool:
    """Whether two records that passed the filters are directly the same booked time."""
    return a == b or not set(links(a)).isdisjoint(links(b))


Link = tuple[str, tuple[object, ...]]


def links(record: Record) -> tuple[Link, ...]:
    """The keys under which this record can meet another: (rule, bucket key)."""
    return _links(
        record.kind,
        record.facility_hsa_id,
        record.booking_id,
        record.document_id,
        record.source_system,
        record.raw_start,
    )


@lru_cache(maxsize=CACHED)
def _links(
    kind: str,
    facility_hsa_id: str | None,
    booking_id: str | None,
    document_id: str | None,
    source_system: str | None,
    raw_start: str | None,
) -> tuple[Link, ...]:
    # Remembered by the fields that decide it: compare judges the same records five times.
    facility = hsa_key(facility_hsa_id)
    found: list[Link] = []
    if kind == "scheduling" and booking_id:
        found.append((Match.booking_id, (facility, booking_id)))
    if kind == "care_contact" and document_id and source_system:
        found.append((Match.document_id, (hsa_key(source_system), document_id)))
    start = parsed_time(raw_start or "")
    minute = clock.minute_key(start) if start is not None else raw_start
    found.append((Match.facility_start, (facility, minute)))
    return tuple(found)


def judge(records: Iterable[Record], now: datetime) -> list[Appointment]:
    """Give every record exactly one verdict; ids r1.. follow call priority and document order."""
    ordered = sorted(records, key=sort_key)
    verdicts: list[Appointment | None] = [None] * len(ordered)
    passed: list[int] = []
    limit = clock.three_years_after(now)
    for index, record in enumerate(ordered):
        filtered = filter_reason(record, now, limit)
        if filtered is None:
            passed.append(index)
        else:
            verdicts[index] = _appointment(index, record, "filtered", filtered=filtered)
    for shown, members in _groups([ordered[i] for i in passed]):
        root = passed[shown]
        verdicts[root] = _appointment(root, ordered[root], "shown")
        for member, rule in members:
            index = passed[member]
            verdicts[index] = _appointment(
                index, ordered[index], "duplicate", duplicate_of=f"r{root + 1}", match=rule
            )
    assert all(v is not None for v in verdicts)  # conservation: one verdict per record
    return [v for v in verdicts if v is not None]


def judged(
    calls: Sequence[CallResult],
    subject_of_care: str,
    logic: Logic,
    now: datetime,
    relations: Sequence[str] = (),
) -> CollectionResult:
    """The calls of a run with every record judged as of `now` (an instant)."""
    records = [r for c in calls for r in c.records]
    return CollectionResult(
        subject_of_care=subject_of_care,
        now=clock.iso(now),
        logic=logic,
        calls=tuple(calls),
        appointments=tuple(judge(records, now)),
        relations=tuple(relations),
    )


def _groups(passed: Sequence[Record]) -> list[tuple[int, list[tuple[int, str]]]]:
    """Group indices of `passed` (already in priority order): (shown, [(duplicate, rule)])."""
    buckets: dict[tuple[str, tuple[object, ...]], list[int]] = defaultdict(list)
    record_links: list[tuple[Link, ...]] = []
    for index, record in enumerate(passed):
        record_links.append(links(record))
        for link in record_links[-1]:
            buckets[link].append(index)
    seen = [False] * len(passed)
    groups = []
    # `passed` is in priority order, so the first unseen record is its group's shown one.
    for root in range(len(passed)):
        if seen[root]:
            continue
        seen[root] = True
        members: list[tuple[int, str]] = []
        queue = deque([root])
        while queue:
            current = queue.popleft()
            for rule in MATCH_RULES:
                for link in record_links[current]:
                    if link[0] != rule:
                        continue
                    for other in buckets[link]:
                        if not seen[other]:
                            seen[other] = True
                            members.append((other, rule))
                            queue.append(other)
        members.sort()
        groups.append((root, members))
    return groups


def _appointment(
    index: int,
    record: Record,
    verdict: str,
    *,
    filtered: Filtered | None = None,
    duplicate_of: str | None = None,
    match: str | None = None,
) -> Appointment:
    return Appointment(
        id=f"r{index + 1}",
        record=record,
        verdict=verdict,  # type: ignore[arg-type]
        reason=filtered.reason if filtered else None,
        duplicate_of=duplicate_of,
        match=match,
        start=_iso(record.raw_start),
        end=_iso(record.raw_end),
        offending=filtered.value if filtered else None,
        limit=filtered.limit if filtered else None,
    )


@lru_cache(maxsize=CACHED)
def _iso(raw: str | None) -> str | None:
    parsed = parsed_time(raw) if raw else None
    return clock.iso(parsed) if parsed else None


# --- statistics over the verdicts ----------------------------------------------------------------


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
