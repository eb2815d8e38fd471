"""What a service contract is to the tool: names, a request body builder and a record parser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bokade_cli.errors import InvalidResponse
from bokade_cli.models import CallId, Record
from bokade_cli.xmlparse import Node, child, element_names, key, split_key


@dataclass(frozen=True)
class RequestParams:
    logical_address: str
    subject_of_care: str  # 12 digits, in clear: it goes on the wire only
    id_type: str  # OID: personnummer or samordningsnummer
    today: date


@dataclass(frozen=True)
class Parsed:
    records: tuple[Record, ...]
    notes: tuple[str, ...]  # unknown elements and the like, shown in verbose output


@dataclass(frozen=True)
class Contract:
    key: str  # "GetSubjectOfCareSchedule", "GetCareContacts/2", "GetCareContacts/3"
    name: str  # the contract name shown in output
    namespace: str  # the responder namespace VP routes on
    soap_action: str
    sends_actor: bool
    build_body: Callable[[RequestParams], str]
    parse: Callable[[Node, CallId, int], Parsed]  # (soap Body, call, target index)


def add_years(day: date, years: int) -> date:
    """Calendar years; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def unknown_children(node: Node, known: frozenset[str], where: str) -> list[str]:
    """Describe child elements outside the contract (tolerated, reported in verbose output)."""
    found = []
    for name in element_names(node):
        if name not in known:
            ns, local = split_key(name)
            found.append(f"{where}: unknown element {local}" + (f" ({{{ns}}})" if ns else ""))
    return found


def require_response(body: Node, ns: str, local: str) -> Node:
    """The response element in the SOAP Body; an answer without it is not this contract's answer."""
    if isinstance(body, dict) and key(ns, local) in body:
        return child(body, ns, local) or {}
    found = ", ".join(split_key(n)[1] for n in element_names(body)) or "nothing"
    raise InvalidResponse(
        f"the SOAP Body holds {found}, not {local} in {ns}",
        "The endpoint answered for another contract or version; check the profile's paths.",
    )
