"""GetCareContacts v2 and v3 (clinicalprocess:logistics:logistics): call3-v2 and call3-v3."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from bokade_cli.contracts.base import (
    Contract,
    Parsed,
    RequestParams,
    add_years,
    misplaced_records,
    require_response,
    time_notes,
)
from bokade_cli.contracts.shape import shape, unread
from bokade_cli.models import CONTRACT_CARE_CONTACTS, CallId, Record
from bokade_cli.xmlparse import Node, boolean, child, children, path_text, raw_value, text

_RESPONDER = "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:{v}"
_CORE = "urn:riv:clinicalprocess:logistics:logistics:{v}"

_CV = dict.fromkeys(
    ("code", "codeSystem", "codeSystemName", "codeSystemVersion", "displayName", "originalText")
)
_ORG_UNIT = dict.fromkeys(
    ("orgUnitHSAId", "orgUnitName", "orgUnitTelecom", "orgUnitEmail", "orgUnitAddress")
    + ("orgUnitLocation",)
)


def _shapes(version: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(careContact, GetCareContactsResponse) as the version's schema defines them."""
    core = _CORE.format(v=version)
    cv, org = shape(core, _CV), shape(core, _ORG_UNIT)
    professional = {
        "authorTime": None,
        "healthcareProfessionalHSAId": None,
        "healthcareProfessionalName": None,
        "healthcareProfessionalRoleCode": cv,
        "healthcareProfessionalOrgUnit": org,
        "healthcareProfessionalCareUnitHSAId": None,
        "healthcareProfessionalCareGiverHSAId": None,
    }
    header: dict[str, Any] = {
        "documentId": None,
        "sourceSystemHSAId": None,
        "patientId": shape(core, {"id": None, "type": None}),
        "accountableHealthcareProfessional": shape(core, professional),
        "approvedForPatient": None,
        "nullified": None,
        "nullifiedReason": None,
    }
    body: dict[str, Any] = {
        "careContactCode": cv if version == 3 else None,
        "careContactReason": None,
        "careContactOrgUnit": org,
        "careContactTimePeriod": shape(core, {"start": None, "end": None}),
        "careContactStatus": cv if version == 3 else None,
    }
    if version == 3:
        header |= {"documentTitle": None, "documentTime": None, "careContactId": None}
        header["legalAuthenticator"] = shape(
            core,
            dict.fromkeys(("signatureTime", "legalAuthenticatorHSAId", "legalAuthenticatorName")),
        )
        partial_date = shape(core, {"format": None, "value": None})
        body["additionalPatientInformation"] = shape(
            core, {"dateOfBirth": partial_date, "gender": cv}
        )
    contact = shape(
        core, {"careContactHeader": shape(core, header), "careContactBody": shape(core, body)}
    )
    result = dict.fromkeys(("resultCode", "errorCode", "logId", "subCode", "message"))
    response = shape(
        _RESPONDER.format(v=version),
        {"careContact": contact, **({"result": shape(core, result)} if version == 3 else {})},
    )
    return contact, response


def _build_body(version: int, period_element: str):  # type: ignore[no-untyped-def]
    responder, core = _RESPONDER.format(v=version), _CORE.format(v=version)

    def build_body(params: RequestParams) -> str:
        start = params.today.strftime("%Y%m%d")
        end = add_years(params.today, 3).strftime("%Y%m%d")
        return (
            f'<gcc:GetCareContacts xmlns:gcc="{responder}" xmlns:core="{core}">'
            "<gcc:patientId>"
            f"<core:id>{escape(params.subject_of_care)}</core:id>"
            f"<core:type>{escape(params.id_type)}</core:type>"
            "</gcc:patientId>"
            f"<gcc:{period_element}><core:start>{start}</core:start><core:end>{end}</core:end>"
            f"</gcc:{period_element}>"
            "</gcc:GetCareContacts>"
        )

    return build_body


