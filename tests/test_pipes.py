"""Standard streams that are not a terminal (SPEC §7, README "Output"): a pipe or a CI log is
never wrapped or coloured whatever the environment says, so no untrusted text can start a line
there; a closed stdout or stderr (`>&-`, `2>&-`) costs no traceback and no wrong exit code.

Everything runs against the simulator on loopback; the closed-stream cases as subprocesses,
since CliRunner cannot close a descriptor.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW

CITIZEN = "197707070707"
FACILITY = "SE2321000016-K001"
# Words enough that any wrapping at a terminal's width puts the CI command at a line's start
# (GitHub's runner reads `::warning::` after leading spaces too).
FAULT = "Backend said " + "blah " * 11 + "::warning::fault-injected"
NAME = "Vårdcentralen " + "ord " * 14 + "::error::pwned-by-producer"
# rich treats a pipe as a terminal when one of these is set; bokade must not.
TERMINAL_ENV = [{"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}, {"TTY_INTERACTIVE": "1"}, {}]


def _scenario(tmp_path: Path, fault: str = FAULT, name: str = NAME) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(
        f"""description = "a producer that writes CI commands"
[platform]
aggregation_timeout_ms = 2000
[[citizens]]
personnummer = "{CITIZEN}"
[[producers]]
hsa_id = "{FACILITY}"
name = {json.dumps(name)}
[[producers]]
hsa_id = "SE2321000016-K002"
name = "Vårdcentralen Kusten"
fault = {json.dumps(fault)}
[[engagements]]
logical_addresses = ["{FACILITY}", "SE2321000016-K002"]
contracts = ["GetSubjectOfCareSchedule"]
[[bookings]]
producer = "{FACILITY}"
start = "+2d 10:00"
booking_id = "K1-1"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[str]:
    scenario = load_scenario(str(_scenario(tmp_path)))
    with serve_in_thread(Simulator(scenario, now=datetime.fromisoformat(NOW))) as server:
        yield server.base_url


def _commands(base_url: str) -> dict[str, list[str]]:
    at = ["--base-url", base_url, "--now", NOW, "-r", FACILITY]
    return {
        "collect": ["collect", CITIZEN, *at],
        "collect -v": ["collect", CITIZEN, *at, "-v"],
        "compare": ["compare", CITIZEN, *at],
        "explain": ["explain", CITIZEN, *at, "--facility", "SE2321000016-K002"],
        "smoke -v": ["smoke", "--base-url", base_url, "--pnr", CITIZEN, "-v"]
        + ["--facility", "SE2321000016-K002"],
    }


# What each command shows of the producer's text, whole on one line.
WHOLE = {
    "collect": (FAULT, NAME),
    "collect -v": (FAULT, NAME),
    "compare": (NAME,),
    "explain": (FAULT,),
    "smoke -v": (FAULT,),
}


def _assert_no_line_starts_a_ci_command(text: str, where: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip(" │┃").startswith(("::", "##[")), f"{where}: {line!r}"


# --- not a terminal: never wrapped, never coloured ---------------------------------------------


@pytest.mark.parametrize("env", TERMINAL_ENV, ids=lambda e: ",".join(e) or "plain")
@pytest.mark.parametrize("command", list(WHOLE))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_environment_claiming_a_terminal_does_not_wrap_or_colour_a_pipe(
    hostile: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], command: str
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR")  # colour would be on, were it a terminal
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, _commands(hostile)[command])
    assert result.exit_code in (0, 1, 3), result.output
    for where, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert "\x1b" not in text, f"{where} is coloured"
        _assert_no_line_starts_a_ci_command(text, where)
    for text in WHOLE[command]:
        assert text in result.stdout + result.stderr, f"wrapped: {text}"


@pytest.mark.slow
def test_a_real_pipe_with_force_color_is_one_line_per_record(tmp_path: Path) -> None:
    """What a CI runner does: stdout a pipe, FORCE_COLOR=1 set for the tools that colour."""
    env = dict(os.environ, FORCE_COLOR="1", TTY_COMPATIBLE="1", COLUMNS="80")
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "bokade_cli", "demo", "-s", str(_scenario(tmp_path)), "-v"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 3, stderr
    assert "\x1b" not in stdout + stderr
    _assert_no_line_starts_a_ci_command(stdout, "stdout")
    _assert_no_line_starts_a_ci_command(stderr, "stderr")
    assert FAULT in stdout


