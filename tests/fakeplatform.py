"""Answers built like the real platform's, served through pytest-httpx callbacks.

Each builder can write its XML in several namespace styles (prefixed with odd prefixes, default
namespaces, prefixes redeclared inside), because a parser that depends on prefixes is a bug.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import httpx

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
HDR = "urn:riv:interoperability:headers:1"
SCHED_R = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
SCHED_C = "urn:riv:crm:scheduling:1"
SCHED_X = "urn:riv:crm:scheduling:1.1"
CC_R = "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:{v}"
CC_C = "urn:riv:clinicalprocess:logistics:logistics:{v}"

AGGREGATOR = "5565594230"
BASE_URL = "https://vp.test"
STYLES = ("prefixed", "default", "mixed")


def _el(name: str, value: object | None) -> str:
    if value is None:
        return ""
    return f"<{name}>{escape(str(value))}</{name}>"


def processing_status(records: list[dict[str, str]]) -> str:
    """records: logicalAddress, statusCode, and for failures code/text (no lastSuccessfulSynch)."""
    items = []
    for r in records:
        ok = r["statusCode"] == "DataFromSource"
        inner = (
            _el("h:logicalAddress", r["logicalAddress"])
            + _el("h:statusCode", r["statusCode"])
            + "<h:isResponseFromCache>false</h:isResponseFromCache>"
            + f"<h:isResponseInSynch>{'true' if ok else 'false'}</h:isResponseInSynch>"
        )
        if ok:
            inner += "<h:lastSuccessfulSynch>20261126120000</h:lastSuccessfulSynch>"
        else:
            # NOTE: like the real aggregator, no lastSuccessfulSynch on a failed record.
            inner += (
                "<h:lastUnsuccessfulSynch>20261126120000</h:lastUnsuccessfulSynch>"
                "<h:lastUnsuccessfulSynchError><h:causingAgent>service_producer</h:causingAgent>"
                + _el("h:code", r.get("code", "500"))
                + _el("h:text", r.get("text", "Internal error"))
                + "</h:lastUnsuccessfulSynchError>"
            )
        items.append(f"<h:ProcessingStatusList>{inner}</h:ProcessingStatusList>")
    return f'<h:ProcessingStatus xmlns:h="{HDR}">{"".join(items)}</h:ProcessingStatus>'


def envelope(body: str, header: str = "", style: str = "prefixed") -> str:
    if style == "default":
        return f'<Envelope xmlns="{SOAP}"><Header>{header}</Header><Body>{body}</Body></Envelope>'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP}">'
        f"<S:Header>{header}</S:Header><S:Body>{body}</S:Body></S:Envelope>"
    )


def slot(
    facility: str | None,
    start: str | None,
    booking_id: str | None = None,
    *,
    end: str | None = None,
    name: str | None = None,
    invitation: bool | str | None = None,  # a str: written as it is (a hostile value)
    extra: str = "",
) -> dict[str, object]:
    return {
        "startTimeInclusive": start,
        "endTimeExclusive": end,
        "healthcare_facility": facility,
        "bookingId": booking_id,
        "healthcare_facility_name": name,
        "isInvitation": invitation,
        "extra": extra,
    }


def scheduling_body(slots: list[dict[str, object]], style: str = "prefixed") -> str:
    parts = []
    for s in slots:
        fields = ["startTimeInclusive", "endTimeExclusive", "healthcare_facility", "bookingId"]
        fields += ["healthcare_facility_name"]
        if style == "default":
            body = f'<timeslotDetail xmlns="{SCHED_R}">' + "".join(
                f'<{f} xmlns="{SCHED_C}">{escape(str(s[f]))}</{f}>'
                for f in fields
                if s[f] is not None
            )
            if s["isInvitation"] is not None:
                body += f'<isInvitation xmlns="{SCHED_X}"> {str(s["isInvitation"]).lower()} </isInvitation>'
            parts.append(body + str(s["extra"]) + "</timeslotDetail>")
        else:
            prefix = "urn1" if style == "prefixed" else "ns7"
            inner = "".join(_el(f"{prefix}:{f}", s[f]) for f in fields if s[f] is not None)
            if s["isInvitation"] is not None:
                inner += _el("x:isInvitation", str(s["isInvitation"]).lower())
            parts.append(
                f'<r:timeslotDetail xmlns:{prefix}="{SCHED_C}" xmlns:x="{SCHED_X}">'
                f"{inner}{s['extra']}</r:timeslotDetail>"
            )
    if style == "default":
        return f'<GetSubjectOfCareScheduleResponse xmlns="{SCHED_R}">{"".join(parts)}</GetSubjectOfCareScheduleResponse>'
    return (
        f'<r:GetSubjectOfCareScheduleResponse xmlns:r="{SCHED_R}">{"".join(parts)}'
        "</r:GetSubjectOfCareScheduleResponse>"
    )


def contact(
    facility: str | None,
    start: str | None,
    document_id: str,
    *,
    source: str = "SE2321000016-SRC1",
    approved: str | None = "true",
    nullified: str | None = None,
    status: str | None = None,
    status_text: str | None = None,
    end: str | None = None,
    name: str | None = "Mottagning",
) -> dict[str, str | None]:
    return {
        "facility": facility,
        "start": start,
        "end": end,
        "documentId": document_id,
        "source": source,
        "approved": approved,
        "nullified": nullified,
        "status": status,
        "status_text": status_text,
        "name": name,
    }


def care_contacts_body(
    version: int, contacts: list[dict[str, str | None]], style: str = "prefixed"
) -> str:
    responder, core = CC_R.format(v=version), CC_C.format(v=version)
    c = "" if style == "default" else "c:"
    items = []
    for k in contacts:
        header = (
            _el(f"{c}documentId", k["documentId"])
            + _el(f"{c}sourceSystemHSAId", k["source"])
            + f"<{c}patientId>{_el(f'{c}id', '191212121212')}{_el(f'{c}type', '1.2.752.129.2.1.3.1')}</{c}patientId>"
            + _el(f"{c}approvedForPatient", k["approved"])
            + _el(f"{c}nullified", k["nullified"])
        )
        org = _el(f"{c}orgUnitHSAId", k["facility"]) + _el(f"{c}orgUnitName", k["name"])
        period = _el(f"{c}start", k["start"]) + _el(f"{c}end", k["end"])
        if version == 2:
            status = _el(f"{c}careContactStatus", k["status"])
        elif k["status"] is not None or k["status_text"] is not None:
            status = (
                f"<{c}careContactStatus>{_el(f'{c}code', k['status'])}"
                f"{_el(f'{c}displayName', k['status_text'])}</{c}careContactStatus>"
            )
        else:
            status = ""
        body = f"<{c}careContactOrgUnit>{org}</{c}careContactOrgUnit><{c}careContactTimePeriod>{period}</{c}careContactTimePeriod>{status}"
        if style == "default":
            items.append(
                f'<careContact xmlns="{responder}"><careContactHeader xmlns="{core}">{header}</careContactHeader>'
                f'<careContactBody xmlns="{core}">{body}</careContactBody></careContact>'
            )
        else:
            items.append(
                f'<g:careContact xmlns:c="{core}"><c:careContactHeader>{header}</c:careContactHeader>'
                f"<c:careContactBody>{body}</c:careContactBody></g:careContact>"
            )
    result = ""
    if version == 3:
        result = (
            f'<g:result xmlns:c="{core}"><c:resultCode>OK</c:resultCode><c:logId>1</c:logId></g:result>'
            if style != "default"
            else f'<result xmlns="{responder}"><resultCode xmlns="{core}">OK</resultCode><logId xmlns="{core}">1</logId></result>'
        )
    if style == "default":
        return f'<GetCareContactsResponse xmlns="{responder}">{"".join(items)}{result}</GetCareContactsResponse>'
    return f'<g:GetCareContactsResponse xmlns:g="{responder}">{"".join(items)}{result}</g:GetCareContactsResponse>'


def fault(faultstring: str, code: str = "soap:Server") -> str:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{escape(faultstring)}</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )


Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakePlatform:
    """Routes like VP: on the LogicalAddress header and the body namespace. Unknown → VP004."""

    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    delays: dict[tuple[str, str], float] = field(default_factory=dict)
    requests: list[tuple[str, str, httpx.Request]] = field(default_factory=list)

    def set(
        self, contract: str, address: str, answer: Answer | str, status: int = 200, delay: float = 0
    ) -> None:
        if isinstance(answer, str):
            answer = httpx.Response(
                status, text=answer, headers={"Content-Type": "text/xml; charset=UTF-8"}
            )
        self.answers[(contract, address.casefold())] = answer
        self.delays[(contract, address.casefold())] = delay

    def scheduling(
        self,
        address: str,
        slots: list[dict[str, object]],
        sources: list[dict[str, str]] | None = None,
        style: str = "prefixed",
        delay: float = 0,
    ) -> None:
        header = processing_status(sources) if sources is not None else ""
        self.set(
            "GetSubjectOfCareSchedule",
            address,
            envelope(scheduling_body(slots, style), header, style),
            delay=delay,
        )

    def care_contacts(
        self,
        version: int,
        contacts: list[dict[str, str | None]],
        sources: list[dict[str, str]] | None = None,
        style: str = "prefixed",
        delay: float = 0,
    ) -> None:
        header = processing_status(sources) if sources is not None else ""
        self.set(
            f"GetCareContacts/{version}",
            AGGREGATOR,
            envelope(care_contacts_body(version, contacts, style), header, style),
            delay=delay,
        )

    def count(self, contract: str, address: str | None = None) -> int:
        return sum(
            1
            for c, a, _ in self.requests
            if c == contract and (address is None or a.casefold() == address.casefold())
        )

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        match = re.search(r"LogicalAddress[^>]*>([^<]*)<", body)
        address = match.group(1) if match else ""
        if SCHED_R in body:
            contract = "GetSubjectOfCareSchedule"
        elif CC_R.format(v=3) in body:
            contract = "GetCareContacts/3"
        else:
            contract = "GetCareContacts/2"
        self.requests.append((contract, address, request))
        route = (contract, address.casefold())
        await asyncio.sleep(self.delays.get(route, 0))
        answer = self.answers.get(route)
        if answer is None:
            return httpx.Response(
                500,
                text=fault(
                    f"VP004 No Logical Adress found for serviceNamespace:{contract}, receiverId:{address}"
                ),
            )
        return answer(request) if callable(answer) else answer
