"""HTML reports: one self-contained page per run, for a ticket attachment or a printout (A4).

Documents arrive masked and neutralised by the output boundary; here every value goes through
`html.escape` (quotes too) and nothing else reaches the page. The page has inline CSS only: no
script, no external resource (a Content-Security-Policy says so to the browser as well), so it
opens the same offline, in a mail client or from a ticket. Verdicts are colour-coded and always
carry their text label too: colour is never the only signal, and a black-and-white printout
reads the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape as _escape
from typing import Any

from bokade_cli.output import reporting as words
from bokade_cli.output.composing import composed

Document = dict[str, Any]

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #111; background: #fff; margin: 1.5em auto; max-width: 190mm; padding: 0 4mm; }
h1 { font-size: 15pt; margin: 0 0 .3em; }
h2 { font-size: 12pt; margin: 1.4em 0 .4em; border-bottom: 1px solid #bbb; }
h3 { font-size: 10.5pt; margin: 1em 0 .3em; }
p { margin: .3em 0; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; font-size: 9pt;
  margin: .3em 0; }
th, td { border: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num { text-align: right; }
code, .code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 8.5pt; }
.tag { display: inline-block; padding: 0 5px; border-radius: 3px; border: 1px solid;
  font-weight: 600; -webkit-print-color-adjust: exact;
  print-color-adjust: exact; }
.shown, .pass, .ok, .relation { color: #0b5d1e; background: #dcf3e1; border-color: #0b5d1e; }
.duplicate, .warn, .skipped { color: #6b4e00; background: #fff1c2; border-color: #6b4e00; }
.filtered, .fail, .failed, .missing { color: #8a1010; background: #fde0e0;
  border-color: #8a1010; }
.neutral { color: #333; background: #f2f2f2; border-color: #777; }
.state { font-weight: 600; }
ul { margin: .3em 0; padding-left: 1.4em; }
li { margin: .15em 0; }
footer { margin-top: 2em; font-size: 8pt; color: #555; }
@media print { body { margin: 0; max-width: none; padding: 0; } a { color: inherit; } }
"""
_CSS += "".join(f"col.w{n} {{ width: {n}% }}\n" for n in range(1, 51))  # column widths
_VERDICT_CLASS = {"shown": "shown", "duplicate": "duplicate", "filtered": "filtered"}
_OUTCOME_CLASS = {"ok": "ok", "skipped": "skipped"}


def esc(value: object) -> str:
    """Any value as HTML text (quotes escaped, so it is safe in attributes too), masked as a
    whole first: it may be a cell or sentence composed of several values."""
    return _escape(composed("" if value is None else str(value)), quote=True)


def tag(label: object, css: str) -> str:
    """A coloured label that says what it means in words as well."""
    return f'<span class="tag {css}">{esc(label)}</span>'


def _table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[int],
    numeric: frozenset[int] = frozenset(),
) -> str:
    """A table whose cells are HTML made here (every value escaped already).

    Fixed column widths (percentages of the page): a cell wraps inside its column, so no long
    value, however hostile, pushes the table off an A4 page. `numeric` columns align right.
    """
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    cols = "".join(f'<col class="w{w}">' for w in widths)

    def cell(i: int, content: str) -> str:
        return f'<td class="num">{content}</td>' if i in numeric else f"<td>{content}</td>"

    body = "".join(
        "<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>\n" for row in rows
    )
    return (
        f"<table>\n<colgroup>{cols}</colgroup>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}</tbody>\n</table>\n"
    )


def _page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "".join(body)
        + "<footer>Written by bokade. Personnummer are masked unless --unmask was given.</footer>\n"
        "</body>\n</html>\n"
    )


def _appointments(appointments: list[Document]) -> str:
    rows = []
    for a in appointments:
        cells = [esc(c) for c in words.appointment_cells(a)]
        cells[0], cells[4] = f"<code>{cells[0]}</code>", f"<code>{cells[4]}</code>"
        cells[5] = tag(a["verdict"], _VERDICT_CLASS.get(a["verdict"], "neutral"))
        rows.append(cells)
    return _table(words.APPOINTMENT_COLUMNS, rows, (6, 11, 28, 14, 9, 11, 21))


def _calls(doc: Document, verbose: bool) -> list[str]:
    rows = []
    for call in doc["calls"]:
        cells = [esc(c) for c in words.call_cells(call)]
        cells[3] = tag(call["outcome"], _OUTCOME_CLASS.get(call["outcome"], "failed"))
        cells[6] = f'<span class="code">{cells[6]}</span>'
        rows.append(cells)
    widths = (9, 15, 14, 11, 5, 7, 16, 23)
    parts = ["<h2>Calls</h2>\n", _table(words.CALL_COLUMNS, rows, widths, frozenset({4, 5}))]
    sources = words.source_rows(doc["calls"])
    if sources:
        parts.append("<h3>Sources (ProcessingStatus)</h3>\n")
        parts.append(
            _table(
                words.SOURCE_COLUMNS,
                (
                    [
                        esc(call),
                        esc(source),
                        tag(status, "failed" if words.source_failed(status) else "ok"),
                        esc(error),
                    ]
                    for call, source, status, error in sources
                ),
                (10, 22, 20, 48),
            )
        )
    notes = [(c["call"], n) for c in doc["calls"] for n in c.get("notes", ())]
    if verbose and notes:
        parts.append("<h3>Parser notes</h3>\n<ul>\n")
        parts += [f"<li><code>{esc(call)}</code>: {esc(note)}</li>\n" for call, note in notes]
        parts.append("</ul>\n")
    return parts


