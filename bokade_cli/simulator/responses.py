"""The contracts' response bodies as XML text: timeslotDetail, careContact and their wrappers."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from .envelopes import CARE_CONTACTS_NS, SCHEDULING_NS, timestamp
from .scenario import Booking, CareContact, CodedValue, TimeValue
from .tables import BOOKING_EXTRAS
from .times import RelativeTime

# TimeslotType is a sequence: its children must come in this order (optional extras are slotted
# in by name). They are in urn:riv:crm:scheduling:1, isInvitation in ...:1.1.
_TIMESLOT_ORDER = (
    "startTimeInclusive", "endTimeExclusive", "healthcare_facility", "performer", "bookingId",
    "subject_of_care", "purpose", "reason", "resourceName", "healthcare_facility_name",
    "performerName", "resourceID", "timeTypeName", "timeTypeID", "careTypeName", "careTypeID",
    "cancel_booking_allowed", "rebooking_allowed", "message_allowed",
)  # fmt: skip


def _el(name: str, value: str | None) -> str:
    return "" if value is None else f"<{name}>{escape(value)}</{name}>"


def _times(
    start: TimeValue, end: TimeValue, duration_min: int, now: datetime
) -> tuple[str | None, str | None]:
    start_text = start.render(now) if isinstance(start, RelativeTime) else start
    if isinstance(end, RelativeTime):
        return start_text, end.render(now)
    if end is None and isinstance(start, RelativeTime) and duration_min:
        return start_text, timestamp(start.resolve(now) + timedelta(minutes=duration_min))
    return start_text, end


def timeslot(booking: Booking, now: datetime) -> str:
    start, end = _times(booking.start, booking.end, booking.duration_min, now)
    values: dict[str, str | None] = {
        "startTimeInclusive": start,
        "endTimeExclusive": end,
        "healthcare_facility": booking.facility,  # "" stays an empty element: missing_facility
        "bookingId": booking.booking_id,
        "subject_of_care": booking.citizen,
        "healthcare_facility_name": booking.facility_name,
    }
    values.update((BOOKING_EXTRAS[key], text) for key, text in booking.extras)
    inner = "".join(_el(name, values.get(name)) for name in _TIMESLOT_ORDER)
    invitation = "true" if booking.invitation else "false"
    return (
        f"<ns2:timeslotDetail>{inner}<ns3:isInvitation>{invitation}</ns3:isInvitation>"
        "</ns2:timeslotDetail>"
    )


def scheduling_response(items: list[str]) -> str:
    # Prefixes differ from any request's on purpose: consumers must read namespaces, not prefixes.
    return (
        f'<ns2:GetSubjectOfCareScheduleResponse xmlns:ns2="{SCHEDULING_NS}" '
        'xmlns="urn:riv:crm:scheduling:1" xmlns:ns3="urn:riv:crm:scheduling:1.1">'
        f"{''.join(items)}</ns2:GetSubjectOfCareScheduleResponse>"
    )


def _coded(name: str, value: CodedValue) -> str:
    inner = (
        _el("code", value.code)
        + _el("codeSystem", value.code_system)
        + _el("displayName", value.display_name)
        + _el("originalText", value.original_text)
    )
    return f"<{name}>{inner}</{name}>"


def care_contact(
    contact: CareContact, version: int, patient: tuple[str, str], now: datetime
) -> str:
    """One careContact; v2 and v3 differ in the header, the org unit and the status type."""
    start, end = _times(contact.start, contact.end, 0, now)
    header = _el("documentId", contact.document_id) + _el("sourceSystemHSAId", contact.source)
    header += f"<patientId>{_el('id', patient[0])}{_el('type', patient[1])}</patientId>"
    if version == 3:  # mandatory in v3; authorTime is when the contact was registered
        author_time = timestamp(now - timedelta(days=1))
        header += (
            f"<accountableHealthcareProfessional><authorTime>{author_time}</authorTime>"
            "</accountableHealthcareProfessional>"
        )
    header += _el("approvedForPatient", "true" if contact.approved_for_patient else "false")
    if contact.nullified is not None:
        header += _el("nullified", "true" if contact.nullified else "false")
    body = "<careContactCode>1</careContactCode>" if version == 2 else ""  # 1 = Besök
    if contact.org_unit or version == 2:
        # NOTE: v2 makes orgUnitHSAId and orgUnitName mandatory, so a contact without a facility
        # can only be sent as empty elements there; v3 lets the whole org unit be left out.
        name = contact.org_unit_name or ("" if version == 2 else None)
        body += (
            f"<careContactOrgUnit>{_el('orgUnitHSAId', contact.org_unit)}"
            f"{_el('orgUnitName', name)}</careContactOrgUnit>"
        )
    # A v2 contact without start breaks the schema (start is mandatory there): test input only.
    body += f"<careContactTimePeriod>{_el('start', start)}{_el('end', end)}</careContactTimePeriod>"
    if version == 2 and contact.status_v2 is not None:
        body += _el("careContactStatus", str(contact.status_v2))
    if version == 3 and contact.status_v3 is not None:
        body += _coded("careContactStatus", contact.status_v3)
    return (
        f"<ns2:careContact><careContactHeader>{header}</careContactHeader>"
        f"<careContactBody>{body}</careContactBody></ns2:careContact>"
    )


def care_contacts_response(version: int, items: list[str], log_id: str) -> str:
    core = f"urn:riv:clinicalprocess:logistics:logistics:{version}"
    result = ""
    if version == 3:  # v3 has a mandatory result after the contacts
        result = (
            f"<ns2:result><resultCode>OK</resultCode><logId>{escape(log_id)}</logId></ns2:result>"
        )
    return (
        f'<ns2:GetCareContactsResponse xmlns:ns2="{CARE_CONTACTS_NS[version]}" xmlns="{core}">'
        f"{''.join(items)}{result}</ns2:GetCareContactsResponse>"
    )
