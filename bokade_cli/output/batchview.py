"""A batch run as documents (one per case, and the whole batch) and their table and JUnit views."""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from bokade_cli import clock
from bokade_cli.models import CALL_PRIORITY
from bokade_cli.output.composing import report_section
from bokade_cli.output.csvtext import csv_text
from bokade_cli.output.documents import SCHEMA_VERSION, collect_document, stats_fields
from bokade_cli.output.junit import JUnitCase
from bokade_cli.output.layout import Cell, Column, Line, cell, hanging, name, print_fitted
from bokade_cli.output.table import facility_line, facility_lines, render_stats
from bokade_cli.rules import sum_stats

if TYPE_CHECKING:
    from bokade_cli.ops.batch.facilities import FacilityReport
    from bokade_cli.ops.batch.run import BatchRun, CaseResult

Document = dict[str, Any]
TOP_TO_CONTACT = 5  # facilities the --by-facility section names as the first to contact
_STYLE = {"passed": "green", "failed": "red", "error": "red", "not_run": "dim"}


def case_document(r: CaseResult) -> Document:
    """One case: its outcome, and its collection as the SPEC §4 document (unmasked: the
    boundary masks it with the case's own number)."""
    error = None
    if r.error is not None:
        error = {"code": r.error[0], "message": r.error[1], "hint": r.error[2] or None}
    return {
        "case": r.case.name,
        "index": r.case.index,
        "subject_of_care": r.subject,
        "status": r.status,
        "unmet": list(r.unmet),
        "error": error,
        "elapsed_ms": r.elapsed_ms,
        "result": collect_document(r.result, r.stats) if r.result is not None else None,
    }


def totals(cases: list[Document], expectations: int) -> dict[str, int]:
    counts = Counter(c["status"] for c in cases)
    return {
        "cases": len(cases),
        "passed": counts["passed"],
        "failed": counts["failed"],
        "error": counts["error"],
        "not_run": counts["not_run"],
        "partial": sum(1 for c in cases if c["result"] is not None and not c["result"]["complete"]),
        "expectations": expectations,
        "unmet": sum(len(c["unmet"]) for c in cases),
    }


def batch_document(
    run: BatchRun, cases: list[Document], facilities: list[Document] | None = None
) -> Document:
    """The whole batch; `cases` are the case documents in file order, already masked;
    `facilities` the target readiness by facility (--by-facility), already masked."""
    ordered = run.ordered()
    summed = sum_stats(r.stats for r in ordered if r.stats is not None)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": "batch",
        "file": str(run.batch.path),
        "now": clock.iso(run.now),  # as each case writes it: Stockholm time with its offset
        "concurrency": run.concurrency,
        "interrupted": run.interrupted,
        "elapsed_ms": round(run.elapsed_s * 1000),
        "summary": totals(cases, sum(r.case.expect.count for r in ordered)),
        **stats_fields(summed),
    }
    if facilities is not None:
        doc["facilities"] = facilities
    doc["cases"] = cases
    return doc


# --- target readiness by facility (--by-facility) -------------------------------------------
#
# A planning aggregate: facilities and counts, never a citizen (not even masked). The table
# section, the JSON `facilities` list and the CSV rows are all drawn from one list of
# documents, so they cannot disagree.

FACILITY_COLUMNS = (
    "facility_hsa_id",
    "facility_name",
    "shown",
    *CALL_PRIORITY,
    "lost_under_target",
    "cases",
    "in_engagement_index",
    "failed_in_call1",
)


def facility_documents(report: FacilityReport) -> list[Document]:
    """One document per facility, in the report's order (unmasked: the boundary masks)."""
    return [
        {
            "facility_hsa_id": f.facility_hsa_id,
            "facility_name": f.facility_name,
            "shown": f.shown,
            "by_call": dict(f.by_call),
            "lost_under_target": f.lost_under_target,
            "cases": f.cases,
            "in_engagement_index": f.in_engagement_index,
            "failed_in_call1": f.failed_in_call1,
        }
        for f in report.facilities
    ]


def facilities_line(report: FacilityReport, facilities: list[Document]) -> Document:
    """The last JSON Lines record of a --by-facility batch (the cases' lines come first)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "facilities",
        "cases": report.cases,
        "shown": report.shown,
        "lost_under_target": report.lost_under_target,
        "target_readiness": report.target_readiness,
        "facilities": facilities,
    }


def render_facilities_csv(doc: Document, verbose: bool = False) -> str:
    """--format csv: a header row and one row per facility, for spreadsheets."""
    rows = (
        (
            f["facility_hsa_id"],
            f["facility_name"],
            f["shown"],
            *(f["by_call"][call] for call in CALL_PRIORITY),
            f["lost_under_target"],
            f["cases"],
            f["in_engagement_index"],
            f["failed_in_call1"],
        )
        for f in doc.get("facilities") or ()
    )
    return csv_text(FACILITY_COLUMNS, rows)


def render_facilities(facilities: list[Document], console: Console) -> None:
    """The section "Target readiness by facility": the table, the overall readiness, the
    facilities to contact first, and those that fail in call1. It names no citizen: its
    composed texts are masked as the report's values are, even with --unmask."""
    with report_section():
        _render_facilities(facilities, console)


