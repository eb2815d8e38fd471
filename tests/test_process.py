"""The process around a run (SPEC §6): collection held off during start-up and skipped at exit,
and the work a run's answers will need done while it waits on the network."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bokade_cli import process
from bokade_cli.config import Profile
from bokade_cli.engine import Observer, Subject, collect_calls
from bokade_cli.engine.soap import Exchange
from bokade_cli.models import CallResult
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from bokade_cli.support.capture import Captured, Recorder
from tests.helpers import NOW, PNR

RELATIONS = ("SE2321000016-A001", "SE2321000016-F003", "SE2321000016-R004")


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningServer]:
    with serve_in_thread(Simulator(load_scenario("demo"), datetime.fromisoformat(NOW))) as s:
        yield s


class Seen(Observer):
    def __init__(self) -> None:
        self.order: list[str] = []

    def waiting(self) -> None:
        self.order.append("waiting")

    def exchange(self, exchange: Exchange) -> None:
        self.order.append(f"answer {exchange.tag[0]}")

    def finished(self, calls: tuple[CallResult, ...], logic: str) -> None:
        self.order.append("finished")


def _run(server: RunningServer, logic: str, observer: Observer) -> tuple[CallResult, ...]:
    profile = Profile(name="t", base_url=server.base_url, timeout_s=10.0)
    subject = Subject(PNR, "1.2.752.129.2.1.3.1")
    today = datetime.fromisoformat(NOW).date()
    return collect_calls(profile, subject, RELATIONS, logic, today, observer)  # type: ignore[arg-type]


@pytest.mark.parametrize("logic", ["current", "legacy", "all", "target"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_run_says_once_when_its_first_requests_are_all_out_before_any_answer(
    demo: RunningServer, logic: str
) -> None:
    seen = Seen()
    calls = _run(demo, logic, seen)
    assert seen.order.count("waiting") == 1
    assert seen.order[0] == "waiting" and seen.order[-1] == "finished"
    assert len([c for c in calls if c.outcome != "skipped"]) == len(seen.order) - 2


def test_a_capture_recorder_passes_the_wait_on(tmp_path: Path) -> None:
    from bokade_cli.output.boundary import Format, Output

    inner = Seen()
    recorder = Recorder(inner, Output(Format.json), tmp_path / "c.json", Captured("x", NOW, ()))
    recorder.waiting()
    assert inner.order == ["waiting"]


def test_work_beside_the_wait_is_joined_and_its_failure_ignored() -> None:
    done: list[str] = []

    def slow() -> None:
        time.sleep(0.05)
        done.append("prepared")

    beside = process.Beside(slow)
    beside.wait()  # never started: nothing to join
    beside.start()
    beside.start()  # a second start is harmless
    beside.wait()
    assert done == ["prepared"]

    def broken() -> None:
        raise ImportError("a missing module is reported where it is really needed")

    failing = process.Beside(broken)
    failing.start()
    failing.wait()  # no exception


def test_a_command_start_freezes_start_up_and_resumes_collection() -> None:
    frozen = gc.get_freeze_count()
    process.command_started()  # collection is on (as in tests): nothing to do
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        garbage = [[] for _ in range(10)]
        process.command_started()
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        del garbage
    finally:
        gc.enable()
        gc.unfreeze()


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_console_command_runs_a_collection_end_to_end(demo: RunningServer) -> None:
    """`python -m bokade_cli` goes through process.main: collection held off, then resumed,
    the table written whole and the run's own exit code kept."""
    argv = [sys.executable, "-m", "bokade_cli", "collect", PNR, "--base-url", demo.base_url]
    argv += [arg for hsa in RELATIONS for arg in ("-r", hsa)] + ["--now", NOW]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr  # the demo has a failed source: partial
    assert "Bokade tider for 19121212-****" in done.stdout
    assert "Incomplete" in done.stdout.splitlines()[-1]
    assert "Traceback" not in done.stderr
