"""GetSubjectOfCareSchedule v1 (crm:scheduling 1.1): used by call1 (aggregated) and call2 (direct)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from bokade_cli.contracts.base import (
    Contract,
    Parsed,
    RequestParams,
    require_response,
    unknown_children,
)
from bokade_cli.models import CONTRACT_SCHEDULING, CallId, Record
from bokade_cli.xmlparse import Node, boolean, child, children, key, text

NS_RESPONDER = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
NS_CORE = "urn:riv:crm:scheduling:1"
NS_EXT = "urn:riv:crm:scheduling:1.1"

_FIELDS = (
    "startTimeInclusive endTimeExclusive healthcare_facility performer bookingId subject_of_care "
    "purpose reason resourceName healthcare_facility_name performerName resourceID timeTypeName "
    "timeTypeID careTypeName careTypeID cancel_booking_allowed rebooking_allowed message_allowed"
).split()
_KNOWN = frozenset([key(NS_CORE, f) for f in _FIELDS] + [key(NS_EXT, "isInvitation")])


def build_body(params: RequestParams) -> str:
    return (
        f'<sched:GetSubjectOfCareSchedule xmlns:sched="{NS_RESPONDER}">'
        f"<sched:healthcare_facility>{escape(params.logical_address)}</sched:healthcare_facility>"
        f"<sched:subject_of_care>{escape(params.subject_of_care)}</sched:subject_of_care>"
        "</sched:GetSubjectOfCareSchedule>"
    )


def parse(body: Node, call: CallId, target: int) -> Parsed:
    response = require_response(body, NS_RESPONDER, "GetSubjectOfCareScheduleResponse")
    records, notes = [], []
    for index, slot in enumerate(children(response, NS_RESPONDER, "timeslotDetail")):

        def field(local: str, slot: Node = slot) -> str | None:
            return text(child(slot, NS_CORE, local))

        unknown = unknown_children(slot, _KNOWN, f"timeslotDetail #{index + 1}")
        notes += unknown
        records.append(
            Record(
                call=call,
                kind="scheduling",
                order=(target, index),
                facility_hsa_id=field("healthcare_facility"),
                facility_name=field("healthcare_facility_name"),
                raw_start=field("startTimeInclusive"),
                raw_end=field("endTimeExclusive"),
                booking_id=field("bookingId"),
                invitation=bool(boolean(text(child(slot, NS_EXT, "isInvitation")))),
                unknown_elements=tuple(unknown),
            )
        )
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