@pytest.mark.slow
def test_a_value_longer_than_any_screen_is_not_folded_in_a_pipe(tmp_path: Path) -> None:
    """A 1,000,000-character "width" was still a width: a longer value folded onto a new line."""
    fault = "a" * 1_000_050 + " ::warning::after-a-megabyte"
    scenario = load_scenario(str(_scenario(tmp_path, fault=fault)))
    with serve_in_thread(Simulator(scenario, now=datetime.fromisoformat(NOW))) as server:
        result = CliRunner().invoke(app, _commands(server.base_url)["collect"])
    assert result.exit_code == 3, result.output[:500]
    _assert_no_line_starts_a_ci_command(result.stdout, "stdout")
    assert fault in result.stdout


# --- closed standard streams ------------------------------------------------------------------


def _bokade_with(redirect: str, *args: str, stdout: Any = subprocess.PIPE) -> tuple[int, str, str]:
    """`bokade ARGS` run by a shell with REDIRECT (`>&-`, `2>&-` ...) applied to it."""
    done = subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "bokade_cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    out = done.stdout.decode() if isinstance(done.stdout, bytes) else ""
    return done.returncode, out, done.stderr.decode()


def _closed_stream_commands(base_url: str, tmp_path: Path) -> dict[str, tuple[list[str], int]]:
    cases = tmp_path / "cases.toml"
    cases.write_text(f'[[cases]]\npersonnummer = "{CITIZEN}"\nrelations = ["{FACILITY}"]\n')
    at = ["--base-url", base_url, "--now", NOW, "-r", FACILITY]
    return {
        "--version": (["--version"], 0),
        "--help": (["--help"], 0),
        "config path": (["config", "path"], 0),
        "config show": (["config", "show"], 0),
        "config show json": (["config", "show", "-f", "json"], 0),
        "simulator list": (["simulator", "list"], 0),
        "demo": (["demo"], 3),
        "demo json": (["demo", "-f", "json"], 3),
        "collect": (["collect", CITIZEN, *at], 3),
        "collect json": (["collect", CITIZEN, *at, "-f", "json"], 3),
        "collect bad number json": (["collect", "19121212-1213", *at, "-f", "json"], 2),
        "batch jsonl": (["batch", str(cases), "--base-url", base_url, "-f", "jsonl"], 3),
    }


CLOSED = ["collect", "collect json", "collect bad number json", "batch jsonl", "demo json"]
CLOSED += ["--version", "--help", "config path", "config show", "config show json"]
CLOSED += ["simulator list", "demo"]


@pytest.mark.slow
@pytest.mark.parametrize("command", CLOSED)
def test_a_closed_stdout_is_the_null_device(hostile: str, tmp_path: Path, command: str) -> None:
    """`bokade ... >&-` is `bokade ... >/dev/null`: output dropped, as when the reader of a pipe
    goes away; the run still happens and exits with its own code, with the same stderr."""
    args, code = _closed_stream_commands(hostile, tmp_path)[command]
    returncode, _, stderr = _bokade_with(">&-", *args)
    assert returncode == code, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    null_code, _, null_stderr = _bokade_with(">/dev/null", *args)
    assert (returncode, _without_times(stderr)) == (null_code, _without_times(null_stderr))


def _without_times(text: str) -> str:
    return re.sub(r"\d+ ms|[0-9a-f]{8}-[0-9a-f-]{27}|127\.0\.0\.1:\d+", "#", text)


@pytest.mark.slow
@pytest.mark.parametrize("command", CLOSED)
def test_a_closed_stderr_loses_only_the_messages(
    hostile: str, tmp_path: Path, command: str
) -> None:
    args, code = _closed_stream_commands(hostile, tmp_path)[command]
    returncode, stdout, _ = _bokade_with("2>&-", *args)
    assert returncode == code
    if code != 2 or "json" in command:
        assert stdout.strip(), "stdout still carries the output"
    if command.endswith("json") and command != "config show json":
        json.loads(stdout)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["--version", "config path", "demo json", "collect"])
