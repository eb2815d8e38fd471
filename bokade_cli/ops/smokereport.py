"""Render a smoke report: the table, the JSON document, and JUnit test cases (one per step)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.ops.junit import JUnitCase, JUnitStatus
from bokade_cli.ops.smoke import SmokeReport
from bokade_cli.ops.smokesteps import Step

SCHEMA_VERSION = 1
_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}


def smoke_document(report: SmokeReport, strict: bool) -> dict[str, Any]:
    counts = Counter(s.verdict for s in report.steps)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "smoke",
        "profile": report.profile,
        "base_url": report.base_url,
        "strict": strict,
        "passed": not report.failed(strict),
        "summary": {verdict: counts[verdict] for verdict in ("pass", "warn", "fail", "skip")},
        "steps": [_step_document(s) for s in report.steps],
    }


def _step_document(step: Step) -> dict[str, Any]:
    return {
        "step": step.key,
        "title": step.title,
        "verdict": step.verdict,
        "elapsed_ms": step.elapsed_ms,
        "detail": step.detail,
        "hint": step.hint,
        "data": dict(step.data),
    }


def render_smoke(report: SmokeReport, console: Console, strict: bool) -> None:
    console.print(
        Text(f"Smoke test of profile {report.profile} ({report.base_url or 'no base_url'})")
    )
    table = Table(header_style="bold")
    for name in ("Step", "Verdict", "ms", "Detail"):
        table.add_column(name, overflow="fold", justify="right" if name == "ms" else "left")
    for step in report.steps:
        detail = Text(step.detail)
        if step.hint and step.verdict in ("warn", "fail"):
            detail.append(f"\nhint: {step.hint}", style="dim")
        elapsed = "" if step.verdict == "skip" else str(step.elapsed_ms)
        table.add_row(
            Text(step.title), Text(step.verdict, style=_STYLE[step.verdict]), Text(elapsed), detail
        )
    console.print(table)
    counts = Counter(s.verdict for s in report.steps)
    line = Text(
        f"{len(report.steps)} steps: {counts['pass']} passed, {counts['warn']} warning(s), "
        f"{counts['fail']} failed, {counts['skip']} skipped. "
    )
    if report.failed(strict):
        line.append("FAILED" + (" (--strict: warnings count)" if strict else ""), style="red")
    else:
        line.append("PASSED", style="green")
    console.print(line)


def smoke_junit(report: SmokeReport, strict: bool) -> list[JUnitCase]:
    cases = []
    for step in report.steps:
        failed = step.verdict == "fail" or (strict and step.verdict == "warn")
        status: JUnitStatus = (
            "failed" if failed else "skipped" if step.verdict == "skip" else "passed"
        )
        details = step.detail + (f"\nhint: {step.hint}" if step.hint else "")
        output = f"warning: {details}" if step.verdict == "warn" and not failed else ""
        cases.append(
            JUnitCase(
                name=step.title,
                status=status,
                seconds=step.elapsed_ms / 1000,
                message=step.detail,
                details=details,
                output=output or (step.detail if status == "passed" else ""),
                kind="step",
            )
        )
    return cases
