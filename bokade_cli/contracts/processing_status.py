"""The ProcessingStatus SOAP header an aggregating service writes: one record per source called."""

from __future__ import annotations

from bokade_cli.models import SourceStatus
from bokade_cli.xmlparse import Node, child, children, path_text

NS_HEADERS = "urn:riv:interoperability:headers:1"


def parse_processing_status(header: Node) -> tuple[tuple[SourceStatus, ...], tuple[str, ...]]:
    """Every ProcessingStatusList record, whatever its statusCode, and notes on odd ones.

    A record without logicalAddress or statusCode is still a source the aggregator called: it
    is listed with what it has, its status unknown, so the run is not complete (SPEC §4).
    NOTE: the real aggregator omits lastSuccessfulSynch on NoDataSynchFailed records although
    the schema makes it mandatory, so nothing here requires it.
    """
    status = child(header, NS_HEADERS, "ProcessingStatus")
    sources, notes = [], []
    for number, entry in enumerate(children(status, NS_HEADERS, "ProcessingStatusList"), 1):
        address = path_text(entry, NS_HEADERS, "logicalAddress")
        code = path_text(entry, NS_HEADERS, "statusCode")
        missing = [name for name, v in (("logicalAddress", address), ("statusCode", code)) if not v]
        if missing:
            notes.append(
                f"ProcessingStatusList #{number}: no {' and no '.join(missing)}; "
                "the source's status is unknown"
            )
        error = child(entry, NS_HEADERS, "lastUnsuccessfulSynchError")
        message = None
        if error is not None:
            parts = [
                path_text(error, NS_HEADERS, "causingAgent"),
                path_text(error, NS_HEADERS, "code"),
            ]
            detail = path_text(error, NS_HEADERS, "text")
            message = " ".join(p for p in parts if p) + (f": {detail}" if detail else "")
        sources.append(SourceStatus(logical_address=address, status=code, error=message or None))
    return tuple(sources), tuple(notes)
