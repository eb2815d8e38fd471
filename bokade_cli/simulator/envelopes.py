"""SOAP 1.1 envelopes, faults, ProcessingStatus headers and the broken answers failing producers give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from xml.sax.saxutils import escape

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
HEADERS_NS = "urn:riv:interoperability:headers:1"
SCHEDULING_NS = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
CARE_CONTACTS_NS = {
    2: "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:2",
    3: "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:3",
}
CONTENT_TYPE = "text/xml; charset=UTF-8"


@dataclass(frozen=True)
class StatusRecord:
    """One ProcessingStatusList entry: a producer the aggregator called, and how that went."""

    logical_address: str
    ok: bool
    code: str = ""  # the failure's code: "504" for a timeout, the HTTP status otherwise
    text: str = ""
    causing_agent: str = "service_producer"


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def envelope(body: str, header: str = "") -> bytes:
    head = f"<soap:Header>{header}</soap:Header>" if header else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="{SOAP_NS}">'
        f"{head}<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def fault(code: str, text: str) -> bytes:
    """A SOAP 1.1 fault; `code` is "soap:Server" or "soap:Client"."""
    return envelope(
        f"<soap:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{escape(text)}</faultstring></soap:Fault>"
    )


def error_page(status: int) -> bytes:
    """What a load balancer in front of a producer answers: HTML, not SOAP."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    title = f"{status} {phrase}"
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode()


def malformed(namespace: str) -> bytes:
    """A body cut off mid-answer, as a producer that crashes while streaming sends it."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="{SOAP_NS}">'
        f'<soap:Body><ns2:Response xmlns:ns2="{namespace}"><ns2:item><ns2:broken'
    ).encode()


def processing_status(records: list[StatusRecord], now: datetime) -> str:
    """The aggregator's ProcessingStatus header, one record per producer called."""
    when = timestamp(now)
    parts = []
    for record in records:
        if record.ok:
            detail = (
                "<statusCode>DataFromSource</statusCode>"
                "<isResponseFromCache>false</isResponseFromCache>"
                "<isResponseInSynch>true</isResponseInSynch>"
                f"<lastSuccessfulSynch>{when}</lastSuccessfulSynch>"
            )
        else:
            # NOTE: the real aggregator leaves out lastSuccessfulSynch on NoDataSynchFailed
            # although the XSD makes it mandatory; we do the same, since that is what the tool
            # meets in production (rivta-validate reports it as a known deviation).
            detail = (
                "<statusCode>NoDataSynchFailed</statusCode>"
                "<isResponseFromCache>false</isResponseFromCache>"
                "<isResponseInSynch>false</isResponseInSynch>"
                f"<lastUnsuccessfulSynch>{when}</lastUnsuccessfulSynch>"
                "<lastUnsuccessfulSynchError>"
                f"<causingAgent>{record.causing_agent}</causingAgent>"
                f"<code>{escape(record.code)}</code><text>{escape(record.text)}</text>"
                "</lastUnsuccessfulSynchError>"
            )
        address = escape(record.logical_address)
        parts.append(
            f"<ProcessingStatusList><logicalAddress>{address}</logicalAddress>"
            f"{detail}</ProcessingStatusList>"
        )
    return f'<ProcessingStatus xmlns="{HEADERS_NS}">{"".join(parts)}</ProcessingStatus>'
