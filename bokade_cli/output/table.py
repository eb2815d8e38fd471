"""The human view of a document on a terminal: collect, explain, compare and relations.

Every value here was masked and neutralised by the output boundary before it arrived, and
every cell is a rich Text, never markup: producer data like "[bold]" stays literal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.models import CALL_PRIORITY
from bokade_cli.output.layout import (
    Cell,
    Column,
    Layout,
    Line,
    cell,
    hanging,
    name,
    print_fitted,
)
from bokade_cli.output.reporting import failures

Document = dict[str, Any]

_VERDICT_STYLE = {"shown": "green", "duplicate": "yellow", "filtered": "red"}
_OUTCOME_STYLE = {"ok": "green", "skipped": "dim"}
_KIND_STYLE = {"verdict": "bold", "check": "cyan", "hint": "yellow"}
_ANSWER = {
    "shown": "the appointment is shown",
    "filtered": "the appointment was received but is not shown (filtered)",
    "not_received": "no call returned the appointment",
}
LOGICS = ("current", "target", "legacy")
BOOKING_ID = "Booking id"


def minutes(iso: str | None) -> str:
    """An ISO time as `YYYY-MM-DD hh:mm` for tables: seconds and offset left to the JSON."""
    return (iso or "")[:16].replace("T", " ")


def render_collect(doc: Document, console: Console, verbose: bool = False) -> None:
    """Appointments, then per-call status (with ProcessingStatus sources), then a summary."""
    console.print(
        Text(f"Bokade tider for {doc['subject_of_care']}: {doc['logic']} logic, now {doc['now']}")
    )
    if doc["appointments"]:
        rows = doc["appointments"]
        print_records(console, rows, _collect_wide(rows), lambda: _collect_narrow(rows))
    else:
        console.print(Text("No appointments were received.", style="bold"))
    console.print(Text("Calls", style="bold"))
    for call in doc["calls"]:
        print_call(call, console, verbose)
    for item in doc.get("not_called", ()):
        print_not_called(item, console)
    render_stats(doc, console)
    console.print(_summary_text(doc))


def print_records(
    console: Console, rows: list[Document], wide: Layout, narrow: Callable[[], list[Column]]
) -> None:
    """The records one line each, else two; when a long booking id (a UUID) leaves no
    arrangement that keeps every identifier whole, the booking ids go under the table, one
    line per record, and the table keeps its two lines per record without them."""

    two_lines = functools.cache(narrow)  # made once, whichever of the last two is tried

    def without_booking_ids() -> list[Column]:
        return [column for column in two_lines() if column.header != BOOKING_ID]

    if print_fitted(console, (wide, two_lines, without_booking_ids)) == 2:
        console.print(Text(BOOKING_ID + "s", style="bold"))
        width = max(len(row["id"]) for row in rows)
        for row in rows:
            if row["booking_id"]:  # one too wide for the terminal folds under itself
                hanging(console, Text(f"  {row['id']:<{width}}  "), Text(row["booking_id"]))


def facility_line(row: Document) -> Line:
    """`HSA-id name` on one line: the HSA-id kept whole, the name shortened if need be."""
    hsa = row["facility_hsa_id"] or "(no facility)"
    if not row["facility_name"]:
        return Line(hsa)
    return Line(f"{hsa} {row['facility_name']}", keep=cell_len(hsa) + 1)


def facility_lines(row: Document) -> Cell:
    """The HSA-id, and the name under it, shortened if need be."""
    hsa = row["facility_hsa_id"] or "(no facility)"
    return cell(hsa, name(row["facility_name"])) if row["facility_name"] else cell(hsa)


def _start_lines(a: Document) -> Cell:
    """Date over time (a raw value that is not a time: split the same way, if it has 14 digits)."""
    if a["start"]:
        day, _, time = minutes(a["start"]).partition(" ")
        return cell(day, time)
    raw = a.get("raw_start")
    if raw and len(raw) > 10:
        return cell(raw[:8], raw[8:])
    return cell(raw or "(no start)")


def _start_line(a: Document) -> str:
    return minutes(a["start"]) if a["start"] else (a.get("raw_start") or "(no start)")


def _verdict(a: Document) -> Line:
    return Line(a["verdict"], _VERDICT_STYLE[a["verdict"]])


def _detail(a: Document) -> str:
    if a["verdict"] == "duplicate":
        return f"duplicate of {a['duplicate_of']} ({a['match']})"
    if a["verdict"] == "filtered":
        return a["reason"] or ""
    return "invitation" if a["invitation"] else ""


def _collect_wide(rows: list[Document]) -> list[Column]:
    """One line per record."""
    return [
        Column("ID", cells=[cell(a["id"]) for a in rows]),
        Column(BOOKING_ID, "Booking", cells=[cell(a["booking_id"] or "") for a in rows]),
        Column("Facility", cells=[cell(facility_line(a)) for a in rows]),
        Column("Start", cells=[cell(_start_line(a)) for a in rows]),
        Column("Call", cells=[cell(a["call"]) for a in rows]),
        Column("Verdict", cells=[cell(_verdict(a)) for a in rows]),
        Column("Reason / duplicate of", "Reason", cells=[cell(_detail(a)) for a in rows]),
    ]


def _collect_narrow(rows: list[Document]) -> list[Column]:
    """Two lines per record: name under HSA-id, time under date, reason under verdict."""

    def verdict(a: Document) -> Cell:
        if a["verdict"] == "duplicate":
            head = Line(f"duplicate of {a['duplicate_of']}", _VERDICT_STYLE["duplicate"])
            return cell(head, f"({a['match']})")
        detail = _detail(a)
        return cell(_verdict(a), detail) if detail else cell(_verdict(a))

    return [
        Column("ID", cells=[cell(a["id"]) for a in rows]),
        Column(BOOKING_ID, "Booking", cells=[cell(a["booking_id"] or "") for a in rows]),
        Column("Facility", cells=[facility_lines(a) for a in rows]),
        Column("Start", cells=[_start_lines(a) for a in rows]),
        Column("Call", cells=[cell(a["call"]) for a in rows]),
        Column("Verdict", cells=[verdict(a) for a in rows]),
    ]


def print_call(call: Document, console: Console, verbose: bool) -> None:
    """One call's status line, its hint and sources; continuation lines stay indented."""
    line = Text(f"{call['contract']} {call['logical_address']} ")
    line.append(call["outcome"], style=_OUTCOME_STYLE.get(call["outcome"], "red"))
    if call["outcome"] != "skipped":
        line.append(f" {call['elapsed_ms']} ms")
    if call["outcome"] == "ok":
        line.append(f", {call['records']} records")
    if call["message"]:
        line.append(f": {call['message']}")
    hanging(console, Text(f"  {call['call']:<9}", style="bold"), line)
    if call.get("hint") and call["outcome"] != "ok":
        hanging(console, Text("      hint: ", style="dim"), Text(call["hint"], style="dim"))
    for source in call["sources"]:
        failed = source["status"] not in ("DataFromSource", "DataFromCache")
        mark = Text(f"{source['logical_address'] or '(no logicalAddress)'} ")
        mark.append(source["status"] or "(status unknown)", style="red" if failed else "green")
        if source["error"]:
            mark.append(f": {source['error']}")
        hanging(console, Text("      source "), mark)
    if verbose:
        dim = (
            [f"x-skltp-correlation-id {call['correlation_id']}"]
            if call.get("correlation_id")
            else []
        )
        if call.get("queued_ms"):
            dim.append(f"waited {call['queued_ms']} ms for a connection")
        dim += [f"note: {note}" for note in call.get("notes", ())]
        for text in dim:
            hanging(console, Text("      "), Text(text, style="dim"))


