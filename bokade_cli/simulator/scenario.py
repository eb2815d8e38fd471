"""The scenario model: who the citizen is, which producers exist, what they answer and how they fail.

Scenario files are TOML. All keys are optional unless marked *required*; unknown keys are errors
(a typo must not silently change a test). Contract names are "GetSubjectOfCareSchedule",
"GetCareContacts/2", "GetCareContacts/3", or "GetCareContacts" for both versions.

    name = "demo"                      # default: the file name without .toml
    description = "One line shown by `bokade simulator list`."

    [platform]                         # the aggregating services (one logical address for all)
    aggregator = "5565594230"
    aggregation_timeout_ms = 5000      # producers slower than this: NoDataSynchFailed, code 504
    latency_ms = 0                     # the aggregator's own latency, added to its fan-out
    # fault / http_status / hang / malformed: make the aggregator itself fail (see producers)
    [platform.per_contract."GetCareContacts/2"]   # the same keys, for one aggregating contract
    [[platform.unauthorized]]          # routes answered with VP007
    logical_address = "SE2321000016-X"  # *required*
    contracts = ["GetSubjectOfCareSchedule"]   # default: every contract

    [[citizens]]                       # the first one is the scenario's main citizen
    personnummer = "191212121212"      # *required*, 12 digits with a valid check digit
    relations = ["SE2321000016-A001"]  # the 1177 relation list (for --relation)

    [[producers]]                      # a source system / facility behind the platform
    hsa_id = "SE2321000016-A001"       # *required*; its logical address, compared case-insensitively
    name = "Vårdcentralen Norrmalm"
    contracts = ["GetSubjectOfCareSchedule"]   # default: GetSubjectOfCareSchedule
    latency_ms = 40
    fault = "Booking system unavailable"   # SOAP fault (HTTP 500); true = a default text
    http_status = 503                  # a non-SOAP answer (text/html) with this status
    hang = true                        # never answers until the simulator stops
    malformed = true                   # HTTP 200 with a body that is not well-formed XML
    [producers.per_contract."GetCareContacts/3"]   # override latency/failure for one contract

    [[engagements]]                    # the engagement index: whom the aggregator calls
    logical_address = "SE2321000016-A001"   # or logical_addresses = [...]
    contracts = ["GetSubjectOfCareSchedule"]   # *required*
    citizen = "191212121212"           # default: the main citizen (same for bookings/contacts)

    [[bookings]]                       # one timeslotDetail (GetSubjectOfCareSchedule)
    producer = "SE2321000016-A001"     # *required*: the producer that answers with it
    facility = "SE2321000016-A001"     # healthcare_facility; default the producer; "" = empty
    facility_name = "Vårdcentralen Norrmalm"   # default: that facility's producer name
    start = "+3d 10:00"                # relative (see below) ...
    start_raw = "20261131100000"       # ... or sent verbatim; neither = no startTimeInclusive
    end = "+3d 10:30"                  # or end_raw; default start + duration_min
    duration_min = 30                  # 0 = no endTimeExclusive
    booking_id = "A-1000"
    invitation = false                 # isInvitation
    # also: performer, performer_name, purpose, reason, resource_name, resource_id,
    # time_type_name, time_type_id, care_type_name, care_type_id (text) and
    # cancel_booking_allowed, rebooking_allowed, message_allowed (booleans)

    [[care_contacts]]                  # one careContact (GetCareContacts v2 and/or v3)
    source = "SE2321000016-S100"       # *required*: sourceSystemHSAId and the producer answering
    versions = [2, 3]                  # *required*: which contract versions return it
    document_id = "DOC-1"              # *required*
    org_unit = "SE2321000016-A001"     # *required*: orgUnitHSAId; "" = no facility
    org_unit_name = "Vårdcentralen Norrmalm"
    start = "+6d 10:00"                # or start_raw; end / end_raw (default: no end, as
                                       # the contract says for planned contacts)
    approved_for_patient = true
    nullified = false                  # default: element left out
    status_v2 = 1                      # 1..5 (1 = "Ej påbörjad"); "none" leaves it out
    status_v3 = "booked"               # SNOMED 53631000052103; "none"; or a table
                                       # {code, code_system, display_name, original_text}

    [[generate]]                       # many bookings at once (the platform's load tests)
    producer = "SE2321000016-L001"     # *required*
    count = 1000                       # *required*
    start = "+1d 08:00"                # the first one; the next ones `step` later
    step = "+30min"
    booking_id_prefix = "GEN-"         # ids GEN-00001, GEN-00002, ...

Relative times: "now", then steps +N/-N with units y, mo, w, d, h, min, then an optional clock
time: "+3d 10:00", "-2d 09:00", "+3y+1d 10:00", "+90min". They are resolved against the
simulator's now in Europe/Stockholm whenever an answer is built, so a scenario never goes stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from .times import RelativeTime

ContractName = Literal["GetSubjectOfCareSchedule", "GetCareContacts/2", "GetCareContacts/3"]
CONTRACTS: tuple[ContractName, ...] = (
    "GetSubjectOfCareSchedule",
    "GetCareContacts/2",
    "GetCareContacts/3",
)
CONTRACT_ALIASES: Mapping[str, tuple[ContractName, ...]] = {
    **{name: (name,) for name in CONTRACTS},
    "GetCareContacts": ("GetCareContacts/2", "GetCareContacts/3"),
}
DEFAULT_AGGREGATOR = "5565594230"

# A start/end as the scenario gives it: relative, a raw literal sent verbatim, or None (left out).
TimeValue = RelativeTime | str | None


def hsa_key(hsa_id: str) -> str:
    """HSA-ids compare case-insensitively on the platform."""
    return hsa_id.strip().upper()


@dataclass(frozen=True)
class Behaviour:
    """How a producer (or the aggregator) answers one contract: delay and at most one failure."""

    latency_ms: int = 0
    fault: str | None = None
    http_status: int | None = None
    hang: bool = False
    malformed: bool = False


@dataclass(frozen=True)
class Producer:
    hsa_id: str
    name: str
    contracts: frozenset[str]
    behaviours: Mapping[str, Behaviour]  # resolved per contract served

    def behaviour(self, contract: str) -> Behaviour:
        return self.behaviours.get(contract, Behaviour())


@dataclass(frozen=True)
class Booking:
    producer: str
    citizen: str
    facility: str
    facility_name: str | None
    start: TimeValue
    end: TimeValue
    duration_min: int
    booking_id: str | None
    invitation: bool
    extras: tuple[tuple[str, str], ...] = ()  # further TimeslotType fields: (toml key, text)


@dataclass(frozen=True)
class CodedValue:
    code: str | None = None
    code_system: str | None = None
    display_name: str | None = None
    original_text: str | None = None


@dataclass(frozen=True)
class CareContact:
    source: str
    versions: frozenset[int]
    citizen: str
    document_id: str
    org_unit: str
    org_unit_name: str | None
    start: TimeValue
    end: TimeValue
    approved_for_patient: bool
    nullified: bool | None
    status_v2: int | None
    status_v3: CodedValue | None


@dataclass(frozen=True)
class Engagement:
    citizen: str
    logical_address: str
    contracts: frozenset[str]


@dataclass(frozen=True)
class Citizen:
    personnummer: str
    relations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """A (logical address, contracts) pair the consumer is not authorised for (VP007)."""

    logical_address: str
    contracts: frozenset[str]


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario; immutable, so one instance can serve many threads."""

    name: str
    description: str
    citizens: tuple[Citizen, ...]
    aggregator: str = DEFAULT_AGGREGATOR
    aggregation_timeout_ms: int = 5000
    aggregator_behaviours: Mapping[str, Behaviour] = field(default_factory=dict)
    producers: tuple[Producer, ...] = ()
    engagements: tuple[Engagement, ...] = ()
    bookings: tuple[Booking, ...] = ()
    care_contacts: tuple[CareContact, ...] = ()
    unauthorized: tuple[Route, ...] = ()
    source: str = ""  # the file it came from, for messages

    @property
    def citizen(self) -> str:
        """The main citizen's 12-digit personnummer."""
        return self.citizens[0].personnummer

    @property
    def relations(self) -> list[str]:
        """The main citizen's relation list (HSA-ids), as the tool's --relation takes it."""
        return list(self.citizens[0].relations)

    def producer(self, logical_address: str, contract: str) -> Producer | None:
        producer = self._producers.get(hsa_key(logical_address))
        return producer if producer is not None and contract in producer.contracts else None

    def producer_name(self, hsa_id: str) -> str | None:
        producer = self._producers.get(hsa_key(hsa_id))
        return producer.name if producer is not None else None

    def engaged(self, citizen: str, contract: str) -> list[str]:
        """The logical addresses the engagement index lists for this citizen and contract."""
        return list(self._engaged.get((citizen, contract), ()))

    def is_unauthorized(self, logical_address: str, contract: str) -> bool:
        key = hsa_key(logical_address)
        return any(
            hsa_key(r.logical_address) == key and contract in r.contracts for r in self.unauthorized
        )

    def bookings_of(self, producer: Producer, citizen: str) -> list[Booking]:
        return self._bookings.get((hsa_key(producer.hsa_id), citizen), [])

    def care_contacts_of(self, producer: Producer, citizen: str, version: int) -> list[CareContact]:
        return [
            contact
            for contact in self._contacts.get((hsa_key(producer.hsa_id), citizen), [])
            if version in contact.versions
        ]

    @cached_property
    def _producers(self) -> dict[str, Producer]:
        return {hsa_key(p.hsa_id): p for p in self.producers}

    @cached_property
    def _engaged(self) -> dict[tuple[str, str], list[str]]:
        index: dict[tuple[str, str], list[str]] = {}
        for entry in self.engagements:
            for contract in entry.contracts:
                addresses = index.setdefault((entry.citizen, contract), [])
                # NOTE: the engagement index may hold several entries for one source (one per
                # category); the aggregator calls each logical address once.
                if hsa_key(entry.logical_address) not in {hsa_key(a) for a in addresses}:
                    addresses.append(entry.logical_address)
        return index

    @cached_property
    def _bookings(self) -> dict[tuple[str, str], list[Booking]]:
        index: dict[tuple[str, str], list[Booking]] = {}
        for booking in self.bookings:
            index.setdefault((hsa_key(booking.producer), booking.citizen), []).append(booking)
        return index

    @cached_property
    def _contacts(self) -> dict[tuple[str, str], list[CareContact]]:
        index: dict[tuple[str, str], list[CareContact]] = {}
        for contact in self.care_contacts:
            index.setdefault((hsa_key(contact.source), contact.citizen), []).append(contact)
        return index
