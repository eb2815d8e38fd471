"""The ProcessingStatus SOAP header an aggregating service writes: one record per source called."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator

from bokade_cli.contracts.shape import describe, shape, unread
from bokade_cli.contracts.values import DOUBTFUL_TEXT, at, is_doubtful, one, value
from bokade_cli.listings import disagreeing, note
from bokade_cli.models import SourceStatus
from bokade_cli.xmlparse import Node, element_names, key, split_key

NS_HEADERS = "urn:riv:interoperability:headers:1"

_STATUS = key(NS_HEADERS, "ProcessingStatus")
_LIST = key(NS_HEADERS, "ProcessingStatusList")
_ERROR = shape(NS_HEADERS, dict.fromkeys(("causingAgent", "code", "text")))
_RECORD = shape(
    NS_HEADERS,
    {
        **dict.fromkeys(("logicalAddress", "statusCode", "isResponseFromCache")),
        **dict.fromkeys(("isResponseInSynch", "lastSuccessfulSynch", "lastUnsuccessfulSynch")),
        "lastUnsuccessfulSynchError": _ERROR,
    },
)
_MAX_LISTED = 20  # sources named in the note on an element not read; a note stays one line


def parse_processing_status(header: Node) -> tuple[tuple[SourceStatus, ...], tuple[str, ...]]:
    """Every ProcessingStatusList record, whatever its statusCode, and notes on odd ones.

    A record without logicalAddress or statusCode is still a source the aggregator called: it
    is listed with what it has, its status unknown, so the run is not complete (SPEC §4).
    A second ProcessingStatus is read too (SOAP allows repeated header entries; its records are
    sources the aggregator reports). What looks like a ProcessingStatus or a record of one but
    is not the contract's (another namespace version, a misspelt name) is not read: 1177 reads
    the header by namespace and name, so it excludes nothing from call2 on it, and neither does
    bokade. But the aggregator's sources are then not known, so one source of unknown status
    stands for it and the run is not complete; the note names what it listed.
    A facility listed more than once with different statuses is noted (`bokade_cli.listings`).
    NOTE: the real aggregator omits lastSuccessfulSynch on NoDataSynchFailed records although
    the schema makes it mandatory, so nothing here requires it.
    """
    sources: list[SourceStatus] = []
    notes = _unexpected(header, _STATUS, "SOAP Header", sources)
    statuses = _present(header, _STATUS)
    if len(statuses) > 1:
        notes.append(
            f"SOAP Header: {len(statuses)} ProcessingStatus elements where the contract has one; "
            "the records of all were read"
        )
    entries = []
    for status in statuses:
        notes += _unexpected(status, _LIST, "ProcessingStatus", sources)
        entries += _present(status, _LIST)  # an empty <ProcessingStatusList/> is a record too
    for number, entry in enumerate(entries, 1):
        where = f"ProcessingStatusList #{number}"
        notes += unread(entry, _RECORD, where)
        address = value(one(entry, NS_HEADERS, "logicalAddress"))
        code = value(one(entry, NS_HEADERS, "statusCode"))
        gaps = [
            f"{'a doubtful' if is_doubtful(one(entry, NS_HEADERS, name)) else 'no'} {name}"
            for name, found in (("logicalAddress", address), ("statusCode", code))
            if not found
        ]
        if gaps:
            notes.append(f"{where}: {' and '.join(gaps)}; the source's status is unknown")
        sources.append(SourceStatus(logical_address=address, status=code, error=_error(entry)))
    notes += [note(listings) for listings in disagreeing(sources).values()]
    return tuple(sources), tuple(notes)


def _error(entry: Node) -> str | None:
    error = one(entry, NS_HEADERS, "lastUnsuccessfulSynchError")
    if error is None:
        return None
    parts = [
        value(at(error, NS_HEADERS, local), DOUBTFUL_TEXT) for local in ("causingAgent", "code")
    ]
    detail = value(at(error, NS_HEADERS, "text"), DOUBTFUL_TEXT)
    message = " ".join(p for p in parts if p) + (f": {detail}" if detail else "")
    return message or None


def _unexpected(parent: Node, expected: str, path: str, sources: list[SourceStatus]) -> list[str]:
    """Notes on elements beside `expected` that were not read; one that looks like it (same
    name in another namespace, or misspelt) adds a source of unknown status."""
    notes = []
    for name in element_names(parent):
        if name == expected:
            continue
        for element in _each(parent[name]):
            why = describe(name, [expected])
            if _looks_like(name, expected):
                listed = _listed(element)
                why += f"; it lists {listed}" if listed else "; it lists no source"
                sources.append(SourceStatus(None, None, why))
            notes.append(f"{path}: {why}")
    return notes


def _looks_like(name: str, expected: str) -> bool:
    local, wanted = split_key(name)[1], split_key(expected)[1]
    return local == wanted or bool(difflib.get_close_matches(local, [wanted], n=1, cutoff=0.8))


def _listed(element: Node) -> str:
    """'SE...-1 NoDataSynchFailed, SE...-2 DataFromSource': the sources an element not read
    names, found by local name in any namespace (it is not the contract's, so no shape fits)."""
    found = list(itertools.islice(_sources_in(element), _MAX_LISTED + 1))
    listed = ", ".join(" ".join(p for p in pair if p) for pair in found[:_MAX_LISTED])
    return listed + (", ..." if len(found) > _MAX_LISTED else "")


def _sources_in(node: Node) -> Iterator[tuple[str | None, str | None]]:
    if not isinstance(node, dict):
        return
    by_local = {split_key(n)[1]: node[n] for n in element_names(node)}
    if "logicalAddress" in by_local or "statusCode" in by_local:
        yield value(by_local.get("logicalAddress"), "?"), value(by_local.get("statusCode"), "?")
    for name in element_names(node):
        for child in _each(node[name]):
            yield from _sources_in(child)


def _present(parent: Node, name: str) -> list[Node]:
    """Every child `name` of parent, an empty one (None) included."""
    if not isinstance(parent, dict) or name not in parent:
        return []
    return _each(parent[name])


def _each(found: Node) -> list[Node]:
    return found if isinstance(found, list) else [found]