def print_not_called(item: Document, console: Console) -> None:
    """A call the logic has but that was not made at all (call2 without a relation list)."""
    line = Text("not made: ")
    line.append(item["message"])
    hanging(console, Text(f"  {item['call']:<9}", style="bold"), line)
    if item.get("hint"):
        hanging(console, Text("      hint: ", style="dim"), Text(item["hint"], style="dim"))


def render_stats(doc: Document, console: Console) -> None:
    """Per-call figures and the share of shown appointments call1 alone provides."""
    figures = [
        (call, doc["stats"][call])
        for call in CALL_PRIORITY
        if (doc["stats"].get(call) or {}).get("received")
    ]
    if figures:
        columns = [Column("call", cells=[cell(call) for call, _ in figures])]
        for key in ("received", "shown", "unique", "duplicate", "filtered"):
            cells = [cell(str(c[key])) for _, c in figures]
            columns.append(Column(key, key[:3] if key != "unique" else "uniq", "right", cells))
        print_fitted(console, (columns,), title="Per call")
    readiness = doc.get("target_readiness")
    if readiness is not None:
        console.print(
            Text(
                f"Target readiness: {readiness:.0%} of the shown appointments come from call1 "
                "(what the target logic would still show)."
            )
        )


def _summary_text(doc: Document) -> Text:
    counts = doc["summary"]
    text = Text(
        f"Received {counts['received']}: shown {counts['shown']}, "
        f"duplicate {counts['duplicate']}, filtered {counts['filtered']}. "
    )
    failed_calls = sum(1 for c in doc["calls"] if c["outcome"] not in ("ok", "skipped"))
    failed_sources = len(failures(doc)) - failed_calls
    if doc["complete"]:
        text.append("Complete.", style="green")
    else:
        text.append(
            f"Incomplete: {failed_calls} call(s) and {failed_sources} source(s) failed.",
            style="red",
        )
    return text


