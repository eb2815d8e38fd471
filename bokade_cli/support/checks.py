"""What each call of a collection did for one facility, as coded findings, and why a logic misses it.

call1: was the facility in the engagement index (its ProcessingStatus) and did it answer there;
the relation list; call2: called directly, excluded because call1 called it (and lost when it
failed there), or failed; call3: did the care-contact services and their sources answer.
`why_not_shown` is the one answer to "why is this booking missing under logic X", shared by
explain and compare so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bokade_cli.hsa import hsa_key
from bokade_cli.listings import by_facility, disagreeing, statuses
from bokade_cli.models import CALL_PRIORITY, Appointment, CallResult, CollectionResult, SourceStatus
from bokade_cli.support.codes import Code, Missing

Kind = Literal["verdict", "check", "hint"]


@dataclass(frozen=True)
class Finding:
    """One coded sentence of an explanation; the code is stable, the message may change."""

    code: Code
    kind: Kind
    message: str
    appointment: str | None = None
    facility: str | None = None
    call: str | None = None


@dataclass
class Situation:
    """A collection's calls indexed by facility, so every lookup is a dict access."""

    result: CollectionResult
    relations: Sequence[str]
    call1: CallResult | None = field(init=False)
    sources: dict[str, SourceStatus] = field(init=False)  # a failed listing, when any failed
    disagreeing: dict[str, list[SourceStatus]] = field(init=False)
    direct: dict[str, CallResult] = field(init=False)
    listed: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.call1 = next((c for c in self.result.calls if c.call == "call1"), None)
        found = self.call1.sources if self.call1 else ()
        self.sources = by_facility(found)
        self.disagreeing = disagreeing(found)
        self.direct = {}
        for c in self.result.calls:
            if c.call == "call2" and (
                c.outcome != "skipped" or hsa_key(c.logical_address) not in self.direct
            ):
                self.direct[hsa_key(c.logical_address)] = c
        self.listed = {hsa_key(r) for r in self.relations}

    def source(self, facility: str) -> SourceStatus | None:
        return self.sources.get(hsa_key(facility))

    def listed_as(self, facility: str) -> str:
        """' (call1's ProcessingStatus lists it 2 times, as ...)' when its listings disagree."""
        listings = self.disagreeing.get(hsa_key(facility))
        if not listings:
            return ""
        return (
            f" (call1's ProcessingStatus lists it {len(listings)} times, as "
            f"{statuses(listings)}; a failed listing counts)"
        )


def _status(s: SourceStatus) -> str:
    return s.status or "status unknown"


def facility_checks(situation: Situation, facility: str, received: bool) -> Iterator[Finding]:
    """call1 (engagement index), the relation list and call2 for one facility."""
    if situation.call1 is not None:
        yield _call1_check(situation, facility, received)
    relations = situation.relations
    if hsa_key(facility) not in situation.listed:
        listed = f"{len(relations)} facilities given" if relations else "none was given"
        yield Finding(
            Code.not_in_relation_list,
            "check",
            f"{facility} is not in the citizen's relation list (mottagningsrelation; {listed}), "
            "so call2 never calls it.",
            facility=facility,
        )
        return
    yield Finding(
        Code.in_relation_list,
        "check",
        f"{facility} is in the citizen's relation list (mottagningsrelation).",
        facility=facility,
    )
    call2 = situation.direct.get(hsa_key(facility))
    if call2 is not None:
        yield _call2_check(call2, situation.source(facility), received)


def _call1_check(situation: Situation, facility: str, received: bool) -> Finding:
    call1 = situation.call1
    assert call1 is not None
    status = situation.source(facility)
    if call1.failed:
        return Finding(
            Code.call1_failed,
            "check",
            f"call1 (the aggregating service) failed as a whole: {call1.outcome}: {call1.message} "
            "Nothing was excluded from call2, so every relation facility was called directly.",
            call="call1",
        )
    if status is None:
        return Finding(
            Code.not_in_engagement_index,
            "check",
            f"call1 answered but did not call {facility}: the facility is not in the engagement "
            f"index for this citizen (not among the {len(situation.sources)} facilities in call1's "
            "ProcessingStatus).",
            facility=facility,
            call="call1",
        )
    if status.failed:
        return Finding(
            Code.call1_source_failed,
            "check",
            f"call1 called {facility} (it is in the engagement index) but it failed there: "
            f"{_status(status)}"
            + (f": {status.error}" if status.error else "")
            + f"{situation.listed_as(facility)}.",
            facility=facility,
            call="call1",
        )
    return Finding(
        Code.call1_answered,
        "check",
        f"call1 called {facility} (it is in the engagement index) and it answered "
        f"({status.status}){situation.listed_as(facility)}"
        + ("." if received else ", without this appointment."),
        facility=facility,
        call="call1",
    )


