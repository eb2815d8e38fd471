"""--format markdown and html: every report of the demo parsed, checked against the JSON of the
same run, and hostile producer text shown as itself, never as markup, a tag or a new line."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.output.privacy import neutralise
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.fakeplatform import AGGREGATOR, BASE_URL, FakePlatform, fault, slot
from tests.reportparse import (
    active_markup,
    html_page,
    markdown_list,
    markdown_table,
    markdown_tables,
    plain,
    unescape,
)

PNR = "191212121212"
NOW = "2026-11-26T12:00:00+01:00"
FORMATS = ("markdown", "html")
EVENTS = Path(__file__).parent.parent / "sample_configs" / "relations" / "relation-events.toml"
VERDICT_CLASS = {"shown": "shown", "duplicate": "duplicate", "filtered": "filtered"}


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    with serve_in_thread(Simulator(load_scenario("demo"), now=datetime.fromisoformat(NOW))) as s:
        yield s.base_url


def _live(base_url: str) -> list[str]:
    relations = [arg for r in load_scenario("demo").relations for arg in ("-r", r)]
    return [PNR, "--base-url", base_url, *relations, "--now", NOW]


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


# Each case: the live command, and the offline command giving the JSON of that very run (so
# correlation ids and times agree): replay, explain --capture or compare --capture.
CASES = {
    "collect": (["collect"], ["replay", "{capture}"]),
    "explain": (
        ["explain", "--booking-id", "A-1001"],
        ["explain", "--capture", "{capture}", "--booking-id", "A-1001"],
    ),
    "explain-lost": (
        ["explain", "--facility", "SE2321000016-F003"],
        ["explain", "--capture", "{capture}", "--facility", "SE2321000016-F003"],
    ),
    "compare": (["compare"], ["compare", "--capture", "{capture}"]),
}


def _report(demo: str, tmp_path: Path, case: str, fmt: str) -> tuple[str, dict[str, Any]]:
    """The live report in `fmt` and the JSON document of the same run."""
    live, offline = CASES[case]
    capture = tmp_path / f"{case}-{fmt}.json"
    result = run(*live[:1], *_live(demo), *live[1:], "-f", fmt, "--save-capture", str(capture))
    assert result.exit_code == 3, result.output  # the demo has failing sources
    assert result.stderr == f"Capture written to {capture} (no form of the personnummer in it).\n"
    again = run(*[a.format(capture=capture) for a in offline], "-f", "json")
    assert again.exit_code == 3, again.output
    return result.stdout, json.loads(again.stdout)


def _check_markdown(text: str, doc: dict[str, Any], kind: str) -> None:
    assert text.endswith("\n") and "\r" not in text
    heading = text.splitlines()[0]
    assert heading.startswith("## ") and unescape(heading[3:]).endswith("for 19121212-****")
    assert unescape(text).count(doc["now"]) >= 1
    if kind == "explain" and not doc["appointments"]:
        assert not [t for t in markdown_tables(text) if t.heading.startswith("Matching")]
    elif kind in ("collect", "explain"):
        table = markdown_table(text, "Appointments" if kind == "collect" else "Matching")
        assert [plain(c) for c in table.column("ID")] == [a["id"] for a in doc["appointments"]]
        assert [plain(c) for c in table.column("Verdict")] == [
            a["verdict"] for a in doc["appointments"]
        ]
        assert [plain(c) for c in table.column("Booking id")] == [
            a["booking_id"] or "" for a in doc["appointments"]
        ]
        assert [plain(c) for c in table.column("Call")] == [a["call"] for a in doc["appointments"]]
        for a, reason in zip(
            doc["appointments"], table.column("Reason / duplicate of"), strict=True
        ):
            expected = {"filtered": a["reason"], "duplicate": f"duplicate of {a['duplicate_of']} ({a['match']})"}  # fmt: skip
            assert plain(reason) == expected.get(a["verdict"], "invitation" if a["invitation"] else "")  # fmt: skip
    if kind == "explain":
        items = markdown_list(text, "Findings")
        assert len(items) == len(doc["findings"]) > 0
        for item, finding in zip(items, doc["findings"], strict=True):
            match = re.fullmatch(r"`([a-z0-9_]+)` \((verdict|check|hint)\): (.+)", item)
            assert match, item
            assert match.groups() == (finding["code"], finding["kind"], match.group(3))
            assert unescape(match.group(3)) == finding["message"]
    if kind == "compare":
        table = markdown_table(text, "Booked times")
        assert [plain(c) for c in table.column("ID")] == [a["id"] for a in doc["appointments"]]
        for logic in ("current", "target", "legacy"):
            for row, cell in zip(doc["appointments"], table.column(logic), strict=True):
                missing = row["missing"].get(logic)
                assert plain(cell) == (row[logic] or f"— {missing['code']}")
        lost = markdown_list(text, "Lost under the target logic")
        assert [item.split(" ")[:2] for item in lost] == [
            [f"`{x['id']}`", f"`{x['code']}`:"] for x in doc["lost_under_target"]
        ]
    calls = markdown_table(text, "Calls")
    assert [plain(c) for c in calls.column("Call")] == [c["call"] for c in doc["calls"]]
    assert [plain(c) for c in calls.column("Outcome")] == [c["outcome"] for c in doc["calls"]]
    assert [plain(c) for c in calls.column("Correlation id")] == [
        c["correlation_id"] or "" for c in doc["calls"]
    ]
    sources = markdown_table(text, "Sources")
    assert len(sources.rows) == sum(len(c["sources"]) for c in doc["calls"])
    for table in markdown_tables(text):
        for row in table.rows:
            for cell in row:
                assert active_markup(_own_emphasis_off(cell)) == [], cell


def _own_emphasis_off(cell: str) -> str:
    for mark in ("**", "*"):
        if cell.startswith(mark) and cell.endswith(mark):
            return cell[len(mark) : -len(mark)]
    return cell


def _check_html(text: str, doc: dict[str, Any], kind: str) -> None:
    page = html_page(text)
    assert page.title.endswith("for 19121212-****")
    assert "url(" not in text and "@import" not in text  # no resource from the style sheet
    if kind == "explain" and not doc["appointments"]:
        assert not [h for h, _ in page.tables if h.startswith("Matching")]
    elif kind in ("collect", "explain"):
        rows = page.table("Appointments" if kind == "collect" else "Matching")
        header, body = rows[0], rows[1:]
        assert [c.text for c in header][:6] == ["ID", "Booking id", "Facility", "Start", "Call", "Verdict"]  # fmt: skip
        assert len(body) == len(doc["appointments"])
        for cells, a in zip(body, doc["appointments"], strict=True):
            assert (cells[0].text, cells[1].text, cells[4].text) == (a["id"], a["booking_id"] or "", a["call"])  # fmt: skip
            verdict = cells[5]
            assert verdict.text == a["verdict"]  # the label says it in words ...
            assert verdict.classes == [["tag", VERDICT_CLASS[a["verdict"]]]]  # ... and colour
    if kind == "explain":
        items = page.list_items("Findings")
        assert [item.split(" ")[0] for item in items] == [f["code"] for f in doc["findings"]]
        assert [item.split(": ", 1)[1] for item in items] == [f["message"] for f in doc["findings"]]
    if kind == "compare":
        body = page.table("Booked times")[1:]
        assert [cells[0].text for cells in body] == [a["id"] for a in doc["appointments"]]
        for cells, row in zip(body, doc["appointments"], strict=True):
            for cell, logic in zip(cells[4:], ("current", "target", "legacy"), strict=True):
                expected = f"shown ({row[logic]})" if row[logic] else f"missing: {row['missing'][logic]['code']}"  # fmt: skip
                assert cell.text == expected
    calls = page.table("Calls")[1:]
    assert [(c[0].text, c[3].text, c[6].text) for c in calls] == [
        (c["call"], c["outcome"], c["correlation_id"] or "") for c in doc["calls"]
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_reports_of_the_demo_have_a_row_per_record_and_every_finding(
    demo: str, tmp_path: Path, case: str, fmt: str
) -> None:
    text, doc = _report(demo, tmp_path, case, fmt)
    kind = case.split("-")[0]
    (_check_markdown if fmt == "markdown" else _check_html)(text, doc, kind)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_demo_and_replay_write_the_same_report(tmp_path: Path, fmt: str) -> None:
    capture = tmp_path / "demo.json"
    live = run("demo", "-f", fmt, "--save-capture", str(capture))
    assert live.exit_code == 3
    replayed = run("replay", str(capture), "-f", fmt)
    assert replayed.stdout == live.stdout
    doc = json.loads(run("replay", str(capture), "-f", "json").stdout)
    assert doc["summary"] == {"received": 30, "shown": 12, "duplicate": 8, "filtered": 10}
    (_check_markdown if fmt == "markdown" else _check_html)(live.stdout, doc, "collect")


def test_relations_explain_reports(tmp_path: Path) -> None:
    doc = json.loads(run("relations", "explain", str(EVENTS), "-f", "json").stdout)
    text = run("relations", "explain", str(EVENTS), "-f", "markdown").stdout
    table = markdown_table(text, "")
    assert [plain(c) for c in table.column("Facility")] == [f["facility_hsa_id"] for f in doc["facilities"]]  # fmt: skip
    assert [plain(c) for c in table.column("Relation")] == [
        "relation" if f["relation"] else "no relation" for f in doc["facilities"]
    ]
    assert [plain(c) for c in table.column("Rule")] == [f["rule"] for f in doc["facilities"]]
    page = html_page(run("relations", "explain", str(EVENTS), "-f", "html").stdout)
    rows = page.table(doc["file"])[1:]
    assert [(r[0].text, r[2].text) for r in rows] == [
        (f["facility_hsa_id"], "relation" if f["relation"] else "no relation")
        for f in doc["facilities"]
    ]
    history = sum(len(f["history"]) for f in doc["facilities"])
    assert history > 0 and len(page.items) == history


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_output_file_holds_the_report_and_stdout_the_table(demo: str, tmp_path: Path, fmt: str) -> None:  # fmt: skip
    path = tmp_path / "report"
    result = run("collect", *_live(demo), "-f", fmt, "-o", str(path))
    assert result.exit_code == 3
    assert result.stdout.startswith("Bokade tider for 19121212-****: current logic")  # the table
    assert path.stat().st_mode & 0o777 == 0o600
    written = path.read_text(encoding="utf-8")
    assert written.startswith("## Bokade tider" if fmt == "markdown" else "<!DOCTYPE html>")


# --- hostile producer text -------------------------------------------------------------------

HOSTILE = (
    "Evil | clinic <script>alert(1)</script> `rm -rf` **bold** _it_ [x](http://evil.example) "
    "<img src=x onerror=alert(1)> @channel #1 ~label $x$ &amp; !42 %m {+d+} www.evil.example "
    ":smile: \u009b31m \u202egnp.exe\u202c \u200b\n::set-output name=x::1 tel 19121212-1212 end"
)
HOSTILE_ID = "B|1`<b>\\|"


def _hostile(platform: FakePlatform) -> None:
    platform.scheduling(
        AGGREGATOR,
        [
            slot("SE2321000016-A001", "20261201100000", HOSTILE_ID, name=HOSTILE),
            slot("SE2321000016-A001", "20261201100000", "B2", name="Normal"),  # a duplicate
        ],
        sources=[
            {"logicalAddress": "SE2321000016-A001", "statusCode": "DataFromSource"},
            {
                "logicalAddress": "SE2321000016-F003",
                "statusCode": "NoDataSynchFailed",
                "text": HOSTILE,
            },
        ],
    )
    platform.care_contacts(3, [])
    platform.set("GetCareContacts/2", AGGREGATOR, fault(HOSTILE), status=500)


def _hostile_run(fmt: str) -> Any:
    result = run("collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-f", fmt)
    assert result.exit_code == 3, result.output
    return result


def _shown(text: str) -> str:
    """How a report must show untrusted text: masked, then neutralised (one visible line)."""
    return neutralise(text.replace("19121212-1212", "19121212-****"))


def test_hostile_producer_text_in_markdown_is_text(platform: FakePlatform) -> None:
    _hostile(platform)
    doc = json.loads(_hostile_run("json").stdout)
    text = _hostile_run("markdown").stdout
    assert "19121212-1212" not in text and "<script>" not in text and "\u202e" not in text
    assert not any(line.startswith("::") for line in text.splitlines())
    assert all(char.isprintable() for char in text.replace("\n", ""))
    table = markdown_table(text, "Appointments")
    assert len(table.rows) == len(doc["appointments"]) == 2
    (facility, booking) = table.rows[0][2], table.rows[0][1]
    assert plain(facility) == f"SE2321000016-A001 {_shown(HOSTILE)}"
    assert plain(booking) == HOSTILE_ID
    assert active_markup(facility) == [] and active_markup(booking) == []
    sources = markdown_table(text, "Sources")
    assert plain(sources.rows[1][3]).endswith(_shown(HOSTILE))
    calls = markdown_table(text, "Calls")
    (v2,) = [row for row in calls.rows if plain(row[0]) == "call3-v2"]
    assert _shown(HOSTILE) in plain(v2[7]) and active_markup(v2[7]) == []


def test_hostile_producer_text_in_html_is_text(platform: FakePlatform) -> None:
    _hostile(platform)
    text = _hostile_run("html").stdout
    assert "19121212-1212" not in text and "\u202e" not in text and "\u009b" not in text
    page = html_page(text)  # no <script>, no <img>, no handler, no src: the text stayed text
    rows = page.table("Appointments")[1:]
    assert rows[0][2].text == f"SE2321000016-A001 {_shown(HOSTILE)}"
    assert rows[0][1].text == HOSTILE_ID
    sources = page.table("Sources")[1:]
    assert sources[1][3].text.endswith(_shown(HOSTILE))
    (v2,) = [row for row in page.table("Calls")[1:] if row[0].text == "call3-v2"]
    assert _shown(HOSTILE) in v2[7].text


# --- a real browser ----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the inflated image data (filter bytes included) of a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt install chromium)")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_chromium_renders_the_page(tmp_path: Path) -> None:
    capture = tmp_path / "demo.json"
    run("demo", "--save-capture", str(capture), "-f", "json")
    page = tmp_path / "report.html"
    page.write_text(run("replay", str(capture), "-f", "html").stdout, encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=794,1123",  # A4 at 96 dpi
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (794, 1123)
    # A blank page inflates to a few distinct byte values; text, tables and labels to many.
    assert len(set(pixels)) > 64, "the screenshot is blank"