def _complete_line(doc: Document, console: Console) -> None:
    failed = failures(doc)
    if failed:
        console.print(Text("Incomplete: " + "; ".join(failed) + ".", style="red"))
    else:
        console.print(Text("Complete: every call and source answered.", style="green"))


def render_explanation(doc: Document, console: Console, verbose: bool = False) -> None:
    console.print(
        Text(f"Explain {doc['question']} for {doc['subject_of_care']} (now {doc['now']})")
    )
    console.print(Text(f"Answer: {_ANSWER[doc['answer']]}.", style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for f in doc["findings"]:
        grid.add_row(Text(f["code"], style=_KIND_STYLE[f["kind"]]), Text(f["message"]))
    console.print(grid)
    _complete_line(doc, console)


def render_comparison(doc: Document, console: Console, verbose: bool = False) -> None:
    judged = {logic for logic in LOGICS if doc["logics"][logic]["shown"] is not None}
    counts = ", ".join(
        f"{logic} {doc['logics'][logic]['shown'] if logic in judged else 'not judged'}"
        for logic in LOGICS
    )
    console.print(Text(f"Appointments shown per logic for {doc['subject_of_care']}: {counts}"))
    if doc["appointments"]:
        rows = doc["appointments"]
        print_records(
            console,
            rows,
            _compare_columns(rows, True, judged),
            lambda: _compare_columns(rows, False, judged),
        )
    by_id = {row["id"]: row for row in doc["appointments"]}
    for key, logic, title in (
        ("lost_under_target", "target", "Lost under the target logic (call1 only)"),
        ("lost_under_current", "current", "Shown by the legacy logic but not the current one"),
    ):
        lost = doc[key]
        if lost or logic == "target":
            console.print(Text(f"{title}: {len(lost)}", style="bold"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True, style="cyan")
        grid.add_column(overflow="fold")
        for item in lost:
            grid.add_row(
                Text(f"  {by_id[item['id']]['id']}"), Text(item["code"]), Text(item["message"])
            )
        if lost:
            console.print(grid)
    for item in doc.get("not_called", ()):
        print_not_called(item, console)
    render_stats(doc, console)
    _complete_line(doc, console)


def _compare_columns(rows: list[Document], wide: bool, judged: set[str]) -> list[Column]:
    """One line per booked time, or two (name under HSA-id, time under date)."""

    def logic(row: Document, key: str) -> Cell:
        if key not in judged:  # a capture without that logic's calls: no answer either way
            return cell(Line("not judged", "yellow"))
        return cell(Line(row[key] or "—", "" if row[key] else "red"))

    return [
        Column("ID", cells=[cell(row["id"]) for row in rows]),
        Column(BOOKING_ID, "Booking", cells=[cell(row["booking_id"] or "") for row in rows]),
        Column(
            "Facility",
            cells=[cell(facility_line(row)) if wide else facility_lines(row) for row in rows],
        ),
        Column(
            "Start",
            cells=[cell(_start_line(row)) if wide else _start_lines(row) for row in rows],
        ),
        *(Column(key, cells=[logic(row, key) for row in rows]) for key in LOGICS),
    ]


def render_relations(doc: Document, console: Console, verbose: bool = False) -> None:
    facilities = doc["facilities"]
    existing = sum(1 for r in facilities if r["relation"])
    console.print(
        Text(
            f"{doc['file']}: {existing} of {len(facilities)} facilities have a relation "
            "(mottagningsrelation)"
        )
    )
    for r in facilities:
        name = f" {r['facility_name']}" if r["facility_name"] else ""
        head = Text(f"{r['facility_hsa_id']}{name}: ", style="bold")
        exists = r["relation"]
        head.append("relation" if exists else "no relation", style="green" if exists else "red")
        head.append(f" [{r['rule']}] ")
        head.append(r["explanation"])
        console.print(head)
        for s in r["history"]:
            note = f" ({s['note']})" if s["note"] else ""
            console.print(
                Text(f"    {s['date']} {s['event']} → {s['effect']}: {s['explanation']}{note}")
            )


def render_config(doc: Document, console: Console, verbose: bool = False) -> None:
    """`config show`: every setting, its value (never cut) and where it came from."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("key", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for key, item in doc.items():
        table.add_row(Text(key), Text(str(item["value"])), Text(item["origin"]))
    console.print(table)


def render_scenarios(doc: Document, console: Console, verbose: bool = False) -> None:
    """`simulator list`: each bundled scenario, the number(s) it serves, what it shows."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("Scenario", no_wrap=True, header_style="bold")
    table.add_column("Personnummer", no_wrap=True, header_style="bold")
    table.add_column("Description", overflow="fold", header_style="bold")
    for s in doc["scenarios"]:
        numbers = "\n".join(c["personnummer"] for c in s["citizens"])
        table.add_row(Text(s["name"]), Text(numbers), Text(s["description"]))
    console.print(table)