def _stats(doc: Document) -> list[str]:
    parts = []
    rows = words.stats_rows(doc)
    if rows:
        cells = ([esc(c) for c in r] for r in rows)
        table = _table(words.STATS_COLUMNS, cells, (20, 16, 16, 16, 16, 16), frozenset(range(1, 6)))
        parts += ["<h2>Per call</h2>\n", table]
    ready = words.readiness(doc)
    if ready:
        parts.append(f"<p>{esc(ready)}</p>\n")
    return parts


def _state(doc: Document) -> str:
    failed = words.failures(doc)
    if not failed:
        return f'<p class="state">{tag("complete", "ok")} Every call and source answered.</p>\n'
    return f'<p class="state">{tag("incomplete", "failed")} {esc("; ".join(failed))}.</p>\n'


def render_collect(doc: Document, verbose: bool = False) -> str:
    title = f"Bokade tider for {doc['subject_of_care']}"
    body = [
        f"<h1>{esc(title)}</h1>\n",
        f"<p>Logic <code>{esc(doc['logic'])}</code>, now {esc(doc['now'])}. "
        f"{esc(words.summary(doc))}</p>\n",
        _state(doc),
        "<h2>Appointments</h2>\n",
        _appointments(doc["appointments"])
        if doc["appointments"]
        else "<p>No appointments were received.</p>\n",
        *_calls(doc, verbose),
        *_stats(doc),
    ]
    return _page(title, body)


def render_explanation(doc: Document, verbose: bool = False) -> str:
    title = f"Explain {doc['question']} for {doc['subject_of_care']}"
    answer = words.ANSWERS.get(doc["answer"], doc["answer"])
    css = {"shown": "shown", "filtered": "filtered"}.get(doc["answer"], "missing")
    body = [
        f"<h1>{esc(title)}</h1>\n",
        f"<p>Now {esc(doc['now'])}.</p>\n",
        f'<p class="state">{tag(doc["answer"], css)} Answer: {esc(answer)}.</p>\n',
        "<h2>Findings</h2>\n<ul>\n",
        *(
            f"<li><code>{esc(f['code'])}</code> ({esc(f['kind'])}): {esc(f['message'])}</li>\n"
            for f in doc["findings"]
        ),
        "</ul>\n",
    ]
    if doc["appointments"]:
        body += ["<h2>Matching appointments</h2>\n", _appointments(doc["appointments"])]
    body += [_state(doc), *_calls(doc, verbose)]
    return _page(title, body)


def render_comparison(doc: Document, verbose: bool = False) -> str:
    title = f"Appointments per logic for {doc['subject_of_care']}"
    unjudged = words.not_judged(doc)
    body = [
        f"<h1>{esc(title)}</h1>\n",
        f"<p>Now {esc(doc['now'])}. Shown: {esc(words.logic_counts(doc))}.</p>\n",
    ]
    for item in unjudged.values():
        body.append(
            f"<p>{tag('not judged', 'warn')} <code>{esc(item['logic'])}</code> "
            f"(<code>{esc(item['code'])}</code>): {esc(item['message'])}.</p>\n"
        )
    body.append("<h2>Booked times</h2>\n")
    if doc["appointments"]:
        rows = []
        for row in doc["appointments"]:
            cells = [esc(c) for c in words.compare_cells(row, set(unjudged))]
            for i, logic in enumerate(words.LOGICS, start=4):
                if logic in unjudged:
                    cells[i] = tag("not judged", "warn")
                elif row[logic]:
                    cells[i] = tag(f"shown ({row[logic]})", "shown")
                else:
                    missing = row.get("missing", {}).get(logic)
                    label = f"missing: {missing['code']}" if missing else "missing"
                    cells[i] = tag(label, "missing")
            rows.append(cells)
        body.append(_table(words.COMPARE_COLUMNS, rows, (5, 10, 22, 12, 17, 17, 17)))
    else:
        body.append("<p>No logic shows any appointment.</p>\n")
    for key, logic, heading in words.LOST:
        lost = doc[key]
        if lost or (logic == "target" and logic not in unjudged):
            body.append(f"<h2>{esc(heading)}: {len(lost)}</h2>\n")
            if lost:
                body.append("<ul>\n")
                body += [
                    f"<li><code>{esc(x['id'])}</code> <code>{esc(x['code'])}</code>: "
                    f"{esc(x['message'])}</li>\n"
                    for x in lost
                ]
                body.append("</ul>\n")
    body += [*_stats(doc), _state(doc), *_calls(doc, verbose)]
    return _page(title, body)


def render_relations(doc: Document, verbose: bool = False) -> str:
    title = words.relation_title(doc)
    body = [f"<h1>{esc(title)}</h1>\n"]
    if doc.get("as_of"):
        body.append(f"<p>Events up to {esc(doc['as_of'])}.</p>\n")
    rows = [
        [
            esc(r["facility_hsa_id"]),
            esc(r["facility_name"] or ""),
            tag("relation", "relation") if r["relation"] else tag("no relation", "missing"),
            f"<code>{esc(r['rule'])}</code>",
            esc(r["since"] or ""),
            esc(r["explanation"]),
        ]
        for r in doc["facilities"]
    ]
    columns = ("Facility", "Name", "Relation", "Rule", "Since", "Explanation")
    body.append(_table(columns, rows, (18, 16, 12, 16, 10, 28)))
    for r in doc["facilities"]:
        if r["history"]:
            body.append(f"<h3>{esc(r['facility_hsa_id'])}</h3>\n<ul>\n")
            body += [f"<li>{esc(words.history_line(step))}</li>\n" for step in r["history"]]
            body.append("</ul>\n")
    return _page(title, body)
