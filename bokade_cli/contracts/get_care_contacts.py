"""GetCareContacts v2 and v3 (clinicalprocess:logistics:logistics): call3-v2 and call3-v3."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from bokade_cli.contracts.base import (
    Contract,
    Parsed,
    RequestParams,
    add_years,
    read_body,
    response_notes,
    time_notes,
)
from bokade_cli.contracts.shape import shape, unread
from bokade_cli.contracts.values import DOUBTFUL_TEXT, at, is_doubtful, one, raw, value
from bokade_cli.models import CONTRACT_CARE_CONTACTS, CallId, Record
from bokade_cli.quoting import quote
from bokade_cli.xmlparse import Node, boolean, children

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
        responses, notes = read_body(body, responder, name)
        contacts = [c for r in responses for c in children(r, responder, "careContact")]
        records = []
        for index, contact in enumerate(contacts):
            where = f"careContact #{index + 1}"
            header = one(contact, core, "careContactHeader")
            content = one(contact, core, "careContactBody")
            org = one(content, core, "careContactOrgUnit")
            period = one(content, core, "careContactTimePeriod")
            unknown = unread(contact, contact_shape, where)
            raw_start = raw(one(period, core, "start"))
            raw_end = raw(one(period, core, "end"))
            unknown += time_notes(raw_start, raw_end, where)
            status = one(content, core, "careContactStatus")
            status_code, status_texts = _status(status, core, version)
            approved_node = one(header, core, "approvedForPatient")
            nullified_node = one(header, core, "nullified")
            approved = value(approved_node, DOUBTFUL_TEXT)
            nullified = value(nullified_node, DOUBTFUL_TEXT)
            for field, node in (
                ("approvedForPatient", approved_node),
                ("nullified", nullified_node),
            ):
                said = value(node)
                if said is not None and boolean(said) is None:
                    unknown.append(f"{where}: {field} {quote(said)} is not a boolean")
            if version == 2 and status_code is not None and not is_doubtful(status):
                if not _sane_int(status_code):
                    unknown.append(
                        f"{where}: careContactStatus {quote(status_code)} is not an xs:int"
                    )
            notes += unknown
            records.append(
                Record(
                    call=call,
                    kind="care_contact",
                    order=(target, index),
                    facility_hsa_id=value(one(org, core, "orgUnitHSAId")),
                    facility_name=value(one(org, core, "orgUnitName")),
                    raw_start=raw_start,
                    raw_end=raw_end,
                    booking_id=value(one(header, core, "documentId")),
                    source_system=value(one(header, core, "sourceSystemHSAId")),
                    document_id=value(one(header, core, "documentId")),
                    approved_for_patient=boolean(approved),
                    approved_raw=approved,
                    # Conservative: a nullified given as both true and false counts as true.
                    nullified=True if is_doubtful(nullified_node) else boolean(nullified),
                    nullified_raw=nullified,
                    status_code=status_code,
                    status_text=status_texts[0] if status_texts else None,
                    status_texts=status_texts,
                    unknown_elements=tuple(unknown),
                )
            )
        for response in responses:
            notes += response_notes(response, response_shape, name, "careContact")
            if version == 3:
                notes += _result_notes(one(response, responder, "result"), core)
        return Parsed(tuple(records), tuple(notes))

    return parse


def _status(status: Node, core: str, version: int) -> tuple[str | None, tuple[str, ...]]:
    """(code, texts) of careContactStatus: v2's is an int, v3's a CV (code, displayName, ...).

    A doubtful part makes the whole status doubtful, so no text can vouch for a record whose
    code was given twice: the code reads as DOUBTFUL_TEXT, which no rule takes as booked.
    """
    if version == 2:
        return value(status, DOUBTFUL_TEXT), ()
    parts = [one(status, core, local) for local in ("code", "displayName", "originalText")]
    if any(is_doubtful(p) for p in parts):
        return DOUBTFUL_TEXT, ()
    code, *names = (value(p) for p in parts)
    return code, tuple(n for n in names if n)


def _result_notes(result: Node, core: str) -> list[str]:
    """v3's mandatory result: anything but OK is worth a line (the records still count)."""
    code = value(at(result, core, "resultCode"), DOUBTFUL_TEXT)
    if result is None or code == "OK":
        return []
    message = value(at(result, core, "message"))
    return [
        f"GetCareContactsResponse/result: resultCode {code or '(missing)'}"
        + (f": {message}" if message else "")
    ]


def _sane_int(value: str) -> bool:
    digits = value.strip().lstrip("+-").lstrip("0") or "0"
    return digits.isascii() and digits.isdigit() and len(digits) <= 10


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