def _render_facilities(facilities: list[Document], console: Console) -> None:
    # Laid out as the collect table is (output/layout.py): an HSA-id is never cut or folded;
    # the name is shortened, or goes under the id, when the terminal is narrow, and narrower
    # still the figures per call are left to the JSON and CSV.
    print_fitted(
        console,
        (
            _facility_columns(facilities, wide=True),
            lambda: _facility_columns(facilities, wide=False),
            lambda: _facility_columns(facilities, wide=False, by_call=False),
        ),
        title="Target readiness by facility",
    )
    shown = sum(f["shown"] for f in facilities)
    call1 = sum(f["by_call"]["call1"] for f in facilities)
    if shown:
        console.print(
            Text(
                f"Overall target readiness: {call1 / shown:.1%} ({call1} of {shown} shown "
                f"appointments come from call1; {shown - call1} would be lost under the "
                "target logic)."
            )
        )
    else:
        console.print(Text("Overall target readiness: none (no appointment shown)."))
    losing = [f for f in facilities if f["lost_under_target"]]
    if losing:
        console.print(
            Text(
                "Facilities to contact first (these appointments reach 1177 only through the "
                "relation list or GetCareContacts, not the engagement index):"
            )
        )
        for rank, f in enumerate(losing[:TOP_TO_CONTACT], start=1):
            cases = f["cases"]
            console.print(
                Text(
                    f"  {rank}. {_facility(f)}: {f['lost_under_target']} appointment(s) in "
                    f"{cases} case{'' if cases == 1 else 's'}"
                    + (
                        ", partly in the engagement index"
                        if f["in_engagement_index"]
                        else ", not in the engagement index"
                    )
                )
            )
    elif facilities:
        console.print(Text("No facility would lose appointments under the target logic."))
    failing = [f for f in facilities if f["failed_in_call1"]]
    if failing:
        console.print(
            Text(
                "Failed in call1 (their bookings are missing today: call2 skips them, as 1177 "
                "does): " + ", ".join(_facility(f) for f in failing) + "."
            )
        )


def _facility_columns(
    facilities: list[Document], *, wide: bool, by_call: bool = True
) -> list[Column]:
    """One line per facility (`HSA-id name`), or two (the name under the HSA-id)."""

    def index(f: Document) -> Cell:
        status = _index_status(f)
        return cell(Line(status, "red" if status == "failed" else ""))

    headers = [("Shown", "Shown"), *((c, c) for c in CALL_PRIORITY)]
    headers += [("Lost under target", "Lost"), ("Cases", "Cases")]
    shown = [i for i, (header, _) in enumerate(headers) if by_call or header not in CALL_PRIORITY]
    return [
        Column(
            "Facility",
            cells=[cell(facility_line(f)) if wide else facility_lines(f) for f in facilities],
        ),
        *(
            Column(*headers[i], "right", cells=[cell(str(_figures(f)[i])) for f in facilities])
            for i in shown
        ),
        Column("Engagement index", "Index", cells=[index(f) for f in facilities]),
    ]


def _figures(f: Document) -> tuple[int, ...]:
    by_call = f["by_call"]
    return (f["shown"], *(by_call[c] for c in CALL_PRIORITY), f["lost_under_target"], f["cases"])


def _index_status(f: Document) -> str:
    """yes (call1 listed it), failed (listed, but failed there in some case), or no."""
    if f["failed_in_call1"]:
        return "failed"
    return "yes" if f["in_engagement_index"] else "no"


def _facility(f: Document) -> str:
    name = f["facility_name"]
    return f"{f['facility_hsa_id']} {name}" if name else str(f["facility_hsa_id"])


def outcome(case: Document) -> str:
    if case["error"] is not None:
        return str(case["error"]["message"])
    if case["result"] is None:
        return "not run"
    result = case["result"]
    text = f"{result['summary']['shown']} shown, " + (
        "complete" if result["complete"] else "partial"
    )
    if case["unmet"]:
        text += "; " + "; ".join(case["unmet"])
    return text


def progress_line(case: Document, done: int, total: int) -> Text:
    """The plain per-case line written to stderr when it is not a terminal."""
    width = len(str(total))
    line = Text(f"[{done:>{width}}/{total}] ")
    line.append(f"{case['status']:<7}", style=_STYLE[case["status"]])
    line.append(
        f" {case['case']} [{case['subject_of_care']}] {outcome(case)}, {case['elapsed_ms']} ms"
    )
    return line


