"""Render explain, compare and relations results: a rich view for people, a JSON document for tools."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.models import CallResult
from bokade_cli.render import SCHEMA_VERSION, render_stats, to_document
from bokade_cli.stats import compute_stats, stats_document
from bokade_cli.support.compare import LOGICS, Comparison
from bokade_cli.support.explain import Explanation
from bokade_cli.support.relation_events import Relation

_KIND_STYLE = {"verdict": "bold", "check": "cyan", "hint": "yellow"}
_ANSWER = {
    "shown": "the appointment is shown",
    "filtered": "the appointment was received but is not shown (filtered)",
    "not_received": "no call returned the appointment",
}


def explanation_document(e: Explanation) -> dict[str, Any]:
    doc = to_document(e.result)
    ids = {a.id for a in e.matches}
    q = e.query
    return {
        "schema_version": SCHEMA_VERSION,
        "subject_of_care": doc["subject_of_care"],
        "now": doc["now"],
        "query": {
            "booking_id": q.booking_id,
            "facility": q.facility,
            "start": (q.start.date().isoformat() if q.whole_day else q.start.isoformat())
            if q.start
            else None,
        },
        "relations": list(e.relations),
        "answer": e.answer,
        "complete": doc["complete"],
        "findings": [
            {
                "code": f.code,
                "kind": f.kind,
                "message": f.message,
                "appointment": f.appointment,
                "facility": f.facility,
                "call": f.call,
            }
            for f in e.findings
        ],
        "appointments": [a for a in doc["appointments"] if a["id"] in ids],
        "summary": doc["summary"],
    }


def render_explanation(e: Explanation, console: Console) -> None:
    r = e.result
    console.print(Text(f"Explain {e.query.describe()} for {r.subject_of_care} (now {r.now})"))
    console.print(Text(f"Answer: {_ANSWER[e.answer]}.", style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for f in e.findings:
        grid.add_row(Text(f.code, style=_KIND_STYLE[f.kind]), Text(f.message))
    console.print(grid)
    _complete_line(r.calls, console)


def comparison_document(c: Comparison) -> dict[str, Any]:
    doc = to_document(c.union)
    return {
        "schema_version": SCHEMA_VERSION,
        "subject_of_care": doc["subject_of_care"],
        "now": doc["now"],
        "complete": doc["complete"],
        "relations": list(c.relations),
        "logics": {
            logic: {"shown": _shown(c, logic), "complete": c.results[logic].complete}
            for logic in LOGICS
        },
        "appointments": [
            {
                "id": row.id,
                "facility_hsa_id": row.appointment.record.facility_hsa_id,
                "facility_name": row.appointment.record.facility_name,
                "start": row.appointment.start,
                "booking_id": row.appointment.record.booking_id,
                "document_id": row.appointment.record.document_id,
                **{logic: row.shown_by[logic] for logic in LOGICS},
                "missing": {
                    logic: {"code": code, "message": message}
                    for logic, (code, message) in row.missing.items()
                },
            }
            for row in c.rows
        ],
        "lost_under_target": _lost(c, "target"),
        "lost_under_current": _lost(c, "current", "legacy"),
        "stats": stats_document(compute_stats(c.results["current"])),
        "calls": doc["calls"],
    }


def _lost(c: Comparison, logic: str, compared_to: str = "current") -> list[dict[str, str]]:
    return [
        {"id": row.id, "code": row.missing[logic][0], "message": row.missing[logic][1]}
        for row in c.lost(logic, compared_to)
    ]


def _shown(c: Comparison, logic: str) -> int:
    return sum(1 for row in c.rows if row.shown_by[logic])


def render_comparison(c: Comparison, console: Console) -> None:
    counts = ", ".join(f"{logic} {_shown(c, logic)}" for logic in LOGICS)
    console.print(Text(f"Appointments shown per logic for {c.union.subject_of_care}: {counts}"))
    table = Table(header_style="bold")
    for name in ("ID", "Facility", "Start", *LOGICS):
        table.add_column(name, overflow="fold")
    for row in c.rows:
        r = row.appointment.record
        facility = (r.facility_hsa_id or "") + (f" {r.facility_name}" if r.facility_name else "")
        start = (row.appointment.start or "")[:16].replace("T", " ")
        cells = [
            Text(row.shown_by[x] or "—", style="" if row.shown_by[x] else "red") for x in LOGICS
        ]
        table.add_row(Text(row.id), Text(facility), Text(start), *cells)
    if c.rows:
        console.print(table)
    for logic, compared_to, title in (
        ("target", "current", "Lost under the target logic (call1 only)"),
        ("current", "legacy", "Shown by the legacy logic but not the current one"),
    ):
        lost = c.lost(logic, compared_to)
        if lost or logic == "target":
            console.print(Text(f"{title}: {len(lost)}", style="bold"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True, style="cyan")
        grid.add_column(overflow="fold")
        for row in lost:
            code, message = row.missing[logic]
            grid.add_row(Text(f"  {row.id}"), Text(code), Text(message))
        if lost:
            console.print(grid)
    render_stats(compute_stats(c.results["current"]), console)
    _complete_line(c.union.calls, console)


def relations_document(relations: list[Relation], file: str, as_of: date | None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "file": file,
        "as_of": as_of.isoformat() if as_of else None,
        "relations": [r.facility for r in relations if r.exists],
        "facilities": [
            {
                "facility_hsa_id": r.facility,
                "facility_name": r.facility_name,
                "relation": r.exists,
                "rule": r.rule,
                "since": r.since.isoformat() if r.since else None,
                "explanation": r.explanation,
                "history": [
                    {
                        "date": s.event.day.isoformat(),
                        "event": s.event.event,
                        "effect": s.effect,
                        "explanation": s.explanation,
                        "note": s.event.note,
                    }
                    for s in r.history
                ],
            }
            for r in relations
        ],
    }


def render_relations(relations: list[Relation], file: str, console: Console) -> None:
    existing = sum(1 for r in relations if r.exists)
    console.print(
        Text(
            f"{file}: {existing} of {len(relations)} facilities have a relation (mottagningsrelation)"
        )
    )
    for r in relations:
        name = f" {r.facility_name}" if r.facility_name else ""
        head = Text(f"{r.facility}{name}: ", style="bold")
        head.append("relation" if r.exists else "no relation", style="green" if r.exists else "red")
        head.append(f" [{r.rule}] ")
        head.append(r.explanation)
        console.print(head)
        for s in r.history:
            note = f" ({s.event.note})" if s.event.note else ""
            console.print(
                Text(f"    {s.event.day} {s.event.event} → {s.effect}: {s.explanation}{note}")
            )


def _complete_line(calls: tuple[CallResult, ...], console: Console) -> None:
    failed = [f"{c.call} {c.logical_address} {c.outcome}" for c in calls if c.failed]
    failed += [
        f"{c.call} source {s.logical_address} {s.status}"
        for c in calls
        for s in c.sources
        if s.failed
    ]
    if failed:
        console.print(Text("Incomplete: " + "; ".join(failed) + ".", style="red"))
    else:
        console.print(Text("Complete: every call and source answered.", style="green"))
