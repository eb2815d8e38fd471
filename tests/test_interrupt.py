"""Ctrl-C at any moment ends bokade with exit 130 (SPEC §4) and no traceback: while it starts
(imports, Typer's set-up), while it waits on the platform, and when Ctrl-C comes again while it
is stopping. Each case is a real process sent a real SIGINT, against a slow platform on
loopback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW, PNR

pytestmark = pytest.mark.slow  # subprocesses

# A producer that answers in 0.8 s: the run is surely waiting when Ctrl-C comes.
SLOW = f"""
[platform]
aggregation_timeout_ms = 5000
[[citizens]]
personnummer = "{PNR}"
[[producers]]
hsa_id = "SE2321000016-S001"
name = "Långsam mottagning"
latency_ms = 800
[[engagements]]
logical_address = "SE2321000016-S001"
contracts = ["GetSubjectOfCareSchedule"]
"""


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = Path(tmp_path_factory.mktemp("slow")) / "slow.toml"
    path.write_text(SLOW, encoding="utf-8")
    simulator = Simulator(load_scenario(str(path)), now=datetime.fromisoformat(NOW))
    with serve_in_thread(simulator) as server:
        yield server.base_url


def _start(*args: str, **options: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **options,  # type: ignore[call-overload]
    )


def test_ctrl_c_while_bokade_is_starting_is_exit_130_without_a_traceback() -> None:
    """Python reports each import as it finishes (`-X importtime`): Ctrl-C is sent while the
    app and Typer are being imported (about 60 ms). That was a traceback and exit -2."""
    process = _start("-X", "importtime", "-m", "bokade_cli", "--version")
    assert process.stderr is not None
    for line in process.stderr:
        if line.rstrip().endswith(b"typer._click.utils"):  # the first of Typer's many
            break
    process.send_signal(signal.SIGINT)
    stdout, rest = process.communicate(timeout=60)
    assert process.returncode == 130, rest.decode()[-2000:]
    assert b"Traceback" not in rest and stdout == b""


def test_ctrl_c_while_waiting_on_the_platform_is_exit_130(slow: str) -> None:
    process = _start("-m", "bokade_cli", "collect", PNR, "--base-url", slow, "--now", NOW)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.decode().splitlines() == ["Error: interrupted"]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_ctrl_c_again_and_again_while_stopping_is_still_exit_130(slow: str, fmt: str) -> None:
    """A second Ctrl-C while the run stops on the first is ignored: it cannot cut short the
    clean-up or change the exit code. Before, one landing as Python shut down ended the
    process with -2, one in Typer's error handling with a traceback."""
    argv = ["-m", "bokade_cli", "collect", PNR, "--base-url", slow, "--now", NOW, "-f", fmt]
    process = _start(*argv)
    time.sleep(0.5)
    while process.poll() is None:
        try:
            process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            break
        time.sleep(0.001)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()[-2000:]
    assert b"Traceback" not in stderr
