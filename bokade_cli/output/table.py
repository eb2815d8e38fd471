"""The human view of a document on a terminal: collect, explain, compare and relations.

Every value here was masked and neutralised by the output boundary before it arrived, and
every cell is a rich Text, never markup: producer data like "[bold]" stays literal.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bokade_cli.models import CALL_PRIORITY

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


def minutes(iso: str | None) -> str:
    """An ISO time as `YYYY-MM-DD hh:mm` for tables: seconds and offset left to the JSON."""
    return (iso or "")[:16].replace("T", " ")


def render_collect(doc: Document, console: Console, verbose: bool = False) -> None:
    """Appointments, then per-call status (with ProcessingStatus sources), then a summary."""
    console.print(
        Text(f"Bokade tider for {doc['subject_of_care']}: {doc['logic']} logic, now {doc['now']}")
    )
    if doc["appointments"]:
        table = Table(header_style="bold")
        for name in (
            "ID",
            "Booking id",
            "Facility",
            "Start",
            "Call",
            "Verdict",
            "Reason / duplicate of",
        ):
            table.add_column(name, overflow="fold")
        for a in doc["appointments"]:
            table.add_row(*_row(a))
        console.print(table)
    else:
        console.print(Text("No appointments were received.", style="bold"))
    console.print(Text("Calls", style="bold"))
    for call in doc["calls"]:
        print_call(call, console, verbose)
    render_stats(doc, console)
    console.print(_summary_text(doc))


def _row(a: Document) -> list[Text]:
    facility = a["facility_hsa_id"] or "(no facility)"
    if a["facility_name"]:
        facility += f" {a['facility_name']}"
    start = minutes(a["start"]) if a["start"] else (a["raw_start"] or "(no start)")
    if a["verdict"] == "duplicate":
        detail = f"duplicate of {a['duplicate_of']} ({a['match']})"
    elif a["verdict"] == "filtered":
        detail = a["reason"] or ""
    else:
        detail = "invitation" if a["invitation"] else ""
    return [
        Text(a["id"]),
        Text(a["booking_id"] or ""),
        Text(facility),
        Text(start),
        Text(a["call"]),
        Text(a["verdict"], style=_VERDICT_STYLE[a["verdict"]]),
        Text(detail),
    ]


def print_call(call: Document, console: Console, verbose: bool) -> None:
    line = Text("  ")
    line.append(f"{call['call']:<9}", style="bold")
    line.append(f"{call['contract']} {call['logical_address']} ")
    line.append(call["outcome"], style=_OUTCOME_STYLE.get(call["outcome"], "red"))
    if call["outcome"] != "skipped":
        line.append(f" {call['elapsed_ms']} ms")
    if call["outcome"] == "ok":
        line.append(f", {call['records']} records")
    if call["message"]:
        line.append(f": {call['message']}")
    console.print(line)
    if call.get("hint") and call["outcome"] != "ok":
        console.print(Text(f"      hint: {call['hint']}", style="dim"))
    for source in call["sources"]:
        failed = source["status"] not in ("DataFromSource", "DataFromCache")
        mark = Text("      source ")
        mark.append(f"{source['logical_address'] or '(no logicalAddress)'} ")
        mark.append(source["status"] or "(status unknown)", style="red" if failed else "green")
        if source["error"]:
            mark.append(f": {source['error']}")
        console.print(mark)
    if verbose:
        if call.get("correlation_id"):
            console.print(
                Text(f"      x-skltp-correlation-id {call['correlation_id']}", style="dim")
            )
        if call.get("queued_ms"):
            console.print(
                Text(f"      waited {call['queued_ms']} ms for a connection", style="dim")
            )
        for note in call.get("notes", ()):
            console.print(Text(f"      note: {note}", style="dim"))


def render_stats(doc: Document, console: Console) -> None:
    """Per-call figures and the share of shown appointments call1 alone provides."""
    table = Table(title="Per call", title_justify="left", header_style="bold")
    for name in ("call", "received", "shown", "unique", "duplicate", "filtered"):
        table.add_column(name, justify="left" if name == "call" else "right")
    for call in CALL_PRIORITY:
        c = doc["stats"].get(call) or {}
        if c.get("received"):
            figures = (c["received"], c["shown"], c["unique"], c["duplicate"], c["filtered"])
            table.add_row(call, *map(str, figures))
    if table.row_count:
        console.print(table)
    readiness = doc.get("target_readiness")
    if readiness is not None:
        console.print(
            Text(
                f"Target readiness: {readiness:.0%} of the shown appointments come from call1 "
                "(what the target logic would still show)."
            )
        )


def _failures(doc: Document) -> list[str]:
    """Failed calls first, then failed (or unknown) sources."""
    found = [
        f"{c['call']} {c['logical_address']} {c['outcome']}"
        for c in doc["calls"]
        if c["outcome"] not in ("ok", "skipped")
    ]
    for c in doc["calls"]:
        for s in c["sources"]:
            if s["status"] not in ("DataFromSource", "DataFromCache") or not s["logical_address"]:
                found.append(
                    f"{c['call']} source {s['logical_address'] or '(no logicalAddress)'} "
                    f"{s['status'] or '(status unknown)'}"
                )
    return found


def _summary_text(doc: Document) -> Text:
    counts = doc["summary"]
    text = Text(
        f"Received {counts['received']}: shown {counts['shown']}, "
        f"duplicate {counts['duplicate']}, filtered {counts['filtered']}. "
    )
    failed_calls = sum(1 for c in doc["calls"] if c["outcome"] not in ("ok", "skipped"))
    failed_sources = len(_failures(doc)) - failed_calls
    if doc["complete"]:
        text.append("Complete.", style="green")
    else:
        text.append(
            f"Incomplete: {failed_calls} call(s) and {failed_sources} source(s) failed.",
            style="red",
        )
    return text


def _complete_line(doc: Document, console: Console) -> None:
    failed = _failures(doc)
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
        table = Table(header_style="bold")
        for name in ("ID", "Booking id", "Facility", "Start", *LOGICS):
            table.add_column(name, overflow="fold")
        for row in doc["appointments"]:
            facility = (row["facility_hsa_id"] or "") + (
                f" {row['facility_name']}" if row["facility_name"] else ""
            )
            cells = [
                Text(row[x] or "—", style="" if row[x] else "red")
                if x in judged
                else Text("not judged", style="yellow")
                for x in LOGICS
            ]
            table.add_row(
                Text(row["id"]),
                Text(row["booking_id"] or ""),
                Text(facility),
                Text(minutes(row["start"])),
                *cells,
            )
        console.print(table)
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
    render_stats(doc, console)
    _complete_line(doc, console)


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
    table = Table("key", "value", "from", header_style="bold")
    for key, item in doc.items():
        table.add_row(Text(key), Text(str(item["value"])), Text(item["origin"]))
    console.print(table)
