"""A smoke report as a document, and its table and JUnit views (one test case per step)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from bokade_cli.output.documents import SCHEMA_VERSION
from bokade_cli.output.junit import JUnitCase, JUnitStatus
from bokade_cli.output.layout import Column, Line, cell, draw, first_fit, hanging, render

if TYPE_CHECKING:
    from bokade_cli.ops.smoke.run import SmokeReport

Document = dict[str, Any]
_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}


def smoke_document(report: SmokeReport, strict: bool, finished_at: str | None = None) -> Document:
    """The report as JSON; `finished_at` (ISO 8601) is when the run ended, for monitoring."""
    counts = Counter(s.verdict for s in report.steps)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "smoke",
        "profile": report.profile,
        "base_url": report.base_url,
        "strict": strict,
        "passed": not report.failed(strict),
        "finished_at": finished_at,
        "summary": {verdict: counts[verdict] for verdict in ("pass", "warn", "fail", "skip")},
        "steps": [
            {
                "step": s.key,
                "title": s.title,
                "verdict": s.verdict,
                "elapsed_ms": s.elapsed_ms,
                "detail": s.detail,
                "hint": s.hint,
                "data": dict(s.data),
            }
            for s in report.steps
        ],
    }


def render_smoke(doc: Document, console: Console, verbose: bool = False) -> None:
    """A table of the steps when it fits; on a narrow terminal each step's detail and hint go
    under its verdict line, word-wrapped, so no HSA-id or correlation id is ever broken."""
    console.print(
        Text(f"Smoke test of profile {doc['profile']} ({doc['base_url'] or 'no base_url'})")
    )
    steps = doc["steps"]
    columns = [
        Column("Step", cells=[cell(s["title"]) for s in steps]),
        Column("Verdict", cells=[cell(Line(s["verdict"], _STYLE[s["verdict"]])) for s in steps]),
        Column("ms", justify="right", cells=[cell(_elapsed(s)) for s in steps]),
        Column("Detail", cells=[cell(*_detail(s)) for s in steps]),
    ]
    found = first_fit(console.width, (columns,))
    if found is not None:
        draw(console, render(columns, found[1]))
    else:
        for step in steps:
            head = Text(f"{step['verdict']:<5}", style=_STYLE[step["verdict"]])
            head.append(f" {_elapsed(step):>5}{' ms' if _elapsed(step) else '   '}  ")
            hanging(console, head, Text(step["title"], style="bold"))
            for line in _detail(step):
                hanging(console, Text(" " * 16), Text(line.text, style=line.style))
    counts = doc["summary"]
    summary = Text(
        f"{len(doc['steps'])} steps: {counts['pass']} passed, {counts['warn']} warning(s), "
        f"{counts['fail']} failed, {counts['skip']} skipped. "
    )
    if not doc["passed"]:
        summary.append(
            "FAILED" + (" (--strict: warnings count)" if doc["strict"] else ""), style="red"
        )
    elif counts["warn"]:
        summary.append("PASSED with warnings (--strict makes them fail)", style="yellow")
    else:
        summary.append("PASSED", style="green")
    console.print(summary)


def _elapsed(step: Document) -> str:
    return "" if step["verdict"] == "skip" else str(step["elapsed_ms"])


def _detail(step: Document) -> list[Line]:
    """The detail, and the hint under it when the step warned or failed."""
    lines = [Line(step["detail"])]
    if step["hint"] and step["verdict"] in ("warn", "fail") and step["hint"] != step["detail"]:
        lines.append(Line(f"hint: {step['hint']}", "dim"))
    return lines


def smoke_junit(doc: Document) -> list[JUnitCase]:
    cases = []
    for step in doc["steps"]:
        failed = step["verdict"] == "fail" or (doc["strict"] and step["verdict"] == "warn")
        status: JUnitStatus = (
            "failed" if failed else "skipped" if step["verdict"] == "skip" else "passed"
        )
        details = step["detail"] + (f"\nhint: {step['hint']}" if step["hint"] else "")
        output = f"warning: {details}" if step["verdict"] == "warn" and not failed else ""
        cases.append(
            JUnitCase(
                name=step["title"],
                status=status,
                seconds=step["elapsed_ms"] / 1000,
                message=step["detail"],
                details=details,
                output=output or (step["detail"] if status == "passed" else ""),
                kind="step",
            )
        )
    return cases
