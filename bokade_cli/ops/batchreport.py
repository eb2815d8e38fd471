"""Render a batch run: the summary table, the JSON document, JSON Lines, and JUnit test cases."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.ops.batch import BatchRun, CaseResult
from bokade_cli.ops.junit import JUnitCase
from bokade_cli.personnummer import mask_text
from bokade_cli.render import render_stats, summary_counts, to_document
from bokade_cli.stats import stats_document, sum_stats

SCHEMA_VERSION = 1
_STYLE = {"passed": "green", "failed": "red", "error": "red", "not_run": "dim"}


def case_json(r: CaseResult) -> str:
    """One case as a JSON line: its outcome, and its collection as the SPEC §4 document."""
    error = None
    if r.error is not None:
        error = {"code": r.error[0], "message": r.error[1], "hint": r.error[2] or None}
    document = {
        "case": r.name,
        "index": r.case.index,
        "subject_of_care": r.subject,
        "status": r.status,
        "unmet": list(r.unmet),
        "error": error,
        "elapsed_ms": r.elapsed_ms,
        "result": to_document(r.result) if r.result is not None else None,
    }
    text = json.dumps(document, ensure_ascii=False)
    # NOTE: producers' fault texts can echo the request, personnummer included. Masking the
    # serialised text is one regex pass; the masked form needs no JSON escaping.
    return text if r.mask_with is None else mask_text(text, r.mask_with)


def case_document(r: CaseResult) -> dict[str, Any]:
    return dict(json.loads(case_json(r)))


def totals(run: BatchRun) -> dict[str, int]:
    ordered = run.ordered()
    counts = Counter(r.status for r in ordered)
    return {
        "cases": len(ordered),
        "passed": counts["passed"],
        "failed": counts["failed"],
        "error": counts["error"],
        "not_run": counts["not_run"],
        "partial": sum(r.partial for r in ordered),
        "expectations": sum(r.case.expect.count for r in ordered),
        "unmet": sum(len(r.unmet) for r in ordered),
    }


def batch_document(run: BatchRun) -> dict[str, Any]:
    ordered = run.ordered()
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "batch",
        "file": str(run.batch.path),
        "now": run.now.isoformat(timespec="seconds"),
        "concurrency": run.concurrency,
        "interrupted": run.interrupted,
        "elapsed_ms": round(run.elapsed_s * 1000),
        "summary": totals(run),
        "stats": stats_document(sum_stats(r.stats for r in ordered if r.stats is not None)),
        "cases": [case_document(r) for r in ordered],
    }


def progress_line(r: CaseResult, done: int, total: int) -> Text:
    """The plain per-case line written to stderr when it is not a terminal."""
    width = len(str(total))
    line = Text(f"[{done:>{width}}/{total}] ")
    line.append(f"{r.status:<7}", style=_STYLE[r.status])
    line.append(f" {r.name} [{r.subject}] {_outcome(r)}, {r.elapsed_ms} ms")
    return line


def _outcome(r: CaseResult) -> str:
    if r.error is not None:
        return r.error[1]
    if r.result is None:
        return "not run"
    counts = summary_counts(r.result)
    text = f"{counts['shown']} shown, " + ("complete" if r.result.complete else "partial")
    if r.unmet:
        text += "; " + "; ".join(r.unmet)
    return text


def render_batch(run: BatchRun, console: Console) -> None:
    """One row per case, the summed per-call statistics, and the totals."""
    table = Table(title=f"Batch {run.batch.path.name}", title_justify="left", header_style="bold")
    for name in ("#", "Case", "Subject", "Result", "Shown", "Dup", "Filtered", "Complete", "ms"):
        right = name in ("#", "Shown", "Dup", "Filtered", "ms")
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    table.add_column("Unmet expectations / error", overflow="fold")
    for r in run.ordered():
        counts = summary_counts(r.result) if r.result is not None else None
        cells = (
            [str(counts[k]) for k in ("shown", "duplicate", "filtered")] if counts else ["", "", ""]
        )
        complete = "" if r.result is None else "yes" if r.result.complete else "no"
        problems = "; ".join(r.unmet) if r.unmet else (r.error[1] if r.error else "")
        table.add_row(
            Text(str(r.case.index)),
            Text(r.name),
            Text(r.subject),
            Text(r.status, style=_STYLE[r.status]),
            *map(Text, cells),
            Text(complete, style="" if complete != "no" else "yellow"),
            Text(str(r.elapsed_ms) if r.status != "not_run" else ""),
            Text(problems),
        )
    console.print(table)
    render_stats(sum_stats(r.stats for r in run.ordered() if r.stats is not None), console)
    console.print(totals_text(run))


def totals_text(run: BatchRun) -> Text:
    t = totals(run)
    text = Text(
        f"{t['cases']} cases: {t['passed']} passed, {t['failed']} failed, {t['error']} error(s)"
        + (f", {t['not_run']} not run" if t["not_run"] else "")
        + f"; {t['partial']} partial. {t['unmet']} of {t['expectations']} expectations unmet. "
        f"{run.elapsed_s:.1f} s at concurrency {run.concurrency}."
    )
    if run.interrupted:
        text.append(" Interrupted: partial summary.", style="yellow")
    return text


def batch_junit(run: BatchRun) -> list[JUnitCase]:
    cases = []
    for r in run.ordered():
        name = f"{r.name} [{r.subject}]"
        seconds = r.elapsed_ms / 1000
        if r.status == "failed":
            message = r.unmet[0] + (f" (and {len(r.unmet) - 1} more)" if len(r.unmet) > 1 else "")
            case = JUnitCase(name, "failed", seconds, message, "\n".join(r.unmet))
        elif r.status == "error" and r.error is not None:
            details = r.error[1] + (f"\nhint: {r.error[2]}" if r.error[2] else "")
            case = JUnitCase(name, "error", seconds, r.error[1], details)
        elif r.status == "not_run":
            case = JUnitCase(name, "skipped", 0.0, "not run: the batch was interrupted")
        else:
            case = JUnitCase(name, "passed", seconds, output=_outcome(r))
        cases.append(case)
    return cases
