"""Answer "why isn't my appointment shown?" from one current-logic collection, as coded findings.

A finding is a verdict (what happened to the matching records), a check (what each call did for
the facility) or a hint (one of the seed's known causes, where it fits). Codes are stable; the
README lists them. Sentences are in English, the product's one language.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from bokade_cli.models import Appointment, CollectionResult
from bokade_cli.rules import parse_time
from bokade_cli.support import known_causes
from bokade_cli.support.checks import Finding, call3_checks, facility_checks, failures, hsa_key


@dataclass(frozen=True)
class Query:
    """What the support person asks about; any combination, at least one field."""

    booking_id: str | None = None
    facility: str | None = None
    start: datetime | None = None
    whole_day: bool = False  # --start gave a date only

    def describe(self) -> str:
        parts = []
        if self.booking_id:
            parts.append(f"booking id {self.booking_id}")
        if self.facility:
            parts.append(f"facility {self.facility}")
        if self.start:
            parts.append(
                f"on {self.start.date()}" if self.whole_day else f"at {_local(self.start)}"
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
    by_id = {a.id: a for a in result.appointments}
    found: list[Finding] = []
    for a in matches:
        found.append(_verdict(a, by_id, result))
    facilities = [query.facility] if query.facility else []
    facilities += [a.record.facility_hsa_id for a in matches if a.record.facility_hsa_id]
    received = bool(matches)
    for facility in _unique(facilities):
        found += facility_checks(result, relations, facility, received)
    if not received:
        found.insert(0, Finding("not_received", "verdict", _not_received(query)))
        if query.facility:
            found += _other_times(result, query.facility)
            found += call3_checks(result)
        else:
            found += failures(result)
            found.append(Finding("hint_give_facility", "hint", known_causes.GIVE_FACILITY))
    for code, message, place in known_causes.hints_for([(f.code, f.facility) for f in found]):
        found.append(Finding(code, "hint", message, facility=place))
    return Explanation(query, result, tuple(relations), matches, tuple(_dedupe(found)))


def _matches(a: Appointment, query: Query) -> bool:
    r = a.record
    if query.booking_id and query.booking_id.strip() not in (r.booking_id, r.document_id):
        return False
    if query.facility and hsa_key(r.facility_hsa_id) != hsa_key(query.facility):
        return False
    if query.start is not None:
        try:
            start = parse_time(r.raw_start or "")
        except ValueError:
            return False
        wanted = query.start.astimezone(start.tzinfo)
        if query.whole_day:
            return start.date() == wanted.date()
        return start.replace(second=0) == wanted.replace(second=0, microsecond=0)
    return True


def _verdict(a: Appointment, by_id: dict[str, Appointment], result: CollectionResult) -> Finding:
    r = a.record
    what = f"{a.id} ({_where(a)}) from {r.call}"
    if a.verdict == "shown":
        message = f"{what} is received and shown."
    elif a.verdict == "duplicate":
        kept = by_id[a.duplicate_of or ""]
        message = (
            f"{what} is received but dropped as a duplicate of {kept.id} from {kept.record.call} "
            f"(same {known_causes.MATCH[a.match or '']}); {kept.id} is shown instead."
        )
    else:
        detail = known_causes.filter_detail(a, result.now)
        message = f"{what} is received but filtered out by rule {a.reason}: {detail}."
    return Finding(a.verdict, "verdict", message, a.id, r.facility_hsa_id, r.call)


def _other_times(result: CollectionResult, facility: str) -> Iterator[Finding]:
    others = [
        a for a in result.appointments if hsa_key(a.record.facility_hsa_id) == hsa_key(facility)
    ]
    if others:
        listed = "; ".join(f"{a.id} {_when(a)} {a.verdict}" for a in others[:8])
        more = f" and {len(others) - 8} more" if len(others) > 8 else ""
        yield Finding(
            "other_times_at_facility",
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


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def _when(a: Appointment) -> str:
    return (a.start or "")[:16].replace("T", " ") or (a.record.raw_start or "(no start)")


def _where(a: Appointment) -> str:
    r = a.record
    name = f" {r.facility_name}" if r.facility_name else ""
    return f"{r.facility_hsa_id or '(no facility)'}{name}, {_when(a)}"


def _local(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")
