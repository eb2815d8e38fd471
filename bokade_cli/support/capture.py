"""Capture a run for a ticket: a recorder (the engine's observer), the capture document, and no number.

A capture holds no form of the number (SPEC §7): each answer is stored as the parsed document,
which the output boundary writes back with every text, attribute, namespace and name masked;
an answer that could not be parsed is not stored at all, only its size, digest and a masked
one-line excerpt, and its outcome. Besides the exchanges it keeps what an Exchange alone
cannot give back: each call's outcome, message, hint and times, the skipped call2 entries,
each call2's position in the relation list (the records' sort key) and the list itself.
`replay` reads it back.

This module only gathers the values, raw, and marks those replay compares with the answers'
(Identifier): masking happens in the output boundary
(Output.write_capture, output/captured.py).
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bokade_cli import __version__
from bokade_cli.engine import Observer, unique_relations
from bokade_cli.engine.soap import Exchange
from bokade_cli.errors import InvalidResponse
from bokade_cli.hsa import hsa_key
from bokade_cli.models import CallResult
from bokade_cli.output.captured import Identifier, ParsedXml, Unparsed
from bokade_cli.xmlparse import parse_xml

if TYPE_CHECKING:
    from bokade_cli.output.boundary import Output

FORMAT = "bokade-capture"
# 3: values masked distinctly and texts stored with character references (output/captured.py),
# a redirect's Location cut to its host. 2 masked values alike and wrote escapes as text;
# 1 stored answers as received.
FORMAT_VERSION = 3
CONTRACT_KEYS = {
    "call1": "GetSubjectOfCareSchedule",
    "call2": "GetSubjectOfCareSchedule",
    "call3-v3": "GetCareContacts/3",
    "call3-v2": "GetCareContacts/2",
}
# How much of an answer that could not be parsed is read for its excerpt: far more than the
# excerpt shows, so that comments dropped from it still leave text to show.
READ_BYTES = 4096
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_OPEN_REFERENCE = re.compile(r"&#?[0-9A-Za-z]*\Z")
_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16's, which it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UNMARKED = (  # "<" as the first character, in encodings without a byte order mark
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


class Recorder(Observer):
    """The engine's observer for --save-capture: keeps every exchange of the run and, when the
    run has finished, hands the capture to the output boundary (masked, neutralised, owner-only).
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
    subject_of_care: str,
    logic: str,
    now: str,
    relations: Sequence[str],
) -> dict[str, Any]:
    """The capture as the run left it: untrusted values raw, answers parsed (ParsedXml) or, if
    they did not parse, read as text (Unparsed). Output.write_capture masks and neutralises it."""
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
                "logical_address": Identifier(c.logical_address),
                "target_index": order.get(hsa_key(c.logical_address), 0)
                if c.call == "call2"
                else 0,
                "outcome": c.outcome,
                "elapsed_ms": c.elapsed_ms,
                "queued_ms": c.queued_ms,
                "message": c.message,  # may quote an answer: the boundary masks, then neutralises
                "hint": c.hint,
                "correlation_id": c.correlation_id,
                "exchange": _exchange(exchange) if exchange and c.outcome != "skipped" else None,
            }
        )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "bokade_version": __version__,
        "subject_of_care": subject_of_care,
        "logic": logic,
        "now": now,
        "relations": [Identifier(r) for r in relations],
        "calls": entries,
    }


def _exchange(e: Exchange) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "url": e.url,
        "soap_action": e.soap_action,
        "correlation_id": e.correlation_id,
        "status_code": e.status_code,
        "location": redirect_location(e.location),
        "request": _parsed(e.request),
        "response": None,
    }
    if e.response is not None:
        stored["response"] = _parsed(e.response)
        if stored["response"] is None:
            stored["refused"] = unparsed(e.response)
    return stored


def redirect_location(location: str | None) -> str | None:
    """What a capture keeps of a redirect's Location: "//host:port", all its message quotes.

    The rest (user information, path, query) is the producer's and is no business of a
    ticket; engine.failures.host reads the same host from it as from the header.
    """
    if not location:
        return location
    try:
        netloc = urlsplit(location).netloc
    except ValueError:
        return "//["  # a Location urlsplit cannot read; neither can it read this
    return "//" + netloc.rpartition("@")[2]


def _parsed(raw: bytes) -> ParsedXml | None:
    try:
        return ParsedXml(parse_xml(raw))
    except InvalidResponse:
        return None


def unparsed(raw: bytes) -> Unparsed:
    """What is kept of an answer that could not be parsed: never the answer itself, only its
    size, digest and start, read as a person would read it (the boundary masks and cuts it)."""
    window = raw[:READ_BYTES]
    cut = len(raw) > READ_BYTES
    return Unparsed(
        len(raw), hashlib.sha256(raw).hexdigest(), _readable(_decoded(window), cut), cut
    )


def _decoded(raw: bytes) -> str:
    """The bytes as text in the answer's own encoding: its byte order mark, the shape of its
    first characters, or its XML declaration (XML 1.0, appendix F); else UTF-8."""
    for mark, encoding in _BOMS:
        if raw.startswith(mark):
            return raw.decode(encoding, errors="replace")
    for start, encoding in _UNMARKED:
        if raw.startswith(start):
            return raw.decode(encoding, errors="replace")
    declared = _DECLARED.match(raw)
    if declared:
        try:
            return raw.decode(declared.group(1).decode("ascii"), errors="replace")
        except (LookupError, ValueError):
            pass  # an encoding Python does not know (or not a text encoding): read as UTF-8
    return raw.decode("utf-8", errors="replace")


def _readable(text: str, cut: bool) -> str:
    """Text that is not XML, with XML's ways of hiding characters undone all the same:
    comments and CDATA marks gone, references resolved. Where the read stopped before the
    answer did, markup still open there (a comment, a CDATA section, a tag, a reference) is
    dropped: its end, unread, might have joined what comes before into a number."""
    text = _COMMENT.sub("", text)
    text = _CDATA.sub(lambda match: match.group(1), text)
    if cut:
        for opening in ("<!--", "<![CDATA["):
            if opening in text:
                text = text[: text.index(opening)]
        last = text.rfind("<")
        if last != -1 and ">" not in text[last:]:
            text = text[:last]
        text = _OPEN_REFERENCE.sub("", text)
    return html.unescape(text.replace("<![CDATA[", ""))
