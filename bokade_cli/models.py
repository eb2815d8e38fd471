"""Frozen data passed between the layers: records received, call results, verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CallId = Literal["call1", "call2", "call3-v3", "call3-v2"]
Kind = Literal["scheduling", "care_contact"]
Outcome = Literal[
    "ok", "soap_fault", "http_error", "timeout", "transport_error", "invalid_response", "skipped"
]
Verdict = Literal["shown", "duplicate", "filtered"]
Logic = Literal["current", "target", "legacy"]

# Which copy of a booked time is shown when several calls return it (seed: "I de fall som
# samma bokade tid finns med i flera av svaren ...").
CALL_PRIORITY: tuple[CallId, ...] = ("call1", "call2", "call3-v3", "call3-v2")

CONTRACT_SCHEDULING = "GetSubjectOfCareSchedule"
CONTRACT_CARE_CONTACTS = "GetCareContacts"

# ProcessingStatus codes that mean the aggregator got nothing fresh from the source.
FAILED_SOURCE_STATUSES = frozenset({"NoDataSynchFailed", "DataFromCacheSynchFailed"})


@dataclass(frozen=True)
class Record:
    """One `timeslotDetail` or `careContact` exactly as received, before any rule ran."""

    call: CallId
    kind: Kind
    order: tuple[int, int]  # (target index within the call, document order): stable sort key
    facility_hsa_id: str | None = None
    facility_name: str | None = None
    raw_start: str | None = None
    raw_end: str | None = None
    booking_id: str | None = None
    invitation: bool = False
    source_system: str | None = None
    document_id: str | None = None
    approved_for_patient: bool | None = None
    nullified: bool | None = None
    status_code: str | None = None  # v2: the int as text; v3: CV code
    status_text: str | None = None  # v3: displayName, else originalText (for display)
    status_texts: tuple[str, ...] = ()  # v3: displayName and originalText, each may say "booked"
    unknown_elements: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceStatus:
    """One ProcessingStatusList record of an aggregated answer."""

    logical_address: str
    status: str
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED_SOURCE_STATUSES


@dataclass(frozen=True)
class CallResult:
    """What one request to the platform produced, failed or not."""

    call: CallId
    contract: str
    logical_address: str
    outcome: Outcome
    elapsed_ms: int = 0
    records: tuple[Record, ...] = ()
    message: str | None = None
    hint: str | None = None
    sources: tuple[SourceStatus, ...] = ()
    correlation_id: str | None = None
    notes: tuple[str, ...] = ()  # verbose-only observations (unknown elements, ...)

    @property
    def failed(self) -> bool:
        return self.outcome not in ("ok", "skipped")

    @property
    def answered(self) -> bool:
        return self.outcome == "ok"


@dataclass(frozen=True)
class Appointment:
    """A record with its verdict, as rendered."""

    id: str
    record: Record
    verdict: Verdict
    reason: str | None = None
    duplicate_of: str | None = None
    match: str | None = None
    start: str | None = None  # ISO 8601 with offset, when the start parsed
    end: str | None = None


@dataclass(frozen=True)
class CollectionResult:
    """Everything one collection produced: the calls and the judged appointments."""

    subject_of_care: str
    now: str
    logic: Logic
    calls: tuple[CallResult, ...]
    appointments: tuple[Appointment, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not any(c.failed or any(s.failed for s in c.sources) for c in self.calls)

    @property
    def anything_answered(self) -> bool:
        return any(c.answered for c in self.calls)