def test_closed_stdout_and_stderr_together_keep_the_runs_own_code(
    hostile: str, tmp_path: Path, command: str
) -> None:
    args, code = _closed_stream_commands(hostile, tmp_path)[command]
    assert _bokade_with(">&- 2>&-", *args)[0] == code


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("command", ["--version", "config path", "demo", "demo json", "collect"])
def test_stdout_on_a_full_disk_with_stderr_closed_is_still_exit_2(
    hostile: str, tmp_path: Path, command: str
) -> None:
    """Nobody can be told, but the exit code still says the output was lost (README: exit 2)."""
    args, _ = _closed_stream_commands(hostile, tmp_path)[command]
    assert _bokade_with("2>&- >/dev/full", *args)[0] == 2


@pytest.mark.slow
def test_a_closed_stdout_still_writes_the_files_asked_for(hostile: str, tmp_path: Path) -> None:
    args, code = _closed_stream_commands(hostile, tmp_path)["batch jsonl"]
    junit, output = tmp_path / "j.xml", tmp_path / "out.jsonl"
    returncode, _, stderr = _bokade_with(">&-", *args, "--junit", str(junit), "-o", str(output))
    assert returncode == code, stderr
    assert junit.read_text(encoding="utf-8").startswith("<?xml")
    assert json.loads(output.read_text(encoding="utf-8").splitlines()[0])["status"]


@pytest.mark.slow
def test_a_closed_stdin_is_an_empty_input_not_a_crash(hostile: str) -> None:
    returncode, _, stderr = _bokade_with("<&-", "collect", "-", "--base-url", hostile)
    assert returncode == 2, stderr
    assert stderr.startswith("Error: ") and "Traceback" not in stderr


# --- a stdout that is gone: its reader left, or it cannot be written ------------------------------

GONE = {  # command -> its own exit code: what it exits with on a stdout that takes everything
    "collect -h": (["collect", "-h"], 0),
    "--help": (["--help"], 0),
    "--version": (["--version"], 0),
    "completion script": (["--show-completion", "bash"], 0),
    "config path": (["config", "path"], 0),
    "demo": (["demo"], 3),
    "demo json": (["demo", "-f", "json"], 3),
}


def _with_reader_gone(*args: str) -> tuple[int, str]:
    """`bokade ARGS | true` where `true` has already exited: every write to stdout is EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bokade_cli", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    return done.returncode, done.stderr.decode()


@pytest.mark.slow
@pytest.mark.parametrize("command", list(GONE))
def test_a_reader_that_goes_away_ends_output_quietly_with_the_runs_own_code(command: str) -> None:
    """README: when the reader of stdout goes away bokade stops writing quietly and exits with
    the run's own code. Click's own help exited 1 there (its EPIPE handling)."""
    args, code = GONE[command]
    returncode, stderr = _with_reader_gone(*args)
    assert returncode == code, stderr
    assert "Traceback" not in stderr and "Error" not in stderr and "Exception" not in stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", list(GONE))
def test_a_stdout_open_only_for_reading_is_a_closed_one(command: str) -> None:
    """`1</dev/null`: a descriptor that cannot be written (EBADF) drops the output like a closed
    stdout; `bokade collect -h 1</dev/null` ended in a traceback, `demo` in exit 2."""
    args, code = GONE[command]
    returncode, stdout, stderr = _bokade_with("1</dev/null", *args)
    assert returncode == code, stderr
    assert "Traceback" not in stderr and "Error" not in stderr
    assert (returncode, _without_times(stderr)) == _closed(args)


def _closed(args: list[str]) -> tuple[int, str]:
    returncode, _, stderr = _bokade_with(">&-", *args)
    return returncode, _without_times(stderr)


@pytest.mark.slow
def test_a_stderr_open_only_for_reading_loses_only_the_messages(hostile: str) -> None:
    args = _commands(hostile)["collect"]
    returncode, stdout, stderr = _bokade_with("2</dev/null", *args)
    assert returncode == 3
    assert FAULT in stdout
