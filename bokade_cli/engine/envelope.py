"""The SOAP 1.1 envelope of an answer: its Header, Body and Fault, and a note on all else it holds.

Nothing an answer holds goes unread without a word (SPEC §2.2): an element beside Header and
Body, text between the elements, a second Fault or a repeated fault field, and, when the call
failed (a Fault, an HTTP error status), the Body's other entries. A failed call shows nothing,
as 1177 shows nothing of it, so their records are not judged; the notes say they were received
and name their ids, so explain can find them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from bokade_cli.contracts.base import ids_note
from bokade_cli.contracts.shape import describe
from bokade_cli.quoting import quote
from bokade_cli.xmlparse import Node, child, children, element_names, key, split_key, text

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_PARTS = (key(SOAP_ENV, "Header"), key(SOAP_ENV, "Body"))
_FAULT = key(SOAP_ENV, "Fault")
# SOAP 1.1 leaves a Fault's fields unqualified; some stacks qualify them anyway.
_FAULT_FIELDS = [key(ns, local) for local in ("faultcode", "faultstring", "faultactor", "detail")
                 for ns in ("", SOAP_ENV)]  # fmt: skip


@dataclass(frozen=True)
class Fault:
    code: str
    message: str


def fault_of(body: Node) -> Fault | None:
    """The Body's first Fault (the one reported), or None."""
    if not isinstance(body, dict) or _FAULT not in body:
        return None
    fault = child(body, SOAP_ENV, "Fault")  # an empty <Fault/> is a fault all the same
    return Fault(_field(fault, "faultcode") or "", _field(fault, "faultstring") or "")


def envelope_notes(envelope: Node) -> list[str]:
    """Elements beside Header and Body, and text in the Envelope, its Header or its Body."""
    notes = [
        f"SOAP Envelope: {describe(name, _PARTS)}{_held(element)}"
        for name, element in _entries(envelope)
        if name not in _PARTS
    ]
    for local in ("Envelope", "Header", "Body"):
        found = text(envelope if local == "Envelope" else child(envelope, SOAP_ENV, local))
        if found:
            notes.append(f"SOAP {local}: text between its elements, not read: {quote(found)}")
    return notes


def fault_notes(body: Node) -> list[str]:
    """A second Fault (only the first is reported), and fields a Fault gives twice or not at all."""
    faults = children(body, SOAP_ENV, "Fault")
    notes = []
    for number, fault in enumerate(faults, 1):
        where = f"SOAP Fault #{number}" if len(faults) > 1 else "SOAP Fault"
        if number > 1:
            said = Fault(_field(fault, "faultcode") or "", _field(fault, "faultstring") or "")
            notes.append(
                f"SOAP Body: {len(faults)} Fault elements where SOAP 1.1 allows one; #{number}, "
                f"not reported, says {said.code or '(no faultcode)'} "
                f"{quote(said.message) if said.message else '(no faultstring)'}"
            )
        for local in ("faultcode", "faultstring"):
            values = [text(v) or "" for v in _fields(fault, local)]
            if len(values) > 1:
                others = ", ".join(quote(v) for v in values[1:4]) + (
                    ", ..." if len(values) > 4 else ""
                )
                notes.append(
                    f"{where}: {local} is given {len(values)} times; the first is reported, "
                    f"the others said {others}"
                )
        notes += [
            f"{where}: {describe(name, _FAULT_FIELDS)}"
            for name in element_names(fault)
            if name not in _FAULT_FIELDS
        ]
        notes += [
            f"{where}: {local} holds {_named(inner)}, not read; its text: {quote(_all_text(field))}"
            for local in ("faultcode", "faultstring", "faultactor")
            for field in _fields(fault, local)
            if (inner := element_names(field))
        ]
    return notes


def _named(names: list[str]) -> str:
    locals_ = sorted({split_key(name)[1] for name in names})
    return ("element " if len(locals_) == 1 else "elements ") + ", ".join(locals_)


def _all_text(node: Node) -> str:
    """Every text in `node`, its child elements' too, in document order as far as the parsed
    tree keeps it (a field's own text first): what the reported message left out."""
    parts: list[str] = []
    pending: list[Node] = [node]
    while pending:  # no recursion: the parser allows 200 levels
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            own = text(item)
            if own:
                parts.append(own)
            pending.extend(reversed([item[name] for name in element_names(item)]))
        elif isinstance(item, str) and item.strip():
            parts.append(item.strip())
    return " ".join(" ".join(parts).split())  # the parser joins a field's text pieces


def failed_body_notes(body: Node, why: str) -> list[str]:
    """Every Body entry but the Fault, not read because the call failed: what it held."""
    return [
        f"SOAP Body: {split_key(name)[1]} ({{{split_key(name)[0] or 'no namespace'}}}) is not "
        f"read: {why}{_held(element)}"
        for name, element in _entries(body)
        if name != _FAULT
    ]


def _held(element: Node) -> str:
    """'; it holds 2 timeslotDetail (bookingId B1, ...)': enough to find what was not read."""
    counts = Counter(split_key(name)[1] for name, _ in _entries(element))
    if not counts:
        return ""
    listed = ", ".join(f"{n} {local}" for local, n in counts.items())
    return f"; it holds {listed}{ids_note(element)}"


def _fields(fault: Node, local: str) -> list[Node]:
    return children(fault, "", local) + children(fault, SOAP_ENV, local)


def _field(fault: Node, local: str) -> str | None:
    return next((t for t in map(text, _fields(fault, local)) if t), None)


def _entries(node: Node) -> Iterator[tuple[str, Node]]:
    """(key, element) for every child element, a repeated one once per occurrence."""
    if not isinstance(node, dict):
        return
    for name in element_names(node):
        found = node[name]
        for element in found if isinstance(found, list) else [found]:
            yield name, element
