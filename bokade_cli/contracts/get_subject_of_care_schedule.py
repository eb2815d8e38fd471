"""GetSubjectOfCareSchedule v1 (crm:scheduling 1.1): used by call1 (aggregated) and call2 (direct)."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from bokade_cli.contracts.base import (
    Contract,
    Parsed,
    RequestParams,
    require_response,
    unknown_children,
)
from bokade_cli.models import CONTRACT_SCHEDULING, CallId, Record
from bokade_cli.xmlparse import Node, boolean, children, key, text, value_text

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
_KNOWN = frozenset([*_KEY.values(), _INVITATION])


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
        if not isinstance(slot, dict):
            slot = {}  # an empty <timeslotDetail/>: a record with nothing in it

        def field(local: str, get: Callable[[str], Node] = slot.get) -> str | None:
            return text(get(_KEY[local]))

        def time(local: str, get: Callable[[str], Node] = slot.get) -> str | None:
            return value_text(get(_KEY[local]))

        unknown = unknown_children(slot, _KNOWN, f"timeslotDetail #{index + 1}")
        notes += unknown
        records.append(
            Record(
                call=call,
                kind="scheduling",
                order=(target, index),
                facility_hsa_id=field("healthcare_facility"),
                facility_name=field("healthcare_facility_name"),
                raw_start=time("startTimeInclusive"),
                raw_end=time("endTimeExclusive"),
                booking_id=field("bookingId"),
                invitation=bool(boolean(text(slot.get(_INVITATION)))),
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
