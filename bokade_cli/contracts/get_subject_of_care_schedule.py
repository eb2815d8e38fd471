"""GetSubjectOfCareSchedule v1 (crm:scheduling 1.1): used by call1 (aggregated) and call2 (direct)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from bokade_cli.contracts.base import (
    Contract,
    Parsed,
    RequestParams,
    read_body,
    response_notes,
    time_notes,
)
from bokade_cli.contracts.shape import shape, unread
from bokade_cli.contracts.values import pick, raw, value
from bokade_cli.models import CONTRACT_SCHEDULING, CallId, Record
from bokade_cli.quoting import quote
from bokade_cli.xmlparse import Node, boolean, children, key

NS_RESPONDER = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
NS_CORE = "urn:riv:crm:scheduling:1"
NS_EXT = "urn:riv:crm:scheduling:1.1"

_FIELDS = (
    "startTimeInclusive endTimeExclusive healthcare_facility performer bookingId subject_of_care "
    "purpose reason resourceName healthcare_facility_name performerName resourceID timeTypeName "
    "timeTypeID careTypeName careTypeID cancel_booking_allowed rebooking_allowed message_allowed"
).split()
_KEY = {f: key(NS_CORE, f) for f in _FIELDS}  # built once: 1,000 slots look each one up
_INVITATION = key(NS_EXT, "isInvitation")
SLOT = {**shape(NS_CORE, dict.fromkeys(_FIELDS)), _INVITATION: None}
RESPONSE = shape(NS_RESPONDER, {"timeslotDetail": SLOT})


def build_body(params: RequestParams) -> str:
    return (
        f'<sched:GetSubjectOfCareSchedule xmlns:sched="{NS_RESPONDER}">'
        f"<sched:healthcare_facility>{escape(params.logical_address)}</sched:healthcare_facility>"
        f"<sched:subject_of_care>{escape(params.subject_of_care)}</sched:subject_of_care>"
        "</sched:GetSubjectOfCareSchedule>"
    )


def parse(body: Node, call: CallId, target: int) -> Parsed:
    name = "GetSubjectOfCareScheduleResponse"
    responses, notes = read_body(body, NS_RESPONDER, name)
    slots = [s for r in responses for s in children(r, NS_RESPONDER, "timeslotDetail")]
    records = []
    for index, slot in enumerate(slots):
        if not isinstance(slot, dict):
            slot = {}  # an empty <timeslotDetail/>: a record with nothing in it
        get = slot.get
        where = f"timeslotDetail #{index + 1}"
        unknown = unread(slot, SLOT, where)
        raw_start = raw(pick(get(_KEY["startTimeInclusive"])))
        raw_end = raw(pick(get(_KEY["endTimeExclusive"])))
        unknown += time_notes(raw_start, raw_end, where)
        invitation = value(pick(get(_INVITATION)))
        if invitation is not None and boolean(invitation) is None:
            # Read as "not an invitation", as an absent one; the note says the value was odd.
            unknown.append(f"{where}: isInvitation {quote(invitation)} is not a boolean")
        notes += unknown
        records.append(
            Record(
                call=call,
                kind="scheduling",
                order=(target, index),
                facility_hsa_id=value(pick(get(_KEY["healthcare_facility"]))),
                facility_name=value(pick(get(_KEY["healthcare_facility_name"]))),
                raw_start=raw_start,
                raw_end=raw_end,
                booking_id=value(pick(get(_KEY["bookingId"]))),
                invitation=bool(boolean(invitation)),
                unknown_elements=tuple(unknown),
            )
        )
    for response in responses:
        notes += response_notes(response, RESPONSE, name, "timeslotDetail")
    return Parsed(tuple(records), tuple(notes))


CONTRACT = Contract(
    key="GetSubjectOfCareSchedule",
    name=CONTRACT_SCHEDULING,
    namespace=NS_RESPONDER,
    soap_action="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule",
    sends_actor=True,
    build_body=build_body,
    parse=parse,
)
