"""The facilities a ProcessingStatus lists, each once, however often and in whatever order it is listed.

An aggregator may list a facility more than once (the same HSA-id, or spellings that differ in
case only), and the listings may disagree: one `NoDataSynchFailed`, one `DataFromSource`. Which
one came last must not decide the diagnosis. If any listing says the facility failed, its
appointments may be missing from call1's answer, so it counts as failed; blaming the facility
("it answered without it") could send support to the wrong party. 1177 excludes it from call2
either way: it was called.
"""

from __future__ import annotations

from collections.abc import Iterable

from bokade_cli.hsa import hsa_key
from bokade_cli.models import SourceStatus


def by_facility(sources: Iterable[SourceStatus]) -> dict[str, SourceStatus]:
    """Each listed facility once, keyed by `hsa_key`: its first failed listing, else its first."""
    found: dict[str, SourceStatus] = {}
    for source in sources:
        if not source.logical_address:
            continue  # a source of unknown address names no facility
        key = hsa_key(source.logical_address)
        if key not in found or (source.failed and not found[key].failed):
            found[key] = source
    return found


def disagreeing(sources: Iterable[SourceStatus]) -> dict[str, list[SourceStatus]]:
    """Facilities listed more than once with different statuses: every listing, in document order."""
    listed: dict[str, list[SourceStatus]] = {}
    for source in sources:
        if source.logical_address:
            listed.setdefault(hsa_key(source.logical_address), []).append(source)
    return {
        key: listings for key, listings in listed.items() if len({s.status for s in listings}) > 1
    }


def statuses(listings: Iterable[SourceStatus]) -> str:
    """'NoDataSynchFailed, DataFromSource': what the listings said, in document order."""
    return ", ".join(s.status or "no statusCode" for s in listings)


NOTE_START = "ProcessingStatus lists "  # how the note below begins, so explain can tell it apart


def note(listings: list[SourceStatus]) -> str:
    """The note on a facility listed with different statuses (it was read, not left unread)."""
    said = (
        "one says it failed, so it counts as failed (its appointments may be missing)"
        if any(s.failed for s in listings)
        else "each says it answered"
    )
    return (
        f"{NOTE_START}{listings[0].logical_address} {len(listings)} times with different "
        f"statuses ({statuses(listings)}): {said}"
    )