def _parse(version: int):  # type: ignore[no-untyped-def]
    responder, core = _RESPONDER.format(v=version), _CORE.format(v=version)
    contact_shape, response_shape = _shapes(version)
    name = "GetCareContactsResponse"

    def parse(body: Node, call: CallId, target: int) -> Parsed:
        response = require_response(body, responder, name)
        records, notes = [], []
        for index, contact in enumerate(children(response, responder, "careContact")):
            where = f"careContact #{index + 1}"
            header = child(contact, core, "careContactHeader")
            content = child(contact, core, "careContactBody")
            org = child(content, core, "careContactOrgUnit")
            period = child(content, core, "careContactTimePeriod")
            status = child(content, core, "careContactStatus")
            unknown = unread(contact, contact_shape, where)
            raw_start = raw_value(child(period, core, "start"))
            raw_end = raw_value(child(period, core, "end"))
            unknown += time_notes(raw_start, raw_end, where)
            status_texts: tuple[str, ...] = ()
            if version == 2:
                status_code = text(status)
            else:
                status_code = path_text(status, core, "code")
                names = (path_text(status, core, n) for n in ("displayName", "originalText"))
                status_texts = tuple(n for n in names if n)
            approved = path_text(header, core, "approvedForPatient")
            nullified = path_text(header, core, "nullified")
            for field, value in (("approvedForPatient", approved), ("nullified", nullified)):
                if value is not None and boolean(value) is None:
                    unknown.append(f"{where}: {field} {_short(value)} is not a boolean")
            if version == 2 and status_code is not None and not _sane_int(status_code):
                unknown.append(f"{where}: careContactStatus {_short(status_code)} is not an xs:int")
            notes += unknown
            records.append(
                Record(
                    call=call,
                    kind="care_contact",
                    order=(target, index),
                    facility_hsa_id=path_text(org, core, "orgUnitHSAId"),
                    facility_name=path_text(org, core, "orgUnitName"),
                    raw_start=raw_start,
                    raw_end=raw_end,
                    booking_id=path_text(header, core, "documentId"),
                    source_system=path_text(header, core, "sourceSystemHSAId"),
                    document_id=path_text(header, core, "documentId"),
                    approved_for_patient=boolean(approved),
                    approved_raw=approved,
                    nullified=boolean(nullified),
                    nullified_raw=nullified,
                    status_code=status_code,
                    status_text=status_texts[0] if status_texts else None,
                    status_texts=status_texts,
                    unknown_elements=tuple(unknown),
                )
            )
        notes += misplaced_records(response, response_shape, name, "careContact")
        if version == 3:
            notes += _result_notes(child(response, responder, "result"), core)
        return Parsed(tuple(records), tuple(notes))

    return parse


def _result_notes(result: Node, core: str) -> list[str]:
    """v3's mandatory result: anything but OK is worth a line (the records still count)."""
    code = path_text(result, core, "resultCode")
    if result is None or code == "OK":
        return []
    message = path_text(result, core, "message")
    return [
        f"GetCareContactsResponse/result: resultCode {code or '(missing)'}"
        + (f": {message}" if message else "")
    ]


def _sane_int(value: str) -> bool:
    digits = value.strip().lstrip("+-").lstrip("0") or "0"
    return digits.isascii() and digits.isdigit() and len(digits) <= 10


def _short(value: str) -> str:
    return repr(value) if len(value) <= 40 else f"{value[:40]!r}... ({len(value)} characters)"


V2 = Contract(
    key="GetCareContacts/2",
    name=CONTRACT_CARE_CONTACTS,
    namespace=_RESPONDER.format(v=2),
    # NOTE: v2's SOAPAction really says ehr:patientsummary although the namespace does not.
    soap_action="urn:riv:ehr:patientsummary:GetCareContactsResponder:2:GetCareContacts",
    sends_actor=False,
    build_body=_build_body(2, "timePeriod"),
    parse=_parse(2),
)

V3 = Contract(
    key="GetCareContacts/3",
    name=CONTRACT_CARE_CONTACTS,
    namespace=_RESPONDER.format(v=3),
    soap_action="urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:3:GetCareContacts",
    sends_actor=False,
    build_body=_build_body(3, "datePeriod"),
    parse=_parse(3),
)
