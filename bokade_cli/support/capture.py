"""Capture a run for a ticket: a recorder (the engine's observer), the capture document, and no number.

A capture holds no form of the number (SPEC §7): each answer is stored as the parsed document
written back with every text, attribute, namespace and name masked; an answer that could not be
parsed is not stored at all, only its size, digest and a masked one-line excerpt, and its
outcome. Besides the exchanges it keeps what an Exchange alone cannot give back: each call's
outcome, message, hint and times, the skipped call2 entries, each call2's position in the
relation list (the records' sort key) and the list itself. `replay` reads it back.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bokade_cli import __version__
from bokade_cli.engine import Observer, unique_relations
from bokade_cli.engine.soap import Exchange
from bokade_cli.errors import InvalidResponse
from bokade_cli.hsa import hsa_key
from bokade_cli.models import CallResult
from bokade_cli.output.privacy import Masker, neutralise
from bokade_cli.xmlparse import parse_xml, serialise

if TYPE_CHECKING:
    from bokade_cli.output.boundary import Output

FORMAT = "bokade-capture"
FORMAT_VERSION = 2
CONTRACT_KEYS = {
    "call1": "GetSubjectOfCareSchedule",
    "call2": "GetSubjectOfCareSchedule",
    "call3-v3": "GetCareContacts/3",
    "call3-v2": "GetCareContacts/2",
}
EXCERPT_CHARS = 120
_COMMENT = re.compile(r"<!--.*?-->", re.S)


class Recorder(Observer):
    """The engine's observer for --save-capture: keeps every exchange of the run and, when the
    run has finished, writes the capture through the output boundary (masked, owner-only).
    Events pass on to the run's own observer."""

    def __init__(self, inner: Observer, out: Output, path: Path, about: Captured) -> None:
        self.inner, self.out, self.path, self.about = inner, out, path, about
        self.exchanges: list[Exchange] = []

    def event(self, message: str) -> None:
        self.inner.event(message)

    def waiting(self) -> None:
        self.inner.waiting()

    def exchange(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        self.inner.exchange(exchange)

    def finished(self, calls: tuple[CallResult, ...], logic: str) -> None:
        document = capture_document(
            calls,
            self.exchanges,
            masker=self.out.capture_masker(),
            subject_of_care=self.about.subject_of_care,
            logic=logic,
            now=self.about.now,
            relations=self.about.relations,
        )
        self.out.write_capture(self.path, document)


@dataclass(frozen=True)
class Captured:
    """What a capture says about its run besides the calls: whose, as of when, which relations."""

    subject_of_care: str  # written masked whatever it holds: a capture never has the number
    now: str  # ISO 8601, the now that judged
    relations: tuple[str, ...]


def capture_document(
    calls: Sequence[CallResult],
    exchanges: Sequence[Exchange],
    *,
    masker: Masker,
    subject_of_care: str,
    logic: str,
    now: str,
    relations: Sequence[str],
) -> dict[str, Any]:
    """The capture as JSON-ready data; `masker` runs over every stored answer while it is written."""
    # (call id, logical address) is unique within a run: relations are de-duplicated first.
    by_tag = {(e.tag[0], hsa_key(e.tag[-1])): e for e in exchanges if e.tag}
    order = {hsa_key(a): i for i, a in enumerate(unique_relations(relations))}
    entries = []
    for c in calls:
        exchange = by_tag.get((c.call, hsa_key(c.logical_address)))
        entries.append(
            {
                "call": c.call,
                "contract_key": CONTRACT_KEYS[c.call],
                "logical_address": c.logical_address,
                "target_index": order.get(hsa_key(c.logical_address), 0)
                if c.call == "call2"
                else 0,
                "outcome": c.outcome,
                "elapsed_ms": c.elapsed_ms,
                "queued_ms": c.queued_ms,
                "message": _line(c.message),
                "hint": _line(c.hint),
                "correlation_id": c.correlation_id,
                "exchange": _exchange(exchange, masker)
                if exchange and c.outcome != "skipped"
                else None,
            }
        )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "bokade_version": __version__,
        "subject_of_care": subject_of_care,
        "logic": logic,
        "now": now,
        "relations": list(relations),
        "calls": entries,
    }


def _line(text: str | None) -> str | None:
    """Our own messages hold no controls, but a quoted exception text might: keep it one line."""
    return neutralise(text) if text is not None else None


def _exchange(e: Exchange, masker: Masker) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "url": e.url,
        "soap_action": e.soap_action,
        "correlation_id": e.correlation_id,
        "status_code": e.status_code,
        "location": e.location,
        "request": _written_back(e.request, masker),
        "response": None,
    }
    if e.response is not None:
        try:
            stored["response"] = serialise(parse_xml(e.response), masker.mask)
        except InvalidResponse:
            stored["refused"] = refused(e.response, masker)
    return stored


def _written_back(raw: bytes, masker: Masker) -> str | None:
    try:
        return serialise(parse_xml(raw), masker.mask)
    except InvalidResponse:
        return None


def _readable(text: str) -> str:
    """Text that is not XML, with XML's ways of hiding characters undone all the same."""
    text = _COMMENT.sub("", text).replace("<![CDATA[", "").replace("]]>", "")
    return html.unescape(text)


def refused(raw: bytes, masker: Masker) -> dict[str, Any]:
    """What is kept of an answer that could not be parsed: never the answer itself."""
    # Read as a person would read it (references resolved, comments and CDATA marks gone),
    # then masked before it is cut, so a number across the cut is never shown in part.
    window = masker.mask(_readable(raw[: EXCERPT_CHARS * 8].decode("utf-8", errors="replace")))
    return {
        "bytes": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "excerpt": neutralise(window[:EXCERPT_CHARS]),
    }