def _call2_check(call2: CallResult, status: SourceStatus | None, received: bool) -> Finding:
    facility = call2.logical_address
    if call2.outcome == "skipped" and status is not None and status.failed:
        code, message = (
            Code.call2_excluded_lost,
            f"call2 did not call {facility} directly because call1 had already called it — "
            "although it failed there. 1177 excludes it all the same, so its appointments are "
            "lost from this collection.",
        )
    elif call2.outcome == "skipped":
        code, message = (
            Code.call2_excluded,
            f"call2 did not call {facility} directly because call1 already called it and it "
            "answered there.",
        )
    elif call2.failed:
        code, message = (
            Code.call2_failed,
            f"The direct call to {facility} (call2) failed: {call2.outcome}: {call2.message}",
        )
    else:
        none = "" if received else ", none of them this appointment"
        code, message = (
            Code.call2_answered,
            f"call2 called {facility} directly and it answered with "
            f"{len(call2.records)} records{none}.",
        )
    return Finding(code, "check", message, facility=facility, call="call2")


def call3_checks(result: CollectionResult) -> Iterator[Finding]:
    for call in result.calls:
        if not call.call.startswith("call3"):
            continue
        version = call.call[-2:]
        if call.failed:
            yield Finding(
                Code.call3_failed,
                "check",
                f"{call.call} (GetCareContacts {version}) failed: {call.outcome}: {call.message}",
                call=call.call,
            )
            continue
        yield Finding(
            Code.call3_answered,
            "check",
            f"{call.call} (GetCareContacts {version}) answered: {len(call.sources)} sources, "
            f"{len(call.records)} records, none of them this appointment.",
            call=call.call,
        )
        yield from _failed_sources(call)


def failures(situation: Situation) -> Iterator[Finding]:
    """Without a facility: every failure that could have hidden the appointment."""
    call1 = situation.call1
    if call1 is not None and call1.failed:
        yield _call1_check(situation, "", False)
    elif call1 is not None:
        yield from _failed_sources(call1)
    for call in situation.result.calls:
        status = situation.source(call.logical_address) if call1 else None
        lost = call.outcome == "skipped" and status is not None and status.failed
        if call.call == "call2" and (lost or call.failed):
            yield _call2_check(call, status, False)
    yield from (f for f in call3_checks(situation.result) if f.code != Code.call3_answered)


def _failed_sources(call: CallResult) -> Iterator[Finding]:
    for s in call.sources:
        if s.failed:
            yield Finding(
                Code.call1_source_failed if call.call == "call1" else Code.call3_source_failed,
                "check",
                f"{call.call}: source {s.logical_address or '(no logicalAddress)'} failed "
                f"({_status(s)}"
                + (f": {s.error}" if s.error else "")
                + "); an appointment from it cannot have been received.",
                facility=s.logical_address,
                call=call.call,
            )


def why_not_shown(
    logic: str, copies: Sequence[Appointment], situation: Situation
) -> tuple[Missing, str]:
    """Why `logic` does not show a booked time that other logics show.

    `copies` are every record of that booked time received by any call, filtered ones too:
    a copy call1 returned but the rules filtered is not "call1 answered without it".
    """
    received = [a for a in copies if a.verdict != "filtered"] or list(copies)
    facility = (received[0].record.facility_hsa_id or "") if received else ""
    found_by = ", ".join(c for c in CALL_PRIORITY if c in {a.record.call for a in received})
    call1, status = situation.call1, situation.source(facility)
    if logic == "target":
        mine = [a for a in copies if a.record.call == "call1"]
        if call1 is None or call1.failed:
            return Missing.call1_failed, f"call1 failed as a whole; only {found_by} found it"
        if mine and all(a.verdict == "filtered" for a in mine):
            return Missing.filtered_in_call1, (
                f"call1 returned it, but its copy {mine[0].id} was filtered out ({mine[0].reason})"
            )
        if status is None:
            return Missing.not_in_engagement_index, (
                f"{facility} is not in the engagement index (call1 did not call it); "
                f"only {found_by} found it"
            )
        if status.failed:
            return Missing.call1_source_failed, (
                f"call1 called {facility} but it failed there ({_status(status)})"
            )
        return Missing.not_returned_by_call1, f"call1 called {facility} and it answered without it"
    if logic == "current":
        if status is not None and status.failed and call1 is not None and call1.answered:
            return Missing.call2_excluded_lost, (
                f"only the direct call found it: {facility} is excluded from call2 because call1 "
                f"called it, although it failed there ({_status(status)})"
            )
        return Missing.call2_excluded, (
            f"call1 called {facility} and answered without it, so call2 did not call it"
        )
    if hsa_key(facility) not in situation.listed:
        return Missing.not_in_relation_list, (
            f"only call1 found it, and {facility} is not in the relation list"
        )
    direct = situation.direct.get(hsa_key(facility))
    if direct is not None and direct.failed:
        return Missing.call2_failed, f"the direct call to {facility} failed ({direct.outcome})"
    mine = [a for a in copies if a.record.call == "call2"]
    if mine and all(a.verdict == "filtered" for a in mine):
        return Missing.filtered_in_call2, (
            f"the direct call returned it, but its copy {mine[0].id} was filtered out ({mine[0].reason})"
        )
    return Missing.not_returned_by_call2, f"the direct call to {facility} answered without it"
