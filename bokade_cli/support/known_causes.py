"""The seed's known causes of missing or broken appointments, as hints, and filter details in words.

`hints_for` decides where a known cause fits from the codes of the checks already made; the
texts follow the seed ("Tider som inte visas", the prerequisites and the known rebook case).
"""

from __future__ import annotations

from bokade_cli.models import Appointment
from bokade_cli.quoting import quote
from bokade_cli.support.codes import Code

MATCH = {
    "booking_id": "facility and bookingId",
    "document_id": "source system and documentId",
    "facility_start": "facility and start time to the minute",
}
FAILURES = frozenset(
    {
        "call1_failed",
        "call1_source_failed",
        "call2_excluded_lost",
        "call2_failed",
        "call3_failed",
        "call3_source_failed",
    }
)

ENGAGEMENT_INDEX_RECEIVED = (
    "The facility's booking system does not update the engagement index (Engagemangsindex) for "
    "this citizen, so only call2 or call3 find its appointments: under the target logic (call1 "
    "only) they will vanish. The facility should update the index as the scheduling contract "
    "description says."
)
ENGAGEMENT_INDEX_MISSING = (
    "The facility's booking system does not update the engagement index (Engagemangsindex) for "
    "this citizen, so call1 cannot find its appointments; only a relation (call2) could."
)
PHONE_OR_VISIT = (
    "Known cause: booked by phone or at a visit at a facility that is not on the citizen's start "
    "page (neither under Mottagningar nor in the listing service). Without a relation nothing "
    "calls the facility; adding it on the start page creates one."
)
OTHER_SERVICES = (
    "Known cause: booked through a service under 'Övriga tjänster' (other services). Such "
    "bookings create no relation (mottagningsrelation), so only the engagement index can find them."
)
NOT_ACTIVATED = (
    "If the citizen still does not see it on 1177: the facility must be activated in the 1177 "
    "e-services and have activated the service for booked times ('Om/avboka tid direkt' / "
    "'Mina tidsbokningar'; the name varies)."
)
REBOOK_SELECTION = (
    "Known case: if the time is shown but rebooking or cancelling it fails, the citizen is "
    "outside the selection (urval) of the facility's rebook/cancel service; the time itself is "
    "correct. The facility must widen that service's selection."
)
RETRY = (
    "A call or source failed in this run, so the appointment may not have been delivered: run "
    "again later; if it persists, report the x-skltp-correlation-id (shown with -v) to the platform."
)
ASK_FACILITY = (
    "The facility answered, but without this appointment: it is not booked in the system behind "
    "this HSA-id (booked under another unit, moved or cancelled). Check with the facility."
)
GIVE_FACILITY = (
    "Nothing matched; give --facility HSAID (and --start) to see what each call did for that "
    "facility."
)


def hints_for(found: list[tuple[str, str | None]]) -> list[tuple[Code, str, str | None]]:
    """(code, message, facility) for each known cause that fits the findings (code, facility)."""
    codes = {code for code, _ in found}
    received = "not_received" not in codes
    hints: list[tuple[Code, str, str | None]] = []
    for code, facility in found:
        if code != "not_in_engagement_index":
            continue
        text = ENGAGEMENT_INDEX_RECEIVED if received else ENGAGEMENT_INDEX_MISSING
        hints.append((Code.hint_engagement_index, text, facility))
        if not received and ("not_in_relation_list", facility) in found:
            hints.append((Code.hint_phone_or_visit, PHONE_OR_VISIT, facility))
            hints.append((Code.hint_other_services, OTHER_SERVICES, facility))
    if codes & {"shown", "duplicate"}:
        hints.append((Code.hint_not_activated, NOT_ACTIVATED, None))
        hints.append((Code.hint_rebook_selection, REBOOK_SELECTION, None))
    if not received and codes & FAILURES:
        hints.append((Code.hint_retry, RETRY, None))
    elif not received and codes & {"call1_answered", "call2_answered"}:
        hints.append((Code.hint_ask_facility, ASK_FACILITY, None))
    return hints


def filter_detail(a: Appointment) -> str:
    """The offending value of a filtered record, in words (the rules named value and limit)."""
    r = a.record
    value = a.offending
    shown = _short(value)
    if a.reason == "missing_start":
        return "it has no start time (absent or empty)"
    if a.reason == "bad_time_format":
        which = "start" if value == r.raw_start else "end"
        return f"its {which} {shown} is not a valid YYYYMMDDhhmmss calendar time"
    if a.reason == "missing_facility":
        return "it names no facility (the HSA-id is absent or empty)"
    if a.reason == "start_passed":
        return f"it started {_minutes(a.start)} (raw {value}), before now ({_minutes(a.limit)})"
    if a.reason == "beyond_3_years":
        return (
            f"it starts {_minutes(a.start)} (raw {value}), more than 3 calendar years after now "
            f"(the limit is {_minutes(a.limit)})"
        )
    if a.reason == "not_approved_for_patient":
        if r.approved_for_patient is None:
            written = "missing" if value is None else f"{shown}, not a boolean"
            return (
                f"approvedForPatient is {written}: the contract makes it mandatory, so the "
                "contact counts as not released to the patient"
            )
        return "approvedForPatient is false: the care unit has not released it to the patient"
    if a.reason == "nullified":
        return "nullified is true: the care contact has been annulled"
    status = " / ".join(_short(v) for v in (r.status_code, r.status_text) if v is not None)
    return f"its status {status} does not mean a booked, upcoming contact"


def _short(value: str | None) -> str:
    if value is None:
        return "(none)"
    return quote(value, 40)


def _minutes(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")
