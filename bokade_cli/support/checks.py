"""What each call of a current-logic collection did for one facility, as coded check findings.

call1: was the facility in the engagement index (its ProcessingStatus) and did it answer there;
the relation list; call2: called directly, excluded because call1 called it (and lost when it
failed there), or failed; call3: did the care-contact services and their sources answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from bokade_cli.models import CallResult, CollectionResult, SourceStatus

Kind = Literal["verdict", "check", "hint"]


@dataclass(frozen=True)
class Finding:
    """One coded sentence of an explanation; the code is stable, the message may change."""

    code: str
    kind: Kind
    message: str
    appointment: str | None = None
    facility: str | None = None
    call: str | None = None


def facility_checks(
    result: CollectionResult, relations: Sequence[str], facility: str, received: bool
) -> Iterator[Finding]:
    """call1 (engagement index), the relation list and call2 for one facility."""
    call1 = call_of(result, "call1")
    if call1 is not None:
        yield _call1_check(call1, facility, received)
    in_list = any(hsa_key(r) == hsa_key(facility) for r in relations)
    if not in_list:
        listed = f"{len(relations)} facilities given" if relations else "none was given"
        yield Finding(
            "not_in_relation_list",
            "check",
            f"{facility} is not in the citizen's relation list (mottagningsrelation; {listed}), "
            "so call2 never calls it.",
            facility=facility,
        )
        return
    yield Finding(
        "in_relation_list",
        "check",
        f"{facility} is in the citizen's relation list (mottagningsrelation).",
        facility=facility,
    )
    call2 = next(
        (
            c
            for c in result.calls
            if c.call == "call2" and hsa_key(c.logical_address) == hsa_key(facility)
        ),
        None,
    )
    if call2 is not None:
        yield _call2_check(call2, source_of(call1, facility) if call1 else None, received)


def _call1_check(call1: CallResult, facility: str, received: bool) -> Finding:
    status = source_of(call1, facility)
    if call1.failed:
        return Finding(
            "call1_failed",
            "check",
            f"call1 (the aggregating service) failed as a whole: {call1.outcome}: {call1.message} "
            "Nothing was excluded from call2, so every relation facility was called directly.",
            call="call1",
        )
    if status is None:
        return Finding(
            "not_in_engagement_index",
            "check",
            f"call1 answered but did not call {facility}: the facility is not in the engagement "
            f"index for this citizen (not among the {len(call1.sources)} facilities in call1's "
            "ProcessingStatus).",
            facility=facility,
            call="call1",
        )
    if status.failed:
        return Finding(
            "call1_source_failed",
            "check",
            f"call1 called {facility} (it is in the engagement index) but it failed there: "
            f"{status.status}" + (f": {status.error}." if status.error else "."),
            facility=facility,
            call="call1",
        )
    return Finding(
        "call1_answered",
        "check",
        f"call1 called {facility} (it is in the engagement index) and it answered "
        f"({status.status})" + ("." if received else ", without this appointment."),
        facility=facility,
        call="call1",
    )


def _call2_check(call2: CallResult, status: SourceStatus | None, received: bool) -> Finding:
    facility = call2.logical_address
    if call2.outcome == "skipped" and status is not None and status.failed:
        code, message = (
            "call2_excluded_lost",
            f"call2 did not call {facility} directly because call1 had already called it — "
            "although it failed there. 1177 excludes it all the same, so its appointments are "
            "lost from this collection.",
        )
    elif call2.outcome == "skipped":
        code, message = (
            "call2_excluded",
            f"call2 did not call {facility} directly because call1 already called it and it "
            "answered there.",
        )
    elif call2.failed:
        code, message = (
            "call2_failed",
            f"The direct call to {facility} (call2) failed: {call2.outcome}: {call2.message}",
        )
    else:
        none = "" if received else ", none of them this appointment"
        code, message = (
            "call2_answered",
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
                "call3_failed",
                "check",
                f"{call.call} (GetCareContacts {version}) failed: {call.outcome}: {call.message}",
                call=call.call,
            )
            continue
        yield Finding(
            "call3_answered",
            "check",
            f"{call.call} (GetCareContacts {version}) answered: {len(call.sources)} sources, "
            f"{len(call.records)} records, none of them this appointment.",
            call=call.call,
        )
        yield from _failed_sources(call)


def failures(result: CollectionResult) -> Iterator[Finding]:
    """Without a facility: every failure that could have hidden the appointment."""
    call1 = call_of(result, "call1")
    if call1 is not None and call1.failed:
        yield _call1_check(call1, "", False)
    elif call1 is not None:
        yield from _failed_sources(call1)
    for call in result.calls:
        status = source_of(call1, call.logical_address) if call1 else None
        lost = call.outcome == "skipped" and status is not None and status.failed
        if call.call == "call2" and (lost or call.failed):
            yield _call2_check(call, status, False)
    yield from (f for f in call3_checks(result) if f.code != "call3_answered")


def _failed_sources(call: CallResult) -> Iterator[Finding]:
    for s in call.sources:
        if s.failed:
            yield Finding(
                "call1_source_failed" if call.call == "call1" else "call3_source_failed",
                "check",
                f"{call.call}: source {s.logical_address} failed ({s.status}"
                + (f": {s.error}" if s.error else "")
                + "); an appointment from it cannot have been received.",
                facility=s.logical_address,
                call=call.call,
            )


def call_of(result: CollectionResult, call_id: str) -> CallResult | None:
    return next((c for c in result.calls if c.call == call_id), None)


def source_of(call: CallResult, facility: str) -> SourceStatus | None:
    return next((s for s in call.sources if hsa_key(s.logical_address) == hsa_key(facility)), None)


def hsa_key(hsa_id: str | None) -> str:
    return (hsa_id or "").strip().casefold()
