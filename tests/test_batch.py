"""`bokade batch` through the CLI against the simulator: verdicts, exit codes, JUnit, JSONL, progress."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW, PNR, PNR_MASKED, assert_conserved, read_terminal

DATA = Path(__file__).parent / "data" / "batch"
SAMPLES = Path(__file__).resolve().parents[1] / "sample_configs" / "batch"
FAILING, SLOW = "197707070707", "198505058514"  # the ops scenario's other citizens
HEALTHY_EXPECT = """
[cases.expect]
min_shown = 3
max_shown = 3
shown = ["OK-1", "OK-2", "D-1"]
not_shown = ["PAST-1"]
reasons = { "PAST-1" = "start_passed", "CC-1" = "duplicate" }
no_failed_sources = true
min_target_readiness = 0.5
"""


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    simulator = Simulator(
        load_scenario(str(DATA / "ops-scenario.toml")), datetime.fromisoformat(NOW)
    )
    with serve_in_thread(simulator) as running:
        yield running


def _case(name: str, pnr: str, body: str = "", relations: str = '["SE2321000016-D001"]') -> str:
    return f'[[cases]]\nname = "{name}"\npersonnummer = "{pnr}"\nrelations = {relations}\n{body}\n'


def _batch(runner: CliRunner, server: RunningServer, tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    argv = ["batch", str(path), "--base-url", server.base_url, "--now", NOW, *args]
    result = runner.invoke(app, argv)
    assert "Traceback" not in result.output
    return result


def _junit(path: Path) -> ET.Element:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return suite


def _lines(stdout: str) -> dict[str, dict[str, Any]]:
    docs = [json.loads(line) for line in stdout.splitlines()]
    return {d["case"]: d for d in docs}


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_failing_and_slow_producers_and_a_bad_number_in_one_run(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    text = (
        _case("healthy", PNR, HEALTHY_EXPECT)
        + _case(
            "failing", FAILING, '[cases.expect]\nshown = ["C2-1"]\nno_failed_sources = true', "[]"
        )
        + _case("slow", SLOW, '[cases.expect]\nreasons = { "S-1" = "not_received" }', "[]")
        + _case("typo 19121212-1213", "19121212-1213")
    )
    junit = tmp_path / "junit.xml"
    result = _batch(runner, server, tmp_path, text, "-f", "jsonl", "--junit", str(junit))
    assert result.exit_code == 1, result.output
    assert result.stderr == ""  # JSON Lines mode: stderr stays quiet
    lines = _lines(result.stdout)
    assert {name: doc["status"] for name, doc in lines.items()} == {
        "healthy": "passed",
        "failing": "failed",
        "slow": "passed",
        "typo 19121212-****": "error",
    }
    assert lines["failing"]["unmet"] == [
        "sources failed: call1/SE2321000016-F001 NoDataSynchFailed"
    ]
    assert lines["slow"]["result"]["complete"] is False
    sources = lines["slow"]["result"]["calls"][0]["sources"]
    assert any("504" in (s["error"] or "") for s in sources)
    assert lines["typo 19121212-****"]["error"]["code"] == "invalid_personnummer"
    assert "check digit" in lines["typo 19121212-****"]["error"]["message"]
    assert lines["typo 19121212-****"]["result"] is None
    for doc in lines.values():
        if doc["result"] is not None:
            assert_conserved(doc["result"])
            assert doc["result"]["subject_of_care"] == doc["subject_of_care"]
    assert lines["healthy"]["subject_of_care"] == PNR_MASKED
    assert PNR not in result.stdout and "1213" not in result.stdout
    # F001's fault text echoes the number; it reaches the document masked.
    assert FAILING not in result.stdout
    assert "patient 19770707-****" in json.dumps(lines["failing"]["result"], ensure_ascii=False)

    suite = _junit(junit)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {
        f"healthy [{PNR_MASKED}]",
        f"failing [{FAILING[:8]}-****]",
        f"slow [{SLOW[:8]}-****]",
        "typo 19121212-**** [(invalid)]",
    }
    failure = cases[f"failing [{FAILING[:8]}-****]"].find("failure")
    assert failure is not None and "SE2321000016-F001 NoDataSynchFailed" in failure.get(
        "message", ""
    )
    error = cases["typo 19121212-**** [(invalid)]"].find("error")
    assert error is not None and "check digit" in error.get("message", "")
    assert cases[f"healthy [{PNR_MASKED}]"].find("failure") is None
    assert "1213" not in junit.read_text() and PNR not in junit.read_text()


def test_unmet_expectations_are_each_named(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    expect = (
        '[cases.expect]\nmax_shown = 1\nshown = ["NOPE"]\nnot_shown = ["OK-2"]\n'
        'reasons = { "OK-1" = "start_passed", "PAST-1" = "start_passed" }\n'
        "min_target_readiness = 0.9\n"
    )
    junit = tmp_path / "junit.xml"
    result = _batch(runner, server, tmp_path, _case("wrong", PNR, expect), "--junit", str(junit))
    assert result.exit_code == 1
    failure = _junit(junit).find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == "shown 3, expected at most 1 (and 4 more)"
    assert (failure.text or "").splitlines() == [
        "shown 3, expected at most 1",
        "booking NOPE is not shown (not_received)",
        "booking OK-2 is shown, expected not shown",
        "booking OK-1: expected start_passed, got shown",
        "target readiness 67%, expected at least 90%",
    ]


@pytest.mark.parametrize(
    ("citizen", "relations", "code"),
    [(PNR, '["SE2321000016-D001"]', 0), (SLOW, "[]", 3), (FAILING, '["SE2321000016-F001"]', 3)],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_exit_code_is_3_when_all_passed_but_a_source_failed(
    runner: CliRunner,
    server: RunningServer,
    tmp_path: Path,
    citizen: str,
    relations: str,
    code: int,
) -> None:
    result = _batch(runner, server, tmp_path, _case("c", citizen, relations=relations))
    assert result.exit_code == code, result.output


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_exit_code_4_when_nothing_answered(runner: CliRunner, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "cases.toml"
    path.write_text(_case("down", PNR, relations="[]"))
    result = runner.invoke(app, ["batch", str(path), "--base-url", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 4, result.output


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_table_on_stdout_and_plain_progress_lines_when_not_a_terminal(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    text = _case("healthy", PNR, HEALTHY_EXPECT) + _case("slow", SLOW, relations="[]")
    result = _batch(runner, server, tmp_path, text)
    assert result.exit_code == 3
    progress = result.stderr.splitlines()
    assert sorted(line[:14] for line in progress) == ["[1/2] passed  ", "[2/2] passed  "]
    assert any("slow [19850505-****] 1 shown, partial" in line for line in progress)
    assert "\x1b" not in result.stderr + result.stdout
    assert "━" not in result.stderr  # no progress bar
    assert "healthy" in result.stdout and "Per call" in result.stdout
    assert "2 cases: 2 passed, 0 failed, 0 error(s); 1 partial." in result.stdout


def _stderr_on_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run `python -m bokade_cli ARGV` with stderr on a pseudo-terminal; its text and exit code."""
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=dict(os.environ, TERM="xterm-256color"),
    )
    os.close(slave)
    written = read_terminal(master)
    return process.wait(timeout=60), written.decode("utf-8")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_progress_bar_only_on_a_terminal(
    runner: CliRunner, server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _case("healthy", PNR) + _case("wrong", PNR, "[cases.expect]\nmax_shown = 0")
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    code, stderr = _stderr_on_a_terminal(
        ["batch", str(path), "--base-url", server.base_url, "--now", NOW]
    )
    assert code == 1
    assert "\x1b[?25l" in stderr  # the live bar hides the cursor
    assert "wrong [19121212-****]" in stderr  # failures scroll above the bar
    assert "healthy [19121212-****]" not in stderr  # passes only advance it
    # An environment that claims a terminal does not make a pipe one (a CI log gets lines).
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    piped = _batch(runner, server, tmp_path, text)
    assert "\x1b" not in piped.stderr
    assert "healthy [19121212-****]" in piped.stderr


def test_json_to_a_file_and_the_table_to_stdout_in_one_run(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    text = _case("healthy", PNR, HEALTHY_EXPECT)
    result = _batch(runner, server, tmp_path, text, "-f", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "1 cases: 1 passed" in result.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {
        "schema_version",
        "kind",
        "file",
        "now",
        "concurrency",
        "interrupted",
        "elapsed_ms",
        "summary",
        "stats",
        "target_readiness",
        "cases",
    }
    assert doc["summary"] == {
        "cases": 1,
        "passed": 1,
        "failed": 0,
        "error": 0,
        "not_run": 0,
        "partial": 0,
        "expectations": 10,
        "unmet": 0,
    }
    assert doc["target_readiness"] == pytest.approx(2 / 3)
    # The batch's now as each case writes it (Stockholm time with its offset), not in UTC.
    assert doc["now"] == doc["cases"][0]["result"]["now"]
    assert doc["cases"][0]["result"]["summary"] == {
        "received": 6,
        "shown": 3,
        "duplicate": 2,
        "filtered": 1,
    }


def test_unmask_shows_the_number(runner: CliRunner, server: RunningServer, tmp_path: Path) -> None:
    result = _batch(runner, server, tmp_path, _case("c", PNR), "-f", "jsonl", "--unmask")
    assert json.loads(result.stdout)["subject_of_care"] == "19121212-1212"


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('[[cases]]\npersonnummer = "1"\nrelatons = []\n', ["case 1", "relatons", "'relations'"]),
        (
            '[[cases]]\nname = "a"\npersonnummer = "1"\n[[cases]]\nname = "b"\npersonnummer = "1"\n'
            '[cases.expect]\nmin_shown = "many"\n',
            ['case 2 ("b")', "expect.min_shown", "whole number"],
        ),
        ('[[cases]]\npersonnummer = "1"\nexpect = { reasons = { X = "gone" } }\n', ["X", "gone"]),
        ('[[cases]]\npersonnummer = "1"\nexpect = { min_shwn = 1 }\n', ["min_shwn", "'min_shown'"]),
        ('[[cases]]\nname = "x"\n', ["case 1", "personnummer"]),
        ('[[cases]]\npersonnummer = "1"\nlogic = "fast"\n', ["logic", "fast"]),
        ('[[cases]]\npersonnummer_file = "missing.txt"\n', ["personnummer_file", "missing.txt"]),
        ("[defaults]\nlogic = 1\n[[cases]]\npersonnummer = '1'\n", ["defaults.logic"]),
        ('[[case]]\npersonnummer = "1"\n', ["case is not a known key", "'cases'"]),
        ("[[cases]\n", ["invalid TOML"]),
        ("", ["no cases"]),
    ],
)
def test_a_bad_batch_file_is_exit_2_naming_file_case_and_key(
    runner: CliRunner, server: RunningServer, tmp_path: Path, text: str, needles: list[str]
) -> None:
    result = _batch(runner, server, tmp_path, text)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Error: {tmp_path / 'cases.toml'}")
    assert lines[1].startswith("Hint: ") and len(lines) == 2
    for needle in needles:
        assert needle in lines[0] + lines[1]
    assert result.stdout == ""


def test_bad_batch_file_in_json_mode_is_the_error_document(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    result = _batch(runner, server, tmp_path, '[[cases]]\nname = "x"\n', "-f", "jsonl")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "input"


def test_no_base_url_is_a_configuration_error_and_a_bad_junit_path_fails_first(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "cases.toml"
    path.write_text(_case("c", PNR))
    no_url = runner.invoke(app, ["batch", str(path)])
    assert no_url.exit_code == 5 and "base_url" in no_url.stderr
    before = server.simulator.requests.count()
    junit = tmp_path / "missing" / "junit.xml"
    result = _batch(runner, server, tmp_path, _case("c", PNR), "--junit", str(junit))
    assert result.exit_code == 2 and "cannot write the JUnit file" in result.stderr
    assert server.simulator.requests.count() == before  # nothing ran


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_personnummer_file_defaults_and_relative_paths(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    (tmp_path / "people.txt").write_text(f"# test persons\n{PNR}\n\n{SLOW}  # slow one\n")
    (tmp_path / "rel.txt").write_text("SE2321000016-D001\n")
    text = (
        '[defaults]\nrelations_file = "rel.txt"\n[defaults.expect]\nshown = ["D-1"]\n'
        '[[cases]]\nname = "people"\npersonnummer_file = "people.txt"\n'
    )
    result = _batch(runner, server, tmp_path, text, "-f", "jsonl")
    lines = _lines(result.stdout)
    assert set(lines) == {"people, people.txt line 2", "people, people.txt line 4"}
    assert lines["people, people.txt line 2"]["status"] == "passed"
    slow = lines["people, people.txt line 4"]  # D001 has no booking for that citizen
    assert slow["unmet"] == ["booking D-1 is not shown (not_received)"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_sample_batch_file_passes_against_the_demo_scenario(runner: CliRunner) -> None:
    simulator = Simulator(load_scenario("demo"), datetime.fromisoformat(NOW))
    with serve_in_thread(simulator) as demo:
        argv = ["batch", str(SAMPLES / "batch-example.toml"), "--base-url", demo.base_url]
        result = runner.invoke(app, [*argv, "--now", NOW, "-f", "json"])
    assert result.exit_code == 3, result.output  # every case passes; demo sources fail on purpose
    summary = json.loads(result.stdout)["summary"]
    assert summary["passed"] == summary["cases"] == 6 and summary["unmet"] == 0


@pytest.mark.slow
def test_200_cases_at_concurrency_20(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    before = server.simulator.requests.count(via="direct")
    text = "".join(
        _case(f"n{i}", FAILING, "[cases.expect]\nno_failed_sources = true", "[]")
        if i % 10 == 0
        else _case(f"n{i}", PNR, HEALTHY_EXPECT)
        for i in range(200)
    )
    junit = tmp_path / "junit.xml"
    started = time.perf_counter()
    result = _batch(
        runner, server, tmp_path, text, "-c", "20", "-f", "jsonl", "--junit", str(junit)
    )
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1
    lines = _lines(result.stdout)
    assert len(lines) == 200
    assert sorted(d["index"] for d in lines.values()) == list(range(1, 201))
    for name, doc in lines.items():
        expected = "failed" if int(name[1:]) % 10 == 0 else "passed"
        assert doc["status"] == expected, (name, doc["unmet"])
        shown = doc["result"]["summary"]["shown"]
        assert shown == (1 if expected == "failed" else 3)
    suite = _junit(junit)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("200", "20", "0")
    # 180 cases × 4 calls + 20 cases × 3 calls, each made exactly once
    assert server.simulator.requests.count(via="direct") - before == 780
    assert elapsed < 25  # a generous deadline, not a benchmark


@pytest.mark.slow
def test_ctrl_c_stops_and_prints_a_partial_summary(tmp_path: Path) -> None:
    slow = Simulator(load_scenario(str(DATA / "ops-scenario.toml")), datetime.fromisoformat(NOW))
    batch = tmp_path / "cases.toml"
    batch.write_text("".join(_case(f"s{i}", SLOW, relations="[]") for i in range(40)))
    junit = tmp_path / "junit.xml"
    with serve_in_thread(slow) as running:
        argv = [sys.executable, "-m", "bokade_cli", "batch", str(batch), "-c", "2"]
        argv += ["--base-url", running.base_url, "--junit", str(junit)]
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
        )
        assert process.stderr is not None
        first = process.stderr.readline()  # the first case finished: the batch is under way
        assert first.startswith("[ 1/40]"), first
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted: partial summary." in stdout
    suite = _junit(junit)
    skipped = int(suite.get("skipped") or 0)
    assert 0 < skipped < 40 and suite.get("tests") == "40"
