"""Capture every request and response of a run in one JSON file, personnummer masked.

An Exchange alone cannot reproduce a run: the capture also keeps each call's outcome, message,
hint and elapsed time (timeouts and transport errors have no response to re-read), the skipped
call2 entries, each call2's position in the relation list (the records' sort key) and the list
itself. `replay` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bokade_cli import __version__
from bokade_cli.collect import Subject, collect_once, unique_relations
from bokade_cli.config import Profile
from bokade_cli.errors import InputError
from bokade_cli.models import CallResult, CollectionResult, Logic
from bokade_cli.personnummer import Personnummer, mask_text
from bokade_cli.soap import Exchange
from bokade_cli.support.compare import collect_all

FORMAT = "bokade-capture"
FORMAT_VERSION = 1
CONTRACT_KEYS = {
    "call1": "GetSubjectOfCareSchedule",
    "call2": "GetSubjectOfCareSchedule",
    "call3-v3": "GetCareContacts/3",
    "call3-v2": "GetCareContacts/2",
}


class Recorder:
    """The `on_exchange` callback of a run: keeps every request and what came back."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)


def capture_document(
    calls: Sequence[CallResult],
    exchanges: Sequence[Exchange],
    *,
    mask: Callable[[str], str],
    subject_of_care: str,
    logic: str,
    now: str,
    relations: Sequence[str],
) -> dict[str, Any]:
    """The capture as JSON-ready data; `mask` runs over every text that could hold the number."""
    # (call id, logical address) is unique within a run: relations are de-duplicated first.
    by_tag = {(e.tag[0], e.tag[-1].strip().casefold()): e for e in exchanges if e.tag}
    order = {a.casefold(): i for i, a in enumerate(unique_relations(relations))}
    entries = []
    for c in calls:
        exchange = by_tag.get((c.call, c.logical_address.strip().casefold()))
        entries.append(
            {
                "call": c.call,
                "contract_key": CONTRACT_KEYS[c.call],
                "logical_address": c.logical_address,
                "target_index": order.get(c.logical_address.casefold(), 0)
                if c.call == "call2"
                else 0,
                "outcome": c.outcome,
                "elapsed_ms": c.elapsed_ms,
                "message": mask(c.message) if c.message else None,
                "hint": mask(c.hint) if c.hint else None,
                "correlation_id": c.correlation_id,
                "exchange": _exchange(exchange, mask)
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


def _exchange(e: Exchange, mask: Callable[[str], str]) -> dict[str, Any]:
    request, _ = _decode(e.request)
    response, encoding = _decode(e.response) if e.response is not None else (None, None)
    return {
        "url": e.url,
        "soap_action": e.soap_action,
        "correlation_id": e.correlation_id,
        "status_code": e.status_code,
        "request": mask(request),
        "response": mask(response) if response is not None else None,
        "response_encoding": encoding,
    }


def _decode(raw: bytes) -> tuple[str, str]:
    """Text to mask and store; the encoding turns it back into the very bytes received."""
    # NOTE: latin-1 maps every byte, so a non-UTF-8 answer round-trips exactly.
    for encoding in ("utf-16", "utf-8") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8",):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def write_capture(path: Path, document: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the capture file {path}: {exc.strerror or exc}",
            "Give a writable path for --save-capture.",
        ) from None


def collect_captured(
    profile: Profile,
    pnr: Personnummer,
    label: str,
    relations: Sequence[str],
    logic: Logic,
    now: datetime,
    save_capture: Path | None,
    on_event: Callable[[str], None] | None = None,
) -> CollectionResult:
    """collect_once, writing the capture file when asked to."""
    recorder = Recorder()
    result = collect_once(
        profile,
        Subject(pnr.digits, pnr.type_oid),
        label,
        relations,
        logic,
        now,
        on_event=on_event,
        on_exchange=recorder if save_capture else None,
    )
    if save_capture is not None:
        _save(save_capture, result.calls, recorder, pnr, logic, result.now, relations)
    return result


def collect_all_captured(
    profile: Profile,
    pnr: Personnummer,
    relations: Sequence[str],
    now: datetime,
    save_capture: Path | None,
    on_event: Callable[[str], None] | None = None,
) -> tuple[CallResult, ...]:
    """compare.collect_all, writing the capture file (logic "compare") when asked to."""
    recorder = Recorder()
    subject = Subject(pnr.digits, pnr.type_oid)
    calls = collect_all(
        profile,
        subject,
        relations,
        now,
        on_event=on_event,
        on_exchange=recorder if save_capture else None,
    )
    if save_capture is not None:
        moment = now.isoformat(timespec="seconds")
        _save(save_capture, calls, recorder, pnr, "compare", moment, relations)
    return calls


def _save(
    path: Path,
    calls: Sequence[CallResult],
    recorder: Recorder,
    pnr: Personnummer,
    logic: str,
    now: str,
    relations: Sequence[str],
) -> None:
    document = capture_document(
        calls,
        recorder.exchanges,
        mask=lambda text: mask_text(text, pnr),
        subject_of_care=pnr.masked,  # never in clear, whatever --unmask says
        logic=logic,
        now=now,
        relations=relations,
    )
    write_capture(path, document)
