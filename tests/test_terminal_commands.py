"""On a real terminal no untrusted text starts a line, whatever the width (SPEC §7, README "Output").

A terminal's width breaks lines where a pipe never does: a wrapped message, the second line of
a two-line cell, a folded identifier. GitHub's runner trims leading white space before it
reads `::`, and a logged pseudo-terminal (`docker run -t` in a workflow) is such a log. A
hostile platform on loopback puts CI commands after words and long identifiers in every value
it controls; every command runs on a pseudo-terminal (stdout and stderr) at 40, 80 and 200
columns, in colour, and no line may start with `::` (after white space and terminal codes) or
hold `##[`. A COLUMNS too small to lay anything out in is ignored.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeplatform import (
    AGGREGATOR,
    care_contacts_body,
    envelope,
    fault,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR, read_terminal
from tests.hostile import Reply, hostile_server

ROOT = Path(__file__).resolve().parents[1]
FACILITY = "SE2321000016-A001"
FAILING = "SE2321000016-P001"
WORDS = " ".join(["word"] * 12)
FAULT = "Backend said " + "blah " * 11 + "::warning::fault-injected"
SOURCE_TEXT = " ".join("w" * n for n in range(1, 15)) + " ::error::from-ps ##[error]legacy"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def _answers(contract: str, address: str) -> Reply:
    """Long names, ids and texts, each ending in a CI command, so that any width breaks them."""
    if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
        slots = [
            slot(
                FACILITY,
                f"20270105{8 + k // 60:02d}{k % 60:02d}00",
                "B" + "A" * k + "::error::bid",
                name="N" * k + f" {WORDS} ::error::name",
            )
            for k in range(0, 60, 3)
        ]
        slots.append(slot(FACILITY, "20270106140000", "X" * 150 + "::error::longid", name="n"))
        # Booking ids too long for the table are listed under it, folded at the terminal's
        # width: at any width from 32 to 48 cells one of these folds right before its "::".
        slots += [
            slot(FACILITY, f"20270107{10 + k // 60:02d}{k % 60:02d}00", "C" * k + "::error::fold")
            for k in range(25, 41)
        ]
        sources = [
            {"logicalAddress": FACILITY, "statusCode": "DataFromSource"},
            {"logicalAddress": FAILING, "statusCode": "NoDataSynchFailed", "text": SOURCE_TEXT},
        ]
        return 200, {}, envelope(scheduling_body(slots), processing_status(sources)).encode()
    if contract == "GetSubjectOfCareSchedule":
        return 200, {}, envelope(scheduling_body([])).encode()
    if contract == "GetCareContacts/3":
        return 500, {}, fault(FAULT).encode()
    return 200, {}, envelope(care_contacts_body(2, [])).encode()


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with hostile_server(_answers) as url:
        yield url


def _commands(url: str, cases: Path) -> dict[str, list[str]]:
    at = ["--base-url", url, "--now", NOW, "-r", FACILITY, "-r", FAILING]
    return {
        "collect -v": ["collect", PNR, *at, "-v"],
        "explain -v": ["explain", PNR, *at, "--booking-id", "BAAA::error::bid", "-v"],
        "compare": ["compare", PNR, *at],
        "batch": ["batch", str(cases), "--base-url", url, "--now", NOW, "-v"],
        "smoke -v": ["smoke", "--base-url", url, "--pnr", PNR, "--facility", FACILITY, "-v"],
    }


def _cases(folder: Path) -> Path:
    cases = folder / "cases.toml"
    cases.write_text(
        f'[[cases]]\nname = "hostile"\npersonnummer = "{PNR}"\n'
        f'relations = ["{FACILITY}", "{FAILING}"]\n[cases.expect]\nmin_shown = 100\n',
        encoding="utf-8",
    )
    return cases


def on_terminal(
    argv: list[str], columns: int, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """`python -m bokade_cli ARGV` with stdout and stderr on one pty `columns` wide, as a
    logged `docker run -t` would see it: what came out, terminal codes removed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environment = dict(os.environ, TERM="xterm-256color", **(env or {}))
    for name in ("NO_COLOR", "LINES", *([] if env and "COLUMNS" in env else ["COLUMNS"])):
        environment.pop(name, None)  # colour on: codes in front of a line must not hide it
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", *argv],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=environment,
        cwd=ROOT,
    )
    os.close(slave)
    written = read_terminal(master)
    code = process.wait(timeout=60)
    return code, ANSI.sub("", written.decode("utf-8", "replace"))


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)  # as the runner reads a log: "\r" ends a line too


def assert_no_command(text: str, where: str) -> None:
    assert "##[" not in text, where
    for line in _lines(text):
        assert not line.lstrip().startswith("::"), f"{where}: {line!r}"


@pytest.mark.slow
@pytest.mark.parametrize("columns", [40, 80, 200])
@pytest.mark.parametrize("command", ["collect -v", "explain -v", "compare", "batch", "smoke -v"])
def test_no_untrusted_text_starts_a_line_on_a_terminal(
    hostile: str, tmp_path: Path, command: str, columns: int
) -> None:
    code, text = on_terminal(_commands(hostile, _cases(tmp_path))[command], columns)
    assert code in (0, 1, 3), text[-2000:]
    assert "Traceback" not in text
    assert "5565594230" in text  # the run's output is there (its call lines)
    assert_no_command(text, f"{command} at {columns} columns")


@pytest.mark.slow
def test_a_guarded_line_shows_its_escape(hostile: str, tmp_path: Path) -> None:
    """The colon that would start a command is written as an escape, visibly (the text is
    not dropped): a wrapped fault, a folded booking id (listed under the table). Only such a line is wider than the
    terminal, by the escape's five extra cells (the terminal shows the rest on its next row;
    the log holds one line)."""
    _, text = on_terminal(_commands(hostile, _cases(tmp_path))["collect -v"], 40)
    escaped = [line for line in _lines(text) if line.lstrip().startswith("\\u003a:")]
    assert any("\\u003a:warning::fault-injected" in line for line in escaped)  # wrapped
    assert any(line.endswith("\\u003a:error::fold") for line in escaped)  # a folded id
    for line in _lines(text):
        assert len(line) <= 40 + 5 * line.count("\\u003a"), line


@pytest.mark.slow
@pytest.mark.parametrize("columns", ["0", "3", "19"])
def test_a_columns_too_small_to_lay_out_in_is_ignored(
    hostile: str, tmp_path: Path, columns: str
) -> None:
    """COLUMNS=0 printed nothing at all (errors included); COLUMNS=3 put `::w` at column 0.
    Below 20 it is ignored: the terminal's own width (80 here) is used."""
    argv = _commands(hostile, _cases(tmp_path))["collect -v"]
    code, text = on_terminal(argv, 80, {"COLUMNS": columns})
    assert code == 3, text[-2000:]
    assert "Bokade tider for 19121212-****" in text and "Received 37" in text
    assert max(len(line) for line in _lines(text)) > 40  # laid out in 80 columns
    assert_no_command(text, f"COLUMNS={columns}")
    code, text = on_terminal(["collect", "19121212-1213"], 80, {"COLUMNS": columns})
    assert code == 2
    assert "Error:" in text


@pytest.mark.slow
def test_a_columns_of_20_or_more_is_still_the_width(hostile: str, tmp_path: Path) -> None:
    argv = _commands(hostile, _cases(tmp_path))["collect -v"]
    code, text = on_terminal(argv, 200, {"COLUMNS": "40"})
    assert code == 3
    assert max(len(line) - 5 * line.count("\\u003a") for line in _lines(text)) == 40
    assert_no_command(text, "COLUMNS=40")
