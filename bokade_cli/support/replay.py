"""Replay a capture offline: re-read every stored answer with today's parsers and rules.

A capture is untrusted input (it may have been edited, or come from anyone's ticket): its
structure is checked, a stored answer that does not parse or any value holding raw control
characters is refused with the entry named, and every stored answer is read by the very
function a live call uses (engine.answer.read_answer), so a replay cannot drift from the run.
Calls without a stored answer (timeouts, transport errors, refused answers, skipped call2
entries) keep the outcome and message the live run gave them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

from bokade_cli import clock
from bokade_cli.contracts import CONTRACTS
from bokade_cli.controls import has_unsafe
from bokade_cli.engine.answer import Answer, read_answer
from bokade_cli.engine.run import CALL3, call_result, calls_for_logic, unique_relations
from bokade_cli.errors import InputError, InvalidResponse
from bokade_cli.hsa import hsa_key
from bokade_cli.inputs import read_input
from bokade_cli.models import CallResult, Logic, Outcome
from bokade_cli.output.captured import read_stored
from bokade_cli.quoting import quote
from bokade_cli.support.capture import CONTRACT_KEYS, FORMAT, FORMAT_VERSION
from bokade_cli.xmlparse import parse_xml

_HINT = "Give a file written by `bokade collect --save-capture` (or compare/explain/demo)."
MAX_CAPTURE_BYTES = 400_000_000  # 20 answers of the 20 MB cap, written back, with room


def load_capture(path: Path) -> dict[str, Any]:
    """Read and check a capture file (`-` reads stdin); errors name the file and the entry."""
    name = "standard input" if str(path) == "-" else str(path)
    text = read_input(path, "capture file", _HINT, limit=MAX_CAPTURE_BYTES)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is not a capture file (not JSON: {exc})", _HINT) from None
    except (ValueError, RecursionError):  # a 5,000-digit number, or nesting 100,000 deep
        raise InputError(f"{name} is not a capture file (JSON beyond sane limits)", _HINT) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{name} is not a bokade capture file (no format {FORMAT!r})", _HINT)
    if document.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{name} has capture format version {_short(document.get('format_version'))}; "
            f"this bokade reads version {FORMAT_VERSION}",
            "Capture the case again with this bokade (version 1 stored answers unmasked; "
            "version 2 could replay with other verdicts than the run's).",
        )
    problem = _unsafe(document, "")
    if problem:
        raise InputError(f"{name}: {problem} holds raw control characters; refused", _HINT)
    for key, kind in (("now", str), ("subject_of_care", str), ("relations", list), ("calls", list)):
        if not isinstance(document.get(key), kind):
            raise InputError(f"{name}: key {key!r} is missing or of the wrong type", _HINT)
    if not all(isinstance(r, str) for r in document["relations"]):
        raise InputError(f"{name}: key 'relations' must list HSA-ids (strings)", _HINT)
    try:
        captured_now(document)
    except InputError as exc:  # found by tests/test_fuzz.py: the message did not name the file
        raise InputError(f"{name}: key 'now': {exc.message}", exc.hint) from None
    for number, entry in enumerate(document["calls"], start=1):
        problem = _entry_problem(entry)
        if problem:
            raise InputError(f"{name}, call {number}: {problem}", _HINT)
    read: dict[str, Any] = _read_texts(document)
    return read


# Stored as XML (their references are XML's own) or only for a person to read.
_NOT_STORED_TEXT = frozenset({"request", "response", "refused"})


def _read_texts(value: Any) -> Any:
    """The capture with every text as the run had it (output/captured.py stores `&` and the
    characters no capture holds raw as character references)."""
    if isinstance(value, str):
        return read_stored(value)
    if isinstance(value, dict):
        return {
            key: item if key in _NOT_STORED_TEXT else _read_texts(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_read_texts(item) for item in value]
    return value


def _short(value: object) -> str:
    """A value of the capture for a message. Never repr(): its escapes (\\u200b) would hide a
    number split by such a character from the masking the output boundary does."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return json.dumps(value)  # digits and words only: nothing to hide
    return "(a list)" if isinstance(value, list) else "(an object)"


