"""`explain --capture` and `compare --capture`: the live answer, offline, from a ticket's capture."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

PNR = "191212121212"
NOW = "2026-11-26T12:00:00+01:00"
DEMO_RELATIONS = load_scenario("demo").relations  # A001 and F003 are in call1's index, R004 not


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    with serve_in_thread(Simulator(load_scenario("demo"), now=datetime.fromisoformat(NOW))) as s:
        yield s.base_url


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    result.doc = json.loads(result.stdout) if result.stdout.startswith("{") else None
    return result


def live(base_url: str, command: str, *args: str, relations: list[str] = DEMO_RELATIONS) -> list[str]:  # fmt: skip
    rel = [arg for r in relations for arg in ("-r", r)]
    return [command, PNR, "--base-url", base_url, *rel, "--now", NOW, *args]


def _without_elapsed(text: str) -> str:
    return re.sub(r'"elapsed_ms": [0-9]+', '"elapsed_ms": 0', text)


@pytest.mark.parametrize(
    "question",
    [
        ["--booking-id", "A-1001"],  # shown, with a duplicate from call2
        ["--booking-id", "R-4000"],  # shown only through call2: lost under target
        ["--facility", "SE2321000016-F003"],  # lost: failed in call1, excluded from call2
        ["--facility", "SE2321000016-C005", "--start", "2026-12-08"],  # from call3
    ],
    ids=lambda q: " ".join(q),
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_explain_from_its_capture_is_the_live_json(
    demo: str, tmp_path: Path, question: list[str]
) -> None:
    capture = tmp_path / "case.json"
    answered = run(*live(demo, "explain", *question, "-f", "json", "--save-capture", str(capture)))
    offline = run("explain", "--capture", str(capture), *question, "-f", "json")
    assert answered.exit_code == offline.exit_code == 3
    assert offline.stderr == ""
    assert len(answered.doc["findings"]) > 1
    assert _without_elapsed(offline.stdout) == _without_elapsed(answered.stdout)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_compare_from_its_capture_is_the_live_json(demo: str, tmp_path: Path) -> None:
    capture = tmp_path / "compare.json"
    answered = run(*live(demo, "compare", "-f", "json", "--save-capture", str(capture)))
    offline = run("compare", "--capture", str(capture), "-f", "json")
    assert answered.exit_code == offline.exit_code == 3
    assert answered.doc["not_judged"] == [] and answered.doc["lost_under_target"]
    assert _without_elapsed(offline.stdout) == _without_elapsed(answered.stdout)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_explain_from_a_collect_capture_finds_what_live_explain_finds(
    demo: str, tmp_path: Path
) -> None:
    capture = tmp_path / "collect.json"
    assert run(*live(demo, "collect", "--save-capture", str(capture))).exit_code == 3
    for question in (["--booking-id", "R-4000"], ["--facility", "SE2321000016-F003"]):
        answered = run(*live(demo, "explain", *question, "-f", "json")).doc
        offline = run("explain", "--capture", str(capture), *question, "-f", "json").doc
        assert offline["findings"] == answered["findings"]
        assert offline["appointments"] == answered["appointments"]
        assert offline["answer"] == answered["answer"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_compare_from_a_collect_capture_says_legacy_cannot_be_judged_and_why(
    demo: str, tmp_path: Path
) -> None:
    capture = tmp_path / "collect.json"
    run(*live(demo, "collect", "--save-capture", str(capture)))
    answered = run(*live(demo, "compare", "-f", "json")).doc
    offline = run("compare", "--capture", str(capture), "-f", "json")
    assert offline.exit_code == 3 and offline.stderr == ""
    doc = offline.doc
    (item,) = doc["not_judged"]
    assert (item["logic"], item["code"]) == ("legacy", "not_in_capture")
    # The two facilities call1 had called, which the captured run therefore never called:
    assert "SE2321000016-A001, SE2321000016-F003" in item["message"]
    assert "SE2321000016-R004" not in item["message"]
    assert doc["logics"]["legacy"] == {"shown": None, "complete": None}
    assert doc["logics"]["current"] == answered["logics"]["current"]
    assert doc["logics"]["target"] == answered["logics"]["target"]
    assert doc["lost_under_current"] == []  # legacy vs current: not judged, so not claimed
    assert doc["lost_under_target"] == answered["lost_under_target"]

    def judged_rows(d: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (r["booking_id"], r["current"], r["target"], r["missing"].get("target"))
            for r in d["appointments"]
            if r["current"] or r["target"]
        ]

    assert judged_rows(doc) == judged_rows(answered)
    assert all(r["legacy"] is None for r in doc["appointments"])
    assert {r["missing"]["legacy"]["code"] for r in doc["appointments"]} == {"not_in_capture"}
    table = run("compare", "--capture", str(capture))
    assert table.exit_code == 3
    assert "current 12, target 6, legacy not judged" in table.stdout
    assert table.stderr.startswith("Warning: the legacy logic is not judged: the capture")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_collect_capture_with_every_direct_call_judges_legacy(demo: str, tmp_path: Path) -> None:
    # R004 is not in call1's engagement index, so the current run called it directly: the
    # capture holds every call the legacy logic makes.
    capture = tmp_path / "collect.json"
    relations = ["SE2321000016-R004"]
    run(*live(demo, "collect", "--save-capture", str(capture), relations=relations))
    offline = run("compare", "--capture", str(capture), "-f", "json").doc
    answered = run(*live(demo, "compare", "-f", "json", relations=relations)).doc
    assert offline["not_judged"] == []
    assert offline["logics"] == answered["logics"]
    assert [r["legacy"] for r in offline["appointments"]] == [
        r["legacy"] for r in answered["appointments"]
    ]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_target_capture_judges_only_target(demo: str, tmp_path: Path) -> None:
    capture = tmp_path / "target.json"
    run(*live(demo, "collect", "--logic", "target", "--save-capture", str(capture)))
    doc = run("compare", "--capture", str(capture), "-f", "json").doc
    reasons = {item["logic"]: item["message"] for item in doc["not_judged"]}
    assert set(reasons) == {"current", "legacy"}
    assert "holds no call3-v2, call3-v3, which the current logic needs" in reasons["current"]
    assert doc["logics"]["target"]["shown"] == 6 and doc["lost_under_target"] == []
    explained = run("explain", "--capture", str(capture), "--booking-id", "A-1000")
    assert explained.exit_code == 2 and explained.stdout == ""
    assert "holds no call3-v2, call3-v3, which the current logic needs" in explained.stderr


def test_a_capture_with_no_calls_cannot_be_compared(tmp_path: Path) -> None:
    capture = tmp_path / "empty.json"
    capture.write_text(
        '{"format": "bokade-capture", "format_version": 3, "now": "2026-11-26T12:00:00",'
        ' "subject_of_care": "19121212-****", "logic": "current", "relations": [], "calls": []}'
    )
    result = run("compare", "--capture", str(capture))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: the capture cannot be compared: the capture")
    assert "\nHint: " in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ([PNR], "a personnummer"),
        (["--base-url", "http://127.0.0.1:9"], "--base-url"),
        (["--relation", "SE2321000016-A001"], "--relation"),
        (["--relations", "relations.txt"], "--relations"),
        (["--save-capture", "again.json"], "--save-capture"),
    ],
)
@pytest.mark.parametrize("command", ["explain", "compare"])
def test_capture_and_a_live_input_are_a_usage_error(
    tmp_path: Path, command: str, extra: list[str], named: str
) -> None:
    capture = tmp_path / "case.json"
    capture.write_text("{}")
    question = ["--booking-id", "A-1000"] if command == "explain" else []
    result = run(command, *extra, "--capture", str(capture), *question)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"Error: --capture cannot be combined with {named}",
        "Hint: The capture holds the (masked) personnummer, the relation list and every answer: "
        "give only --capture FILE, or drop --capture to call the platform.",
    ]
    assert not (tmp_path / "again.json").exists()


@pytest.mark.parametrize("command", ["explain", "compare"])
def test_neither_a_personnummer_nor_a_capture_is_a_usage_error(command: str) -> None:
    question = ["--booking-id", "A-1000"] if command == "explain" else []
    result = run(command, *question)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: give a personnummer (or --capture FILE")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_explain_from_a_capture_judges_at_another_now(demo: str, tmp_path: Path) -> None:
    capture = tmp_path / "collect.json"
    run(*live(demo, "collect", "--save-capture", str(capture)))
    later = run("explain", "--capture", str(capture), "--booking-id", "A-1000", "--now", "2027-01-01T12:00", "-f", "json")  # fmt: skip
    assert later.doc["now"] == "2027-01-01T12:00:00+01:00"
    assert later.doc["answer"] == "filtered"
    assert later.doc["appointments"][0]["reason"] == "start_passed"


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_from_stdin(demo: str, tmp_path: Path) -> None:
    capture = tmp_path / "collect.json"
    run(*live(demo, "collect", "--save-capture", str(capture)))
    result = CliRunner().invoke(
        app,
        ["explain", "--capture", "-", "--booking-id", "R-4000", "-f", "json"],
        input=capture.read_text(),
    )
    assert result.exit_code == 3 and json.loads(result.stdout)["answer"] == "shown"
