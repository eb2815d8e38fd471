"""GetCareContacts v2 and v3 (clinicalprocess:logistics:logistics): call3-v2 and call3-v3."""

from __future__ import annotations

from xml.sax.saxutils import escape

from bokade_cli.contracts.base import (
    Contract,
    Parsed,
    RequestParams,
    add_years,
    require_response,
    unknown_children,
)
from bokade_cli.models import CONTRACT_CARE_CONTACTS, CallId, Record
from bokade_cli.xmlparse import (
    Node,
    boolean,
    child,
    children,
    key,
    path_text,
    text,
    value_text,
)

_RESPONDER = "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:{v}"
_CORE = "urn:riv:clinicalprocess:logistics:logistics:{v}"


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
    known_contact = frozenset({key(core, "careContactHeader"), key(core, "careContactBody")})

    def parse(body: Node, call: CallId, target: int) -> Parsed:
        response = require_response(body, responder, "GetCareContactsResponse")
        records, notes = [], []
        for index, contact in enumerate(children(response, responder, "careContact")):
            header = child(contact, core, "careContactHeader")
            content = child(contact, core, "careContactBody")
            org = child(content, core, "careContactOrgUnit")
            period = child(content, core, "careContactTimePeriod")
            status = child(content, core, "careContactStatus")
            unknown = unknown_children(contact, known_contact, f"careContact #{index + 1}")
            notes += unknown
            status_texts: tuple[str, ...] = ()
            if version == 2:
                status_code = text(status)
            else:
                status_code = path_text(status, core, "code")
                names = (path_text(status, core, n) for n in ("displayName", "originalText"))
                status_texts = tuple(n for n in names if n)
            status_text = status_texts[0] if status_texts else None
            records.append(
                Record(
                    call=call,
                    kind="care_contact",
                    order=(target, index),
                    facility_hsa_id=path_text(org, core, "orgUnitHSAId"),
                    facility_name=path_text(org, core, "orgUnitName"),
                    raw_start=value_text(child(period, core, "start")),
                    raw_end=value_text(child(period, core, "end")),
                    booking_id=path_text(header, core, "documentId"),
                    source_system=path_text(header, core, "sourceSystemHSAId"),
                    document_id=path_text(header, core, "documentId"),
                    approved_for_patient=boolean(path_text(header, core, "approvedForPatient")),
                    nullified=boolean(path_text(header, core, "nullified")),
                    status_code=status_code,
                    status_text=status_text,
                    status_texts=status_texts,
                    unknown_elements=tuple(unknown),
                )
            )
        return Parsed(tuple(records), tuple(notes))

    return parse


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
