"""Markdown reports for tickets (GitLab, GitHub, Jira): collect, explain, compare and relations.

Documents arrive masked and neutralised by the output boundary. Here every value is escaped for
Markdown: each ASCII character that can start formatting, a link, an HTML tag, an entity, a
mention or math is backslash-escaped (CommonMark lets any ASCII punctuation be escaped), a pipe
cannot end a table cell, and a line break can never reach the page. Short identifiers of our own
(codes, verdicts, call ids) are shown as code spans, only when they are plain identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bokade_cli.output import reporting as words
from bokade_cli.output.composing import composed

Document = dict[str, Any]

# Inline Markdown that data could start: emphasis, code, links and images, HTML and entities,
# table cells, strikethrough, math, mentions and references (GitLab's ~label, %milestone,
# !merge-request, &epic, {+diff+}), and autolinks (a scheme's "://", "www.", an emoji ":name:").
_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#!|~&@$%])|(:)(?=[/A-Za-z_+])|(?<=www)(\.)", re.I)
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*")
_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029]+")


def escape(value: object) -> str:
    """Any value as inline Markdown text that renders as itself, on one line (masked as a
    whole first: it may be a cell or sentence composed of several values)."""
    text = composed("" if value is None else str(value))
    return _SPECIAL.sub(_escaped, _BREAKS.sub(" ", text)).strip()


def _escaped(match: re.Match[str]) -> str:
    return "\\" + match.group()


def code(value: object) -> str:
    """A code span for a plain identifier of ours; anything else as escaped text."""
    text = composed("" if value is None else str(value))
    return f"`{text}`" if _IDENTIFIER.fullmatch(text) else escape(text)


def table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A pipe table; every cell is escaped already (so no cell holds a bare pipe)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def _text(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def _appointment_rows(appointments: list[Document]) -> list[list[str]]:
    rows = []
    for a in appointments:
        cells = [escape(c) for c in words.appointment_cells(a)]
        cells[0], cells[4] = code(a["id"]), code(a["call"])
        cells[5] = f"**{escape(a['verdict'])}**" if a["verdict"] == "shown" else code(a["verdict"])
        if a["verdict"] == "filtered":
            cells[6] = code(a["reason"])
        rows.append(cells)
    return rows


def _calls(doc: Document, verbose: bool) -> list[str]:
    lines = ["", "### Calls", ""]
    rows = []
    for call in doc["calls"]:
        cells = [escape(c) for c in words.call_cells(call)]
        cells[0], cells[3] = code(call["call"]), code(call["outcome"])
        if call.get("correlation_id"):
            cells[6] = code(call["correlation_id"])
        rows.append(cells)
    lines += table(words.CALL_COLUMNS, rows)
    sources = words.source_rows(doc["calls"])
    if sources:
        lines += ["", "#### Sources (ProcessingStatus)", ""]
        lines += table(
            words.SOURCE_COLUMNS,
            ([code(c), escape(s), code(st), escape(e)] for c, s, st, e in sources),
        )
    if verbose:
        notes = [(c["call"], n) for c in doc["calls"] for n in c.get("notes", ())]
        if notes:
            lines += ["", "#### Parser notes", ""]
            lines += [f"- {code(call)}: {escape(note)}" for call, note in notes]
    return lines


def _stats(doc: Document) -> list[str]:
    rows = words.stats_rows(doc)
    lines = ["", "### Per call", ""] + table(words.STATS_COLUMNS, rows) if rows else []
    ready = words.readiness(doc)
    return lines + (["", escape(ready)] if ready else [])


def _state(doc: Document) -> str:
    sentence = escape(words.completeness(doc))
    return f"**{sentence}**" if not doc["complete"] else sentence


def render_collect(doc: Document, verbose: bool = False) -> str:
    """Heading (masked number, logic, now), appointments, calls, sources, per-call figures."""
    lines = [
        f"## Bokade tider for {escape(doc['subject_of_care'])}",
        "",
        f"Logic {code(doc['logic'])}, now {escape(doc['now'])}. "
        f"{escape(words.summary(doc))} {_state(doc)}",
        "",
        "### Appointments",
        "",
    ]
    if doc["appointments"]:
        lines += table(words.APPOINTMENT_COLUMNS, _appointment_rows(doc["appointments"]))
    else:
        lines.append("No appointments were received.")
    lines += _calls(doc, verbose)
    lines += _stats(doc)
    return _text(lines)


def render_explanation(doc: Document, verbose: bool = False) -> str:
    """The question, the answer, the findings with their codes, the matching records, the calls."""
    lines = [
        f"## Explain {escape(doc['question'])} for {escape(doc['subject_of_care'])}",
        "",
        f"Now {escape(doc['now'])}.",
        "",
        f"**Answer: {escape(words.ANSWERS.get(doc['answer'], doc['answer']))}.**",
        "",
        "### Findings",
        "",
    ]
    lines += [
        f"- {code(f['code'])} ({escape(f['kind'])}): {escape(f['message'])}"
        for f in doc["findings"]
    ]
    if doc["appointments"]:
        lines += ["", "### Matching appointments", ""]
        lines += table(words.APPOINTMENT_COLUMNS, _appointment_rows(doc["appointments"]))
    lines += ["", _state(doc)]
    lines += _calls(doc, verbose)
    return _text(lines)


def render_comparison(doc: Document, verbose: bool = False) -> str:
    """Counts per logic, one row per booked time, what each logic loses, per-call figures."""
    unjudged = words.not_judged(doc)
    lines = [
        f"## Appointments per logic for {escape(doc['subject_of_care'])}",
        "",
        f"Now {escape(doc['now'])}. Shown: {escape(words.logic_counts(doc))}.",
    ]
    for item in unjudged.values():
        lines += ["", f"**Not judged: {code(item['logic'])}** ({code(item['code'])}): "]
        lines[-1] += escape(item["message"]) + "."
    lines += ["", "### Booked times", ""]
    if doc["appointments"]:
        rows = []
        for row in doc["appointments"]:
            cells = [escape(c) for c in words.compare_cells(row, set(unjudged))]
            cells[0] = code(row["id"])
            for i, logic in enumerate(words.LOGICS, start=4):
                missing = row.get("missing", {}).get(logic)
                if logic in unjudged:
                    cells[i] = "*not judged*"
                elif row[logic]:
                    cells[i] = code(row[logic])
                elif missing:
                    cells[i] = f"— {code(missing['code'])}"
            rows.append(cells)
        lines += table(words.COMPARE_COLUMNS, rows)
    else:
        lines.append("No logic shows any appointment.")
    for key, logic, title in words.LOST:
        lost = doc[key]
        if lost or (logic == "target" and logic not in unjudged):
            lines += ["", f"### {escape(title)}: {len(lost)}", ""]
            lines += [f"- {code(x['id'])} {code(x['code'])}: {escape(x['message'])}" for x in lost]
    lines += _stats(doc)
    lines += ["", _state(doc)]
    lines += _calls(doc, verbose)
    return _text(lines)


def render_relations(doc: Document, verbose: bool = False) -> str:
    """Each facility: relation or not, the rule, and the dated events behind it."""
    lines = [f"## {escape(words.relation_title(doc))}", ""]
    if doc.get("as_of"):
        lines += [f"Events up to {escape(doc['as_of'])}.", ""]
    rows = [
        [
            escape(r["facility_hsa_id"]),
            escape(r["facility_name"] or ""),
            "**relation**" if r["relation"] else "no relation",
            code(r["rule"]),
            escape(r["since"] or ""),
            escape(r["explanation"]),
        ]
        for r in doc["facilities"]
    ]
    lines += table(("Facility", "Name", "Relation", "Rule", "Since", "Explanation"), rows)
    for r in doc["facilities"]:
        if r["history"]:
            lines += ["", f"#### {escape(r['facility_hsa_id'])}", ""]
            lines += [f"- {escape(words.history_line(step))}" for step in r["history"]]
    return _text(lines)
