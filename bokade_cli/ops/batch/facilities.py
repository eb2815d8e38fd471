"""Target readiness by facility: which facilities keep a batch's citizens from the target logic.

The seed says 1177 keeps statistics over the calls to decide when it can move to the target
logic (call1 only). Per facility this adds up, over every case of a batch, the appointments
shown and which call provided them. A shown appointment that did not come from call1 would be
lost under the target logic: its facility is one to contact (it does not update the engagement
index for these bookings). A facility that call1 called but that failed there is lost today
already, since call2 skips it as 1177 does.

One pass over the records, no I/O, nothing masked: a planning aggregate that names facilities
and counts cases, never the citizens (the output boundary masks what the answers wrote).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bokade_cli.hsa import hsa_key
from bokade_cli.models import CALL_PRIORITY, CallId, CollectionResult


@dataclass(frozen=True)
class FacilityFigures:
    """One facility over the whole batch."""

    facility_hsa_id: str  # as first written (call1's ProcessingStatus or a shown appointment)
    facility_name: str | None  # the first name any answer gave it
    by_call: tuple[tuple[CallId, int], ...]  # shown appointments per call, in CALL_PRIORITY order
    lost_under_target: int  # shown, but not from call1
    cases: int  # cases that would lose at least one appointment here under the target logic
    in_engagement_index: bool  # in some case's call1 ProcessingStatus
    failed_in_call1: bool  # failed there in at least one case

    @property
    def shown(self) -> int:
        return sum(n for _call, n in self.by_call)


@dataclass(frozen=True)
class FacilityReport:
    """Every facility, the ones losing most under the target logic first."""

    facilities: tuple[FacilityFigures, ...]
    cases: int  # cases whose collection ran

    @property
    def shown(self) -> int:
        return sum(f.shown for f in self.facilities)

    @property
    def from_call1(self) -> int:
        return sum(f.shown - f.lost_under_target for f in self.facilities)

    @property
    def lost_under_target(self) -> int:
        return sum(f.lost_under_target for f in self.facilities)

    @property
    def target_readiness(self) -> float | None:
        """Shown appointments call1 provides ÷ all shown (None when nothing is shown)."""
        return self.from_call1 / self.shown if self.shown else None


@dataclass
class _Tally:
    spelling: str
    counts: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    cases: int = 0
    last_case: int = -1  # the last case counted in `cases`
    indexed: bool = False
    failed: bool = False


def by_facility(results: Iterable[CollectionResult]) -> FacilityReport:
    """Aggregate the collections of a batch (in file order) per facility, in one pass.

    A facility is listed when some case showed an appointment there or its call1 listed it in
    ProcessingStatus. HSA-ids compare through `hsa_key`; the first spelling met is kept.
    Sorted by appointments lost under the target logic, then cases affected, then shown (each
    descending), then HSA-id: the work list for reaching the target, in a stable order.
    """
    tallies: dict[str, _Tally] = {}
    names: dict[str, str] = {}  # any record may name a facility, shown or not
    ran = 0
    for case, result in enumerate(results):
        ran += 1
        for call in result.calls:
            if call.call != "call1":
                continue
            for source in call.sources:
                if not source.logical_address:  # a source of unknown address: no facility
                    continue
                tally = _tally(tallies, source.logical_address)
                tally.indexed = True
                tally.failed = tally.failed or source.failed
        for appointment in result.appointments:
            record = appointment.record
            key = hsa_key(record.facility_hsa_id)
            if record.facility_name and record.facility_name.strip() and key not in names:
                names[key] = record.facility_name
            if appointment.verdict != "shown":
                continue
            tally = _tally(tallies, record.facility_hsa_id or "", key)
            tally.counts[record.call] = tally.counts.get(record.call, 0) + 1
            if record.call != "call1":
                tally.lost += 1
                if tally.last_case != case:
                    tally.cases += 1
                    tally.last_case = case
    figures = [
        FacilityFigures(
            facility_hsa_id=t.spelling,
            facility_name=names.get(key),
            by_call=tuple((call, t.counts.get(call, 0)) for call in CALL_PRIORITY),
            lost_under_target=t.lost,
            cases=t.cases,
            in_engagement_index=t.indexed,
            failed_in_call1=t.failed,
        )
        for key, t in tallies.items()
    ]
    figures.sort(
        key=lambda f: (-f.lost_under_target, -f.cases, -f.shown, hsa_key(f.facility_hsa_id))
    )
    return FacilityReport(tuple(figures), ran)


def _tally(tallies: dict[str, _Tally], spelling: str, key: str | None = None) -> _Tally:
    key = hsa_key(spelling) if key is None else key
    found = tallies.get(key)
    if found is None:
        found = tallies[key] = _Tally(spelling)
    return found