def _unsafe(value: Any, where: str) -> str | None:
    """The path of the first string holding characters no capture bokade writes may hold."""
    if isinstance(value, str):
        return (where or "a value") if has_unsafe(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unsafe(key, where) or _unsafe(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unsafe(item, f"{where}[{index}]")
            if found:
                return found
    return None


def _entry_problem(entry: Any) -> str | None:
    """What makes a call entry unusable for replay, or None."""
    call = entry.get("call") if isinstance(entry, dict) else None
    # NOTE: isinstance first: `[...] in CONTRACT_KEYS` raises TypeError (found by test_fuzz).
    if not isinstance(call, str) or call not in CONTRACT_KEYS:
        return "key 'call' is missing or wrong"
    for key, kind in (("logical_address", str), ("outcome", str), ("elapsed_ms", int)):
        if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
            return f"key {key!r} is missing or wrong"
    if entry["outcome"] not in get_args(Outcome):  # the closed list of SPEC §4
        return "key 'outcome' is not an outcome"
    if not isinstance(entry.get("target_index", 0), int):
        return "key 'target_index' is wrong"
    for key in ("message", "hint", "correlation_id"):
        if not isinstance(entry.get(key), str | None):
            return f"key {key!r} is wrong"
    exchange = entry.get("exchange")
    if exchange is None:
        return None
    if not isinstance(exchange, dict) or not isinstance(exchange.get("response"), str | None):
        return "key 'exchange' is wrong"
    if exchange.get("response") is None:
        return None
    status = exchange.get("status_code")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 999:
        return "key 'exchange.status_code' is wrong"
    if not isinstance(exchange.get("location"), str | None):
        return "key 'exchange.location' is wrong"
    try:
        parse_xml(exchange["response"].encode("utf-8"))
    except InvalidResponse as exc:
        return f"the stored answer does not parse ({exc.message})"
    return None


def replay_calls(
    document: dict[str, Any], logic: Logic, calls: Sequence[CallResult] | None = None
) -> tuple[CallResult, ...]:
    """The calls `logic` makes, from a capture's calls (rebuilt here unless given)."""
    calls = tuple(calls) if calls is not None else rebuild_calls(document)
    missing = sorted(needed_calls(logic) - {c.call for c in calls})
    if missing:
        raise InputError(
            f"the capture ({document.get('logic')} logic) holds no {', '.join(missing)}, "
            f"which the {logic} logic needs",
            "Replay it with its own --logic, or capture with `bokade compare --save-capture`.",
        )
    return calls_for_logic(calls, document["relations"], logic)


def rebuild_calls(document: dict[str, Any]) -> tuple[CallResult, ...]:
    """Every call of a capture as the live run made it, in the captured order."""
    return tuple(_rebuild(entry) for entry in document["calls"])


def cannot_judge(document: dict[str, Any], calls: Sequence[CallResult], logic: Logic) -> str | None:
    """Why the capture cannot show what `logic` would show (a sentence), or None if it can.

    A logic is judged only from the very calls it makes: call1 (target, current), call3
    (current, legacy), and for legacy a direct call to every relation facility. A current-logic
    capture has no direct call to a facility call1 already called (the live run skipped it).
    """
    captured = document.get("logic") if document.get("logic") in ("current", "target", "legacy", "all") else "unknown"  # fmt: skip
    missing = sorted(needed_calls(logic) - {c.call for c in calls})
    if missing:
        return (
            f"the capture ({captured} logic) holds no {', '.join(missing)}, which the {logic} "
            "logic needs"
        )
    if logic != "legacy":
        return None
    made = {
        hsa_key(c.logical_address) for c in calls if c.call == "call2" and c.outcome != "skipped"
    }
    unknown = [a for a in unique_relations(document["relations"]) if hsa_key(a) not in made]
    if not unknown:
        return None
    return (
        f"the capture ({captured} logic) holds no direct call to {', '.join(unknown)}: the "
        "captured run did not call them (call1 had called them), and the legacy logic calls "
        "every relation facility directly. Capture with `bokade compare --save-capture` to "
        "judge every logic"
    )


def needed_calls(logic: Logic) -> set[str]:
    return {"target": {"call1"}, "current": {"call1", *CALL3}, "legacy": set(CALL3)}[logic]


def _rebuild(entry: dict[str, Any]) -> CallResult:
    """The CallResult the live run made from this entry, by the same steps."""
    contract = CONTRACTS[CONTRACT_KEYS[entry["call"]]]
    exchange = entry.get("exchange") or {}
    if exchange.get("response") is None:
        answer = Answer(entry["outcome"], entry.get("message"), entry.get("hint"))
    else:
        answer = read_answer(
            contract,
            entry["call"],
            int(entry.get("target_index", 0)),
            exchange["status_code"],
            exchange["response"].encode("utf-8"),
            exchange.get("location"),
        )
    return call_result(
        entry["call"],
        contract,
        entry["logical_address"],
        answer,
        entry["elapsed_ms"],
        entry.get("correlation_id"),
        entry.get("queued_ms", 0) if isinstance(entry.get("queued_ms", 0), int) else 0,
    )


def captured_now(document: dict[str, Any]) -> datetime:
    """The live run's `now`, so a replay judges exactly as the run did."""
    shown = _short(document["now"])
    try:
        parsed = clock.parse_iso(document["now"])
    except (ValueError, TypeError):
        raise InputError(f"the capture's now {shown} is not an ISO 8601 time", _HINT) from None
    try:
        return clock.now_instant(parsed)
    except ValueError:  # a valid time, yet it or 3 years after it is beyond what rules judge
        raise InputError(
            f"the capture's now {shown} is out of range (it or 3 years after it falls outside "
            "the years the rules can handle)",
            _HINT,
        ) from None