def render_batch(doc: Document, console: Console, verbose: bool = False) -> None:
    """One row per case, the summed per-call statistics, and the totals.

    When the unmet expectations do not fit beside the cases, they are listed in full under
    the table, so every case stays one line and nothing is cut."""
    # The name after the last separator: "/", and the platform's own. Not any backslash: the
    # path was neutralised, and a byte that is not UTF-8 is now the escape "\\udcff".
    name = doc["file"].rpartition("/")[2].rpartition(os.sep)[2]
    cases = doc["cases"]
    problems = [_problems(case) for case in cases]
    columns = _case_columns(cases)
    if not any(problems):
        print_fitted(console, (columns,), title=f"Batch {name}")
    elif print_fitted(console, (columns + [_problem_column(problems)], columns), f"Batch {name}"):
        console.print(Text("Unmet expectations and errors", style="bold"))
        for case, text in zip(cases, problems, strict=True):
            if text:
                hanging(console, Text(f"  {case['index']:>3}  "), Text(text))
    render_stats(doc, console)
    console.print(totals_text(doc))
    ran = [c["result"] for c in cases if c["result"] is not None]
    if ran and not any(call["outcome"] == "ok" for r in ran for call in r["calls"]):
        console.print(
            Text(
                "Nothing answered in any case: the endpoint looks down (exit 4), which is an "
                "outage, not a failed expectation.",
                style="red",
            )
        )
    if "facilities" in doc:
        render_facilities(doc["facilities"], console)


def _problems(case: Document) -> str:
    if case["unmet"]:
        return "; ".join(case["unmet"])
    return str(case["error"]["message"]) if case["error"] else ""


def _case_columns(cases: list[Document]) -> list[Column]:
    def figures(case: Document, key: str) -> Cell:
        result = case["result"]
        return cell(str(result["summary"][key]) if result is not None else "")

    def complete(case: Document) -> Cell:
        result = case["result"]
        flag = "" if result is None else "yes" if result["complete"] else "no"
        return cell(Line(flag, "yellow" if flag == "no" else ""))

    return [
        Column("#", justify="right", cells=[cell(str(c["index"])) for c in cases]),
        Column("Case", cells=[cell(name(c["case"])) for c in cases]),
        Column("Subject", cells=[cell(c["subject_of_care"]) for c in cases]),
        Column("Result", cells=[cell(Line(c["status"], _STYLE[c["status"]])) for c in cases]),
        Column("Shown", justify="right", cells=[figures(c, "shown") for c in cases]),
        Column("Dup", justify="right", cells=[figures(c, "duplicate") for c in cases]),
        Column("Filtered", "Filt", "right", cells=[figures(c, "filtered") for c in cases]),
        Column("Complete", "Compl", cells=[complete(c) for c in cases]),
        Column(
            "ms",
            justify="right",
            cells=[cell(str(c["elapsed_ms"]) if c["status"] != "not_run" else "") for c in cases],
        ),
    ]


def _problem_column(problems: list[str]) -> Column:
    return Column("Unmet expectations / error", "Unmet / error", cells=[cell(p) for p in problems])


def totals_text(doc: Document) -> Text:
    t = doc["summary"]
    text = Text(
        f"{t['cases']} cases: {t['passed']} passed, {t['failed']} failed, {t['error']} error(s)"
        + (f", {t['not_run']} not run" if t["not_run"] else "")
        + f"; {t['partial']} partial. {t['unmet']} of {t['expectations']} expectations unmet. "
        f"{doc['elapsed_ms'] / 1000:.1f} s at concurrency {doc['concurrency']}."
    )
    if doc["interrupted"]:
        text.append(" Interrupted: partial summary.", style="yellow")
    return text


def batch_junit(doc: Document) -> list[JUnitCase]:
    cases = []
    for case in doc["cases"]:
        name = f"{case['case']} [{case['subject_of_care']}]"
        seconds = case["elapsed_ms"] / 1000
        unmet = case["unmet"]
        if case["status"] == "failed":
            message = unmet[0] + (f" (and {len(unmet) - 1} more)" if len(unmet) > 1 else "")
            item = JUnitCase(name, "failed", seconds, message, "\n".join(unmet))
        elif case["status"] == "error" and case["error"] is not None:
            error = case["error"]
            details = error["message"] + (f"\nhint: {error['hint']}" if error["hint"] else "")
            item = JUnitCase(name, "error", seconds, error["message"], details)
        elif case["status"] == "not_run":
            item = JUnitCase(name, "skipped", 0.0, "not run: the batch was interrupted")
        else:
            item = JUnitCase(name, "passed", seconds, output=outcome(case))
        cases.append(item)
    return cases
