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

# ProcessingStatus codes that mean the source answered (fresh or from the aggregator's cache).
# Anything else — NoDataSynchFailed, DataFromCacheSynchFailed, a code the schema does not know,
# or none at all — is a source that failed or whose status is unknown (SPEC §4).
ANSWERED_SOURCE_STATUSES = frozenset({"DataFromSource", "DataFromCache"})


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
    approved_for_patient: bool | None = None  # None: absent, empty or not an xs:boolean
    approved_raw: str | None = None  # the value as written, for the finding that quotes it
    nullified: bool | None = None
    nullified_raw: str | None = None
    status_code: str | None = None  # v2: the int as text; v3: CV code
    status_text: str | None = None  # v3: displayName, else originalText (for display)
    status_texts: tuple[str, ...] = ()  # v3: displayName and originalText, each may say "booked"
    unknown_elements: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceStatus:
    """One ProcessingStatusList record of an aggregated answer (None: the element was missing)."""

    logical_address: str | None
    status: str | None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status not in ANSWERED_SOURCE_STATUSES or not self.logical_address

    @property
    def unknown(self) -> bool:
        """No status or no address: the aggregator called something, but we cannot tell what came of it."""
        return not self.status or not self.logical_address


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
    notes: tuple[str, ...] = ()  # what the parser did not read, and records it could not take
    queued_ms: int = 0  # waiting for a connection of our own pool, before the deadline started

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
    offending: str | None = None  # the value a filter judged (a raw time, a status, ...)
    limit: str | None = None  # the limit it broke: now, or now + 3 years (ISO 8601)


@dataclass(frozen=True)
class CollectionResult:
    """Everything one collection produced: the calls and the judged appointments."""

    subject_of_care: str
    now: str
    logic: Logic
    calls: tuple[CallResult, ...]
    appointments: tuple[Appointment, ...] = field(default=())
    relations: tuple[str, ...] = ()  # the relation list the run used (mottagningsrelation)

    @property
    def complete(self) -> bool:
        return not any(c.failed or any(s.failed for s in c.sources) for c in self.calls)

    @property
    def anything_answered(self) -> bool:
        return any(c.answered for c in self.calls)

    def exit_code(self, allow_partial: bool = False) -> int:
        """SPEC §4: 0 complete, 3 partial (0 with --allow-partial), 4 nothing answered."""
        from bokade_cli.errors import ExitCode

        if self.complete:
            return ExitCode.COMPLETE
        if not self.anything_answered:
            return ExitCode.NOTHING_ANSWERED
        return ExitCode.COMPLETE if allow_partial else ExitCode.PARTIAL

    @property
    def call2_without_relations(self) -> bool:
        """This logic has call2, but it was not made at all: no relation list was given."""
        return self.logic != "target" and not self.relations
