"""What reaches the platform: SOAP requests parsed into routing facts, and the log of calls made."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

from .envelopes import CARE_CONTACTS_NS, SCHEDULING_NS, SOAP_NS
from .scenario import ContractName, hsa_key

CONTRACT_NAMESPACES: Mapping[str, ContractName] = {
    SCHEDULING_NS: "GetSubjectOfCareSchedule",
    CARE_CONTACTS_NS[2]: "GetCareContacts/2",
    CARE_CONTACTS_NS[3]: "GetCareContacts/3",
}
_LOGICAL_ADDRESS = "{urn:riv:itintegration:registry:1}LogicalAddress"
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
Via = Literal["direct", "aggregator"]


class RequestEntry(NamedTuple):
    contract: str  # "GetSubjectOfCareSchedule", "GetCareContacts/2" or "GetCareContacts/3"
    logical_address: str
    via: Via  # "direct": a request that reached the platform; "aggregator": its fan-out


class RequestLog:
    """Thread-safe record of every call, so tests can count what the tool really asked for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RequestEntry] = []

    def add(self, contract: str, logical_address: str, via: Via) -> None:
        with self._lock:
            self._entries.append(RequestEntry(contract, logical_address, via))

    def snapshot(self) -> list[RequestEntry]:
        with self._lock:
            return list(self._entries)

    def count(
        self,
        contract: str | None = None,
        logical_address: str | None = None,
        via: Via | None = None,
    ) -> int:
        """How many calls match; logical addresses compare case-insensitively."""
        return sum(
            (contract is None or e.contract == contract)
            and (logical_address is None or hsa_key(e.logical_address) == hsa_key(logical_address))
            and (via is None or e.via == via)
            for e in self.snapshot()
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[RequestEntry]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class ClientFault(Exception):
    """The request itself is broken: answered with a soap:Client fault."""


class PlatformFault(Exception):
    """The platform refuses to route the request (VP003, VP004): a soap:Server fault."""


@dataclass(frozen=True)
class Request:
    contract: ContractName
    namespace: str
    logical_address: str
    citizen: str  # 12 digits
    patient: tuple[str, str]  # (id, type) as the request gave them, echoed in care contacts
    consumer: str  # x-rivta-original-serviceconsumer-hsaid, for VP007 texts

    def to(self, logical_address: str) -> Request:
        """The same request re-addressed, as the aggregator sends it on to a producer."""
        return replace(self, logical_address=logical_address)


def parse_request(body: bytes, consumer: str) -> Request:
    """The routing facts of a request: the LogicalAddress header and the body's namespace."""
    # The platform takes UTF-8 (what bokade sends); checking that first also means the DOCTYPE
    # test below cannot be dodged by another encoding such as UTF-16.
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise ClientFault("Invalid request: the message is not UTF-8") from None
    # SOAP forbids a DOCTYPE; refusing it up front also rules out entity expansion.
    if _DOCTYPE.search(body):
        raise ClientFault("Invalid request: a DOCTYPE is not allowed in a SOAP message")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ClientFault(f"Invalid request: not well-formed XML ({exc})") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise ClientFault(f"Invalid request: the root is {root.tag}, not a SOAP 1.1 Envelope")
    address = (root.findtext(f"{{{SOAP_NS}}}Header/{_LOGICAL_ADDRESS}") or "").strip()
    soap_body = root.find(f"{{{SOAP_NS}}}Body")
    payload = soap_body[0] if soap_body is not None and len(soap_body) else None
    if payload is None:
        raise ClientFault("Invalid request: the SOAP Body is empty")
    namespace = payload.tag[1:].partition("}")[0] if payload.tag.startswith("{") else ""
    if not address:
        raise PlatformFault("VP003 No receiverId (logical address) found in message header")
    contract = CONTRACT_NAMESPACES.get(namespace)
    if contract is None:
        raise PlatformFault(no_route_text(namespace, address))
    if contract == "GetSubjectOfCareSchedule":
        citizen = (payload.findtext(f"{{{namespace}}}subject_of_care") or "").strip()
        patient = (citizen, "")
    else:
        core = namespace.replace("GetCareContactsResponder:", "")
        patient_id = payload.find(f"{{{namespace}}}patientId")
        if patient_id is None:
            patient_id = ET.Element("patientId")
        citizen = (patient_id.findtext(f"{{{core}}}id") or "").strip()
        patient = (citizen, (patient_id.findtext(f"{{{core}}}type") or "").strip())
    if not citizen:
        raise ClientFault("Invalid request: no subject of care (subject_of_care / patientId/id)")
    return Request(contract, namespace, address, citizen.replace("-", ""), patient, consumer)


def no_route_text(namespace: str, address: str) -> str:
    # NOTE: "Adress" is the platform's own spelling; tools match on the VP004 code.
    return f"VP004 No Logical Adress found for serviceNamespace:{namespace}, receiverId:{address}"
