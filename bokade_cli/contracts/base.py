"""What a service contract is to the tool: names, a request body builder and a record parser."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bokade_cli.clock import add_years, parse_time
from bokade_cli.contracts.shape import describe, repeated
from bokade_cli.errors import InvalidResponse
from bokade_cli.models import CallId, Record
from bokade_cli.xmlparse import Node, element_names, key, split_key, text

__all__ = ["Contract", "Parsed", "RequestParams", "add_years"]

# Where a record keeps what tells it apart, for notes about record-like elements not read.
_IDENTIFYING = ("healthcare_facility", "orgUnitHSAId", "bookingId", "documentId")
_MAX_IDS = 40  # a whole response not read could name thousands; a note stays one line


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


def read_body(body: Node, ns: str, local: str) -> tuple[list[Node], list[str]]:
    """Every response element in the SOAP Body, and a note on anything else there.

    An answer without the response element is not this contract's answer. SOAP 1.1 allows
    several body entries although the contract's answer has one: a second response element
    is read too (its records are records received; dropping them would be silent), and noted.
    Another element is not read; its note names the ids it holds, so explain can find them.
    """
    expected = key(ns, local)
    if not isinstance(body, dict) or expected not in body:
        names = ", ".join(split_key(n)[1] for n in element_names(body)) or "nothing"
        raise InvalidResponse(
            f"the SOAP Body holds {names}, not {local} in {ns}",
            "The endpoint answered for another contract or version; check the profile's paths.",
        )
    found = _each(body[expected])  # an empty <Response/> is None: still a response
    notes = []
    if len(found) > 1:
        notes.append(
            f"SOAP Body: {len(found)} {local} elements where the contract has one; the records "
            "of all were read, in document order"
        )
    for name in element_names(body):
        if name != expected:
            notes += [
                f"SOAP Body: {describe(name, [expected])}" + ids_note(element)
                for element in _each(body[name])
            ]
    return [response or {} for response in found], notes


def response_notes(
    response: Node, known: Mapping[str, Any], path: str, record_local: str
) -> list[str]:
    """Notes on the response's own level: elements not read, each record-like element not taken
    (with its ids), and a single-valued element given more than once.

    A `timeslotDetail` in the core namespace instead of the responder's is not a record of the
    contract, so it is not judged; the note says what it held, so explain can find it.
    """
    # Only the response's own level: each record notes what it holds itself.
    notes = []
    for name in element_names(response):
        local = split_key(name)[1]
        if name in known:
            if local != record_local and isinstance(response[name], list):
                notes.append(repeated(f"{path}/{local}", response[name]))
        elif local != record_local:
            notes.append(f"{path}: {describe(name, known)}")
        else:
            notes += [
                f"{path}: a {record_local} in {{{split_key(name)[0] or 'no namespace'}}} is not "
                "a record of this contract and is not counted" + ids_note(element)
                for element in _each(response[name])
            ]
    return notes


def ids_note(element: Node) -> str:
    """ " (bookingId X, ...)": what tells a record-like element apart, for a note about it."""
    found = list(itertools.islice(_identifying(element), _MAX_IDS + 1))
    if not found:
        return ""
    ids = ", ".join(f"{local} {value}" for local, value in found[:_MAX_IDS])
    return f" ({ids}{', ...' if len(found) > _MAX_IDS else ''})"


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
