"""Read one answer into its outcome, records, sources and notes: a live call and a replay share this.

Everything from the body's bytes to the records happens here, inside the call's own error
boundary: whatever an answer holds, the worst it can do is fail its own call.
"""

from __future__ import annotations

from dataclasses import dataclass

from bokade_cli.contracts import Contract
from bokade_cli.contracts.processing_status import parse_processing_status
from bokade_cli.engine.soap import interpret
from bokade_cli.errors import CallError
from bokade_cli.models import CallId, Outcome, Record, SourceStatus


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    message: str | None = None
    hint: str | None = None
    records: tuple[Record, ...] = ()
    sources: tuple[SourceStatus, ...] = ()
    notes: tuple[str, ...] = ()


def failure(exc: CallError) -> Answer:
    return Answer(exc.outcome, exc.message, exc.hint or None, notes=exc.notes)


def read_answer(
    contract: Contract,
    call: CallId,
    index: int,
    status: int,
    body: bytes,
    location: str | None = None,
) -> Answer:
    """The call's outcome from the HTTP status and body (SOAP fault, HTTP error, not SOAP, ok)."""
    try:
        response = interpret(status, body, location=location)
        parsed = contract.parse(response.body, call, index)
        sources, source_notes = parse_processing_status(response.header)
    except CallError as exc:
        return failure(exc)
    except Exception as exc:  # a parser bug must cost this call only, never the run
        return Answer(
            "invalid_response",
            f"the answer could not be read ({type(exc).__name__})",
            "This is a bug in bokade: report it with the capture (--save-capture) of the run.",
        )
    notes = response.notes + parsed.notes + source_notes
    return Answer("ok", None, None, parsed.records, sources, notes)
