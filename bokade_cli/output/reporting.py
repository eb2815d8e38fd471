"""The wording the text reports share (Markdown and HTML): cells and sentences from a document.

Plain functions of already masked and neutralised documents, with no markup and no rich: each
format escapes what these return for itself. The terminal table words the same things the same
way, so a pasted report and a screenshot of the table never disagree.
"""

from __future__ import annotations

from typing import Any

from bokade_cli.models import CALL_PRIORITY

Document = dict[str, Any]

LOGICS = ("current", "target", "legacy")
OK_STATUSES = ("DataFromSource", "DataFromCache")
ANSWERS = {
    "shown": "the appointment is shown",
    "filtered": "the appointment was received but is not shown (filtered)",
    "not_received": "no call returned the appointment",
}
APPOINTMENT_COLUMNS: tuple[str, ...] = ("ID", "Booking id", "Facility", "Start", "Call")
APPOINTMENT_COLUMNS += ("Verdict", "Reason / duplicate of")
CALL_COLUMNS: tuple[str, ...] = ("Call", "Contract", "Logical address", "Outcome", "ms")
CALL_COLUMNS += ("Records", "Correlation id", "Message")
SOURCE_COLUMNS = ("Call", "Source", "Status", "Error")


def minutes(iso: str | None) -> str:
    """An ISO time as `YYYY-MM-DD hh:mm`: seconds and offset are left to the JSON."""
    return (iso or "")[:16].replace("T", " ")


def facility(a: Document) -> str:
    text = a.get("facility_hsa_id") or "(no facility)"
    return f"{text} {a['facility_name']}" if a.get("facility_name") else text


def start(a: Document) -> str:
    return minutes(a["start"]) if a.get("start") else (a.get("raw_start") or "(no start)")


def detail(a: Document) -> str:
    """The reason a record is filtered, what it duplicates, or that it is an invitation."""
    if a["verdict"] == "duplicate":
        return f"duplicate of {a['duplicate_of']} ({a['match']})"
    if a["verdict"] == "filtered":
        return str(a["reason"] or "")
    return "invitation" if a.get("invitation") else ""


def appointment_cells(a: Document) -> tuple[str, ...]:
    """One row of the appointments table, in APPOINTMENT_COLUMNS order."""
    return (
        a["id"],
        a.get("booking_id") or "",
        facility(a),
        start(a),
        a["call"],
        a["verdict"],
        detail(a),
    )


def call_cells(call: Document) -> tuple[str, ...]:
    """One row of the calls table, in CALL_COLUMNS order."""
    skipped = call["outcome"] == "skipped"
    message = call.get("message") or ""
    if call.get("hint") and call["outcome"] != "ok":
        message = f"{message} (hint: {call['hint']})" if message else f"hint: {call['hint']}"
    return (
        call["call"],
        call["contract"],
        call["logical_address"],
        call["outcome"],
        "" if skipped else str(call["elapsed_ms"]),
        str(call["records"]) if call["outcome"] == "ok" else "",
        call.get("correlation_id") or "",
        message,
    )


def source_rows(calls: list[Document]) -> list[tuple[str, ...]]:
    """Every ProcessingStatus record of every call, in SOURCE_COLUMNS order."""
    return [
        (
            c["call"],
            s["logical_address"] or "(no logicalAddress)",
            s["status"] or "(status unknown)",
            s["error"] or "",
        )
        for c in calls
        for s in c["sources"]
    ]


def source_failed(status: str | None) -> bool:
    return status not in OK_STATUSES


def failures(doc: Document) -> list[str]:
    """Failed calls first, then failed (or unknown) sources."""
    found = [
        f"{c['call']} {c['logical_address']} {c['outcome']}"
        for c in doc["calls"]
        if c["outcome"] not in ("ok", "skipped")
    ]
    for c in doc["calls"]:
        for s in c["sources"]:
            if source_failed(s["status"]) or not s["logical_address"]:
                found.append(
                    f"{c['call']} source {s['logical_address'] or '(no logicalAddress)'} "
                    f"{s['status'] or '(status unknown)'}"
                )
    return found


def completeness(doc: Document) -> str:
    failed = failures(doc)
    if failed:
        return "Incomplete: " + "; ".join(failed) + "."
    return "Complete: every call and source answered."


def summary(doc: Document) -> str:
    counts = doc["summary"]
    return (
        f"Received {counts['received']}: shown {counts['shown']}, "
        f"duplicate {counts['duplicate']}, filtered {counts['filtered']}."
    )


def readiness(doc: Document) -> str | None:
    value = doc.get("target_readiness")
    if value is None:
        return None
    return (
        f"Target readiness: {value:.0%} of the shown appointments come from call1 "
        "(what the target logic would still show)."
    )


def stats_rows(doc: Document) -> list[tuple[str, ...]]:
    """Per-call figures (call, received, shown, unique, duplicate, filtered) of calls with records."""
    rows = []
    for call in CALL_PRIORITY:
        c = doc.get("stats", {}).get(call) or {}
        if c.get("received"):
            figures = (c["received"], c["shown"], c["unique"], c["duplicate"], c["filtered"])
            rows.append((call, *map(str, figures)))
    return rows


STATS_COLUMNS = ("Call", "Received", "Shown", "Unique", "Duplicate", "Filtered")
COMPARE_COLUMNS = ("ID", "Booking id", "Facility", "Start", *LOGICS)


def compare_cells(row: Document, not_judged: set[str]) -> tuple[str, ...]:
    """One row of compare's table: the call showing it under each logic, or why not."""
    cells = []
    for logic in LOGICS:
        if logic in not_judged:
            cells.append("not judged")
        elif row[logic]:
            cells.append(str(row[logic]))
        else:
            missing = row.get("missing", {}).get(logic)
            cells.append(f"— {missing['code']}" if missing else "—")
    name = row.get("facility_name")
    place = (row.get("facility_hsa_id") or "") + (f" {name}" if name else "")
    return (row["id"], row.get("booking_id") or "", place, minutes(row["start"]), *cells)


def logic_counts(doc: Document) -> str:
    parts = []
    for logic in LOGICS:
        shown = doc["logics"][logic].get("shown")
        parts.append(f"{logic} {'not judged' if shown is None else shown}")
    return ", ".join(parts)


def not_judged(doc: Document) -> dict[str, Document]:
    """compare: the logics a capture could not judge, with code and reason."""
    return {item["logic"]: item for item in doc.get("not_judged", [])}


LOST = (
    ("lost_under_target", "target", "Lost under the target logic (call1 only)"),
    ("lost_under_current", "current", "Shown by the legacy logic but not the current one"),
)


def relation_title(doc: Document) -> str:
    facilities = doc["facilities"]
    existing = sum(1 for r in facilities if r["relation"])
    return (
        f"{doc['file']}: {existing} of {len(facilities)} facilities have a relation "
        "(mottagningsrelation)"
    )


def history_line(step: Document) -> str:
    note = f" ({step['note']})" if step["note"] else ""
    return f"{step['date']} {step['event']} → {step['effect']}: {step['explanation']}{note}"
