"""What a service contract is to the tool: names, a request body builder and a record parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bokade_cli.clock import add_years, parse_time
from bokade_cli.contracts.shape import describe
from bokade_cli.errors import InvalidResponse
from bokade_cli.models import CallId, Record
from bokade_cli.xmlparse import Node, child, element_names, key, split_key, text

__all__ = ["Contract", "Parsed", "RequestParams", "add_years"]

# Where a record keeps what tells it apart, for notes about record-like elements not read.
_IDENTIFYING = ("healthcare_facility", "orgUnitHSAId", "bookingId", "documentId")


@dataclass(frozen=True)
class RequestParams:
    logical_address: str
    subject_of_care: str  # 12 digits, in clear: it goes on the wire only
    id_type: str  # OID: personnummer or samordningsnummer
    today: date


@dataclass(frozen=True)
class Parsed:
    records: tuple[Record, ...]
    notes: tuple[str, ...]  # every element not read, and every record-like element not taken


@dataclass(frozen=True)
class Contract:
    key: str  # "GetSubjectOfCareSchedule", "GetCareContacts/2", "GetCareContacts/3"
    name: str  # the contract name shown in output
    namespace: str  # the responder namespace VP routes on
    soap_action: str
    sends_actor: bool
    build_body: Callable[[RequestParams], str]
    parse: Callable[[Node, CallId, int], Parsed]  # (soap Body, call, target index)


def require_response(body: Node, ns: str, local: str) -> Node:
    """The response element in the SOAP Body; an answer without it is not this contract's answer."""
    if isinstance(body, dict) and key(ns, local) in body:
        return child(body, ns, local) or {}
    found = ", ".join(split_key(n)[1] for n in element_names(body)) or "nothing"
    raise InvalidResponse(
        f"the SOAP Body holds {found}, not {local} in {ns}",
        "The endpoint answered for another contract or version; check the profile's paths.",
    )


def misplaced_records(
    response: Node, known: Mapping[str, Any], path: str, record_local: str
) -> list[str]:
    """Notes on the response's own level, each record-like element not taken said so, with its ids.

    A `timeslotDetail` in the core namespace instead of the responder's is not a record of the
    contract, so it is not judged; the note says what it held, so explain can find it.
    """
    # Only the response's own level: each record notes what it holds itself.
    notes = [
        f"{path}: {describe(name, known)}"
        for name in element_names(response)
        if name not in known and split_key(name)[1] != record_local
    ]
    for name in element_names(response):
        if name in known or split_key(name)[1] != record_local:
            continue
        for element in _each(response[name]):
            ids = ", ".join(f"{local} {value}" for local, value in _identifying(element))
            notes.append(
                f"{path}: a {record_local} in {{{split_key(name)[0] or 'no namespace'}}} is not "
                f"a record of this contract and is not counted" + (f" ({ids})" if ids else "")
            )
    return notes


def _each(value: Node) -> list[Node]:
    return value if isinstance(value, list) else [value]


def _identifying(element: Node) -> Iterator[tuple[str, str]]:
    """(local name, value) of identifying fields anywhere inside a record-like element."""
    if not isinstance(element, dict):
        return
    for name in element_names(element):
        local = split_key(name)[1]
        for value in _each(element[name]):
            if local in _IDENTIFYING and text(value):
                yield local, str(text(value))
            else:
                yield from _identifying(value)


def time_notes(raw_start: str | None, raw_end: str | None, where: str) -> list[str]:
    """A note when both times are valid but the end comes before the start (shown all the same)."""
    if not raw_start or not raw_end:
        return []
    try:
        start, end = parse_time(raw_start), parse_time(raw_end)
    except ValueError:
        return []
    if end < start:
        return [f"{where}: its end {raw_end} is before its start {raw_start} (shown all the same)"]
    return []
