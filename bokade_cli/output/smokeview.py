"""A smoke report as a document, and its table and JUnit views (one test case per step)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.output.documents import SCHEMA_VERSION
from bokade_cli.output.junit import JUnitCase, JUnitStatus

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
    console.print(
        Text(f"Smoke test of profile {doc['profile']} ({doc['base_url'] or 'no base_url'})")
    )
    table = Table(header_style="bold")
    for name in ("Step", "Verdict", "ms", "Detail"):
        table.add_column(name, overflow="fold", justify="right" if name == "ms" else "left")
    for step in doc["steps"]:
        detail = Text(step["detail"])
        if step["hint"] and step["verdict"] in ("warn", "fail") and step["hint"] != step["detail"]:
            detail.append(f"\nhint: {step['hint']}", style="dim")
        elapsed = "" if step["verdict"] == "skip" else str(step["elapsed_ms"])
        table.add_row(
            Text(step["title"]),
            Text(step["verdict"], style=_STYLE[step["verdict"]]),
            Text(elapsed),
            detail,
        )
    console.print(table)
    counts = doc["summary"]
    line = Text(
        f"{len(doc['steps'])} steps: {counts['pass']} passed, {counts['warn']} warning(s), "
        f"{counts['fail']} failed, {counts['skip']} skipped. "
    )
    if not doc["passed"]:
        line.append(
            "FAILED" + (" (--strict: warnings count)" if doc["strict"] else ""), style="red"
        )
    elif counts["warn"]:
        line.append("PASSED with warnings (--strict makes them fail)", style="yellow")
    else:
        line.append("PASSED", style="green")
    console.print(line)


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
