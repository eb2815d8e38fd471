"""Render a collection: the rich table with call status and summary, or the JSON document."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.models import Appointment, CallResult, CollectionResult
from bokade_cli.stats import Stats, compute_stats

SCHEMA_VERSION = 1

_VERDICT_STYLE = {"shown": "green", "duplicate": "yellow", "filtered": "red"}
_OUTCOME_STYLE = {"ok": "green", "skipped": "dim"}


def summary_counts(result: CollectionResult) -> dict[str, int]:
    counts = Counter(a.verdict for a in result.appointments)
    return {
        "received": len(result.appointments),
        "shown": counts["shown"],
        "duplicate": counts["duplicate"],
        "filtered": counts["filtered"],
    }


def to_document(result: CollectionResult) -> dict[str, Any]:
    """The stable JSON document of SPEC §4 (schema_version 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "subject_of_care": result.subject_of_care,
        "now": result.now,
        "logic": result.logic,
        "complete": result.complete,
        "calls": [_call_document(c) for c in result.calls],
        "appointments": [_appointment_document(a) for a in result.appointments],
        "summary": summary_counts(result),
    }


def render_json(result: CollectionResult) -> str:
    return json.dumps(to_document(result), ensure_ascii=False, indent=2)


def _call_document(call: CallResult) -> dict[str, Any]:
    return {
        "call": call.call,
        "contract": call.contract,
        "logical_address": call.logical_address,
        "outcome": call.outcome,
        "elapsed_ms": call.elapsed_ms,
        "records": len(call.records),
        "message": call.message,
        "sources": [
            {"logical_address": s.logical_address, "status": s.status, "error": s.error}
            for s in call.sources
        ],
    }


def _appointment_document(a: Appointment) -> dict[str, Any]:
    r = a.record
    return {
        "id": a.id,
        "call": r.call,
        "facility_hsa_id": r.facility_hsa_id,
        "facility_name": r.facility_name,
        "start": a.start,
        "end": a.end,
        "raw_start": r.raw_start,
        "booking_id": r.booking_id,
        "invitation": r.invitation,
        "verdict": a.verdict,
        "reason": a.reason,
        "duplicate_of": a.duplicate_of,
        "match": a.match,
    }


def render_table(result: CollectionResult, console: Console, verbose: bool = False) -> None:
    """Appointments, then per-call status (with ProcessingStatus sources), then a summary."""
    console.print(
        Text(f"Bokade tider for {result.subject_of_care}: {result.logic} logic, now {result.now}")
    )
    table = Table(show_lines=False, header_style="bold")
    for name in ("ID", "Facility", "Start", "Call", "Verdict", "Reason / duplicate of"):
        table.add_column(name, overflow="fold")
    for a in result.appointments:
        table.add_row(*_row(a))
    if result.appointments:
        console.print(table)
    else:
        console.print(Text("No appointments were received.", style="bold"))
    console.print(Text("Calls", style="bold"))
    for call in result.calls:
        _print_call(call, console, verbose)
    render_stats(compute_stats(result), console)
    console.print(_summary_text(result))


def render_stats(stats: Stats, console: Console) -> None:
    """Per-call figures and the share of shown appointments call1 alone provides."""
    table = Table(title="Per call", title_justify="left", header_style="bold")
    for name in ("call", "received", "shown", "unique", "duplicate", "filtered"):
        table.add_column(name, justify="left" if name == "call" else "right")
    for c in stats.per_call:
        if c.received:
            table.add_row(
                c.call, *map(str, (c.received, c.shown, c.unique, c.duplicate, c.filtered))
            )
    if table.row_count:
        console.print(table)
    readiness = stats.target_readiness
    if readiness is not None:
        console.print(
            Text(
                f"Target readiness: {readiness:.0%} of the shown appointments come from call1 "
                "(what the target logic would still show)."
            )
        )


def _row(a: Appointment) -> list[Text]:
    r = a.record
    facility = r.facility_hsa_id or "(no facility)"
    if r.facility_name:
        facility += f" {r.facility_name}"
    start = a.start[:16].replace("T", " ") if a.start else (r.raw_start or "(no start)")
    if a.verdict == "duplicate":
        detail = f"duplicate of {a.duplicate_of} ({a.match})"
    elif a.verdict == "filtered":
        detail = a.reason or ""
    else:
        detail = "invitation" if r.invitation else ""
    # Text() cells are never parsed as markup: producer data like "[bold]" stays literal.
    return [
        Text(a.id),
        Text(facility),
        Text(start),
        Text(r.call),
        Text(a.verdict, style=_VERDICT_STYLE[a.verdict]),
        Text(detail),
    ]


def _print_call(call: CallResult, console: Console, verbose: bool) -> None:
    line = Text("  ")
    line.append(f"{call.call:<9}", style="bold")
    line.append(f"{call.contract} {call.logical_address} ")
    line.append(call.outcome, style=_OUTCOME_STYLE.get(call.outcome, "red"))
    if call.outcome != "skipped":
        line.append(f" {call.elapsed_ms} ms")
    if call.outcome == "ok":
        line.append(f", {len(call.records)} records")
    if call.message:
        line.append(f": {call.message}")
    console.print(line)
    if call.hint and call.outcome != "ok":
        console.print(Text(f"      hint: {call.hint}", style="dim"))
    for source in call.sources:
        mark = Text("      source ")
        mark.append(f"{source.logical_address} ")
        mark.append(source.status, style="red" if source.failed else "green")
        if source.error:
            mark.append(f": {source.error}")
        console.print(mark)
    if verbose:
        if call.correlation_id:
            console.print(Text(f"      x-skltp-correlation-id {call.correlation_id}", style="dim"))
        for note in call.notes:
            console.print(Text(f"      note: {note}", style="dim"))


def _summary_text(result: CollectionResult) -> Text:
    counts = summary_counts(result)
    text = Text(
        f"Received {counts['received']}: shown {counts['shown']}, "
        f"duplicate {counts['duplicate']}, filtered {counts['filtered']}. "
    )
    failed_calls = sum(1 for c in result.calls if c.failed)
    failed_sources = sum(1 for c in result.calls for s in c.sources if s.failed)
    if result.complete:
        text.append("Complete.", style="green")
    else:
        text.append(
            f"Incomplete: {failed_calls} call(s) and {failed_sources} source(s) failed.",
            style="red",
        )
    return text
