"""Replay a capture offline: re-read every captured response with today's parsers and rules.

So a support case can be re-examined (with another --now or --logic) and turned into a
regression test. Calls without a response (timeouts, transport errors, skipped call2 entries)
keep the outcome and message the live run gave them.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

from bokade_cli.contracts import CONTRACTS
from bokade_cli.contracts.processing_status import parse_processing_status
from bokade_cli.errors import CallError, InputError, InvalidResponse
from bokade_cli.models import CallResult, Logic, Outcome
from bokade_cli.rules import local_now
from bokade_cli.soap import interpret
from bokade_cli.support.capture import CONTRACT_KEYS, FORMAT, FORMAT_VERSION
from bokade_cli.support.compare import CALL3, calls_for_logic

_HINT = "Give a file written by `bokade collect --save-capture` (or compare/demo)."


def load_capture(path: Path) -> dict[str, Any]:
    """Read and check a capture file; errors name the file and the entry."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"cannot read the capture file {path}: {exc.strerror or exc}", _HINT
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a capture file (not JSON: {exc})", _HINT) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{path} is not a bokade capture file (no format {FORMAT!r})", _HINT)
    if document.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{path} has capture format version {document.get('format_version')!r}; "
            f"this bokade reads version {FORMAT_VERSION}",
            "Replay it with the bokade version named in its bokade_version.",
        )
    for key, kind in (("now", str), ("subject_of_care", str), ("relations", list), ("calls", list)):
        if not isinstance(document.get(key), kind):
            raise InputError(f"{path}: key {key!r} is missing or of the wrong type", _HINT)
    if not all(isinstance(r, str) for r in document["relations"]):
        raise InputError(f"{path}: key 'relations' must list HSA-ids (strings)", _HINT)
    for number, entry in enumerate(document["calls"], start=1):
        problem = _entry_problem(entry)
        if problem:
            raise InputError(f"{path}, call {number}: key {problem!r} is missing or wrong", _HINT)
    return document


def _entry_problem(entry: Any) -> str | None:
    """The first key of a call entry that replay could not use, or None."""
    if not isinstance(entry, dict) or entry.get("call") not in CONTRACT_KEYS:
        return "call"
    for key, kind in (("logical_address", str), ("outcome", str), ("elapsed_ms", int)):
        if not isinstance(entry.get(key), kind):
            return key
    if entry["outcome"] not in get_args(Outcome):  # the closed list of SPEC §4
        return "outcome"
    exchange = entry.get("exchange", False)
    if exchange is None:
        return None
    if not isinstance(exchange, dict) or not isinstance(exchange.get("response"), str | None):
        return "exchange"
    try:
        if exchange.get("response") is not None:
            exchange["response"].encode(exchange.get("response_encoding") or "utf-8")
    except (LookupError, UnicodeError, TypeError):
        return "exchange.response_encoding"
    if exchange.get("response") is not None and not isinstance(exchange.get("status_code"), int):
        return "exchange.status_code"
    return None


def replay_calls(document: dict[str, Any], logic: Logic) -> tuple[CallResult, ...]:
    """Rebuild the calls `logic` makes from a capture, re-reading every captured response."""
    calls = [_rebuild(entry) for entry in document["calls"]]
    names = {c.call for c in calls}
    need = {"target": {"call1"}, "current": {"call1", *CALL3}, "legacy": set(CALL3)}[logic]
    if not need <= names:
        raise InputError(
            f"the capture ({document.get('logic')} logic) holds no {', '.join(sorted(need - names))}, "
            f"which the {logic} logic needs",
            "Replay it with its own --logic, or capture with `bokade compare --save-capture`.",
        )
    return calls_for_logic(calls, document["relations"], logic)


def _rebuild(entry: dict[str, Any]) -> CallResult:
    """The CallResult the collector made from this answer, by the same steps."""
    contract = CONTRACTS[CONTRACT_KEYS[entry["call"]]]
    base: dict[str, Any] = {
        "call": entry["call"],
        "contract": contract.name,
        "logical_address": entry["logical_address"],
        "elapsed_ms": int(entry["elapsed_ms"]),
        "correlation_id": entry.get("correlation_id"),
    }
    exchange = entry["exchange"]
    if exchange is None or exchange.get("response") is None:
        return CallResult(
            outcome=entry["outcome"], message=entry.get("message"), hint=entry.get("hint"), **base
        )
    raw = exchange["response"].encode(exchange.get("response_encoding") or "utf-8")
    try:
        response = interpret(exchange["status_code"], raw)
        parsed = contract.parse(response.body, entry["call"], int(entry.get("target_index", 0)))
        sources = parse_processing_status(response.header)
    except CallError as exc:
        return CallResult(outcome=exc.outcome, message=exc.message, hint=exc.hint or None, **base)
    except Exception as exc:  # as the collector does: a parser bug is this call's outcome
        failure = InvalidResponse(
            f"the answer could not be read: {exc!r}", "Report this as a bug in bokade."
        )
        return CallResult(
            outcome=failure.outcome, message=failure.message, hint=failure.hint, **base
        )
    return CallResult(
        outcome="ok", records=parsed.records, sources=sources, notes=parsed.notes, **base
    )


def captured_now(document: dict[str, Any]) -> datetime:
    """The live run's `now`, so a replay judges exactly as the run did."""
    try:
        return local_now(datetime.fromisoformat(document["now"]))
    except (ValueError, TypeError):
        raise InputError(
            f"the capture's now {document['now']!r} is not an ISO 8601 time", _HINT
        ) from None
