"""1177's display rules as pure functions: filter each record, then group duplicates and pick one.

Filters (SPEC §2.1) run first, in this order, and the first that applies is the reason:
missing_start, bad_time_format, missing_facility, start_passed, beyond_3_years,
not_approved_for_patient, nullified, not_booked_status.

Duplicates (SPEC §2.2) are found among the records that passed. Two records are the same
booked time when any of these holds (the first that holds names the link):
  booking_id      both scheduling, same facility (case-insensitive), same bookingId
  document_id     both care contacts, same sourceSystemHSAId and documentId
  facility_start  same facility (case-insensitive), same start to the minute
Sameness is transitive. In each group the record from the highest-priority call is shown
(call1 > call2 > call3-v3 > call3-v2; within a call the first target, then document order);
the others are duplicates of it, each with the rule of the link by which it joined the group,
found breadth-first from the shown record. Nothing depends on the order answers arrived in.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bokade_cli.contracts.base import add_years
from bokade_cli.models import CALL_PRIORITY, Appointment, Record

STOCKHOLM = ZoneInfo("Europe/Stockholm")

REASONS = (
    "missing_start",
    "bad_time_format",
    "missing_facility",
    "start_passed",
    "beyond_3_years",
    "not_approved_for_patient",
    "nullified",
    "not_booked_status",
)
MATCH_RULES = ("booking_id", "document_id", "facility_start")
_XS_INT = re.compile(r"[+-]?[0-9]+")

# GetCareContacts v3 status meaning "booked, not yet started" (SNOMED CT, Swedish extension).
SNOMED_BOOKED = "53631000052103"
_BOOKED_TEXTS = frozenset(
    {
        "tidbokad vårdkontakt",
        "tidbokad",
        "bokad",
        "bokad tid",
        "booked",
        "scheduled",
        "ej påbörjad",
        "ej påbörjat",
        "not started",
    }
)


def parse_time(raw: str) -> datetime:
    """`YYYYMMDDhhmmss`, Swedish local time, a real calendar time; ValueError otherwise."""
    if len(raw) != 14 or not raw.isascii() or not raw.isdigit():
        raise ValueError(f"{raw!r} is not YYYYMMDDhhmmss")
    # NOTE: not strptime, which accepts one-digit fields and so can misread "20261310...".
    parts = (raw[0:4], raw[4:6], raw[6:8], raw[8:10], raw[10:12], raw[12:14])
    year, month, day, hour, minute, second = (int(p) for p in parts)
    # datetime() itself rejects 31 November, hour 24, minute 60, ...
    return datetime(year, month, day, hour, minute, second, tzinfo=STOCKHOLM)


def sort_key(record: Record) -> tuple[int, int, int]:
    return (CALL_PRIORITY.index(record.call), *record.order)


@lru_cache(maxsize=16384)
def _parsed(raw: str) -> datetime | None:
    """parse_time, remembered: judging reads each time several times (1,000 records: 36 → 9 ms)."""
    try:
        return parse_time(raw)
    except ValueError:
        return None


def filter_reason(record: Record, now: datetime, limit: datetime | None = None) -> str | None:
    """The first filter the record meets, or None when it may be shown.

    `limit` is now + 3 calendar years; callers judging many records pass it once.
    """
    if not record.raw_start:
        return "missing_start"
    start = _parsed(record.raw_start)
    if start is None or (record.raw_end and _parsed(record.raw_end) is None):
        return "bad_time_format"
    if not record.facility_hsa_id:
        return "missing_facility"
    if start < now:
        return "start_passed"
    if start > (limit or _three_years_after(now)):
        return "beyond_3_years"
    if record.kind == "care_contact":
        if record.approved_for_patient is False:
            return "not_approved_for_patient"
        if record.nullified is True:
            return "nullified"
        if not _status_booked(record):
            return "not_booked_status"
    return None


def _three_years_after(now: datetime) -> datetime:
    local = now.astimezone(STOCKHOLM)
    day = add_years(local.date(), 3)
    return datetime.combine(day, local.timetz())


def _status_booked(record: Record) -> bool:
    if record.status_code is None and record.status_text is None and not record.status_texts:
        return True  # a missing status is accepted
    if record.call == "call3-v2":
        return _xs_int(record.status_code) == 1
    if record.status_code is not None and record.status_code.strip() == SNOMED_BOOKED:
        return True
    texts = (*record.status_texts, record.status_text, record.status_code)
    return any(t is not None and " ".join(t.casefold().split()) in _BOOKED_TEXTS for t in texts)


def _xs_int(value: str | None) -> int | None:
    """An xs:int as XML Schema reads it: "1", " 01 " and "+1" are all 1."""
    if value is None or not _XS_INT.fullmatch(value.strip()):
        return None
    return int(value.strip())


def same_booked_time(a: Record, b: Record) -> bool:
    """Whether two records that passed the filters are directly the same booked time."""
    return a == b or not set(_links(a)).isdisjoint(_links(b))


def _links(record: Record) -> list[tuple[str, tuple[str, ...]]]:
    """The keys under which this record can meet another: (rule, bucket key)."""
    facility = (record.facility_hsa_id or "").strip().casefold()
    links: list[tuple[str, tuple[str, ...]]] = []
    if record.kind == "scheduling" and record.booking_id:
        links.append(("booking_id", (facility, record.booking_id)))
    if record.kind == "care_contact" and record.document_id and record.source_system:
        source = record.source_system.strip().casefold()  # an HSA-id: case does not matter
        links.append(("document_id", (source, record.document_id)))
    # The raw time is a validated local YYYYMMDDhhmmss here: its first 12 digits are the minute.
    links.append(("facility_start", (facility, (record.raw_start or "")[:12])))
    return links


def judge(records: Iterable[Record], now: datetime) -> list[Appointment]:
    """Give every record exactly one verdict; ids r1.. follow call priority and document order."""
    ordered = sorted(records, key=sort_key)
    verdicts: list[Appointment | None] = [None] * len(ordered)
    passed: list[int] = []
    limit = _three_years_after(now)
    for index, record in enumerate(ordered):
        reason = filter_reason(record, now, limit)
        if reason is None:
            passed.append(index)
        else:
            verdicts[index] = _appointment(index, record, "filtered", reason=reason)
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


def _groups(passed: Sequence[Record]) -> list[tuple[int, list[tuple[int, str]]]]:
    """Group indices of `passed` (already in priority order): (shown, [(duplicate, rule)])."""
    buckets: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    links: list[list[tuple[str, tuple[str, ...]]]] = []
    for index, record in enumerate(passed):
        links.append(_links(record))
        for link in links[-1]:
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
                for link in links[current]:
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
    reason: str | None = None,
    duplicate_of: str | None = None,
    match: str | None = None,
) -> Appointment:
    return Appointment(
        id=f"r{index + 1}",
        record=record,
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
        duplicate_of=duplicate_of,
        match=match,
        start=_iso(record.raw_start),
        end=_iso(record.raw_end),
    )


@lru_cache(maxsize=16384)
def _iso(raw: str | None) -> str | None:
    parsed = _parsed(raw) if raw else None
    return parsed.isoformat() if parsed else None


def local_now(value: datetime | None = None) -> datetime:
    """`now` as an aware Stockholm time; a naive value is taken as Stockholm local time.

    ValueError when the rules could not work with it (now + 3 years past year 9999, say).
    """
    if value is None:
        return datetime.now(STOCKHOLM).replace(microsecond=0)
    try:
        local = (
            value.replace(tzinfo=STOCKHOLM) if value.tzinfo is None else value.astimezone(STOCKHOLM)
        )
        _three_years_after(local)
    except (ValueError, OverflowError):
        raise ValueError(f"{value.isoformat()} is outside the years the rules can handle") from None
    return local
