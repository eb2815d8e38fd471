"""The ProcessingStatus SOAP header an aggregating service writes: one record per source called."""

from __future__ import annotations

from bokade_cli.models import SourceStatus
from bokade_cli.xmlparse import Node, child, children, path_text

NS_HEADERS = "urn:riv:interoperability:headers:1"


def parse_processing_status(header: Node) -> tuple[SourceStatus, ...]:
    """Every ProcessingStatusList record, whatever its statusCode.

    NOTE: the real aggregator omits lastSuccessfulSynch on NoDataSynchFailed records although
    the schema makes it mandatory, so nothing here requires it.
    """
    status = child(header, NS_HEADERS, "ProcessingStatus")
    sources = []
    for entry in children(status, NS_HEADERS, "ProcessingStatusList"):
        address = path_text(entry, NS_HEADERS, "logicalAddress")
        if address is None:
            continue
        error = child(entry, NS_HEADERS, "lastUnsuccessfulSynchError")
        message = None
        if error is not None:
            parts = [
                path_text(error, NS_HEADERS, "causingAgent"),
                path_text(error, NS_HEADERS, "code"),
            ]
            detail = path_text(error, NS_HEADERS, "text")
            message = " ".join(p for p in parts if p) + (f": {detail}" if detail else "")
        sources.append(
            SourceStatus(
                logical_address=address,
                status=path_text(entry, NS_HEADERS, "statusCode") or "(no statusCode)",
                error=message or None,
            )
        )
    return tuple(sources)
