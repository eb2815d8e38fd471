"""Layout on a real pseudo-terminal (80 and 120 columns) and in a pipe, against the simulator.

On a terminal: nothing wider than the terminal, no HSA-id, booking id, date or correlation id
broken across lines, a record (an appointment, a batch case) on at most 2 lines, no trailing
spaces. In a pipe: no line is wrapped at all, so each record is one line `grep` can find.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW, PNR, read_terminal

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_BATCH = str(ROOT / "sample_configs" / "batch" / "batch-example.toml")
RELATIONS = ["-r", "SE2321000016-A001", "-r", "SE2321000016-F003", "-r", "SE2321000016-R004"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
IDENTIFIERS = {
    "hsa-id": re.compile(r"SE\d{10}-[A-Z0-9]+"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "booking id": re.compile(r"\b(?:[A-Z]+\d?-\d{4}|DOC-\d{4})\b"),
    "correlation id": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "masked number": re.compile(r"\d{8}-\*{4}"),
}


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningServer]:
    with serve_in_thread(Simulator(load_scenario("demo"), datetime.fromisoformat(NOW))) as s:
        yield s


def _env(columns: int | None) -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color", NO_COLOR="1")
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    if columns is not None:
        env.update(COLUMNS=str(columns), LINES="40")
    return env


def on_terminal(argv: list[str], columns: int) -> tuple[int, str]:
    return _on_terminal(tuple(argv), columns)


def in_pipe(argv: list[str]) -> tuple[int, str]:
    return _in_pipe(tuple(argv))


@functools.cache  # one run per command and size serves every test that looks at it
def _on_terminal(argv: tuple[str, ...], columns: int) -> tuple[int, str]:
    """Run `python -m bokade_cli ARGV` with stdout on a pty of `columns` x 40 (stderr a pipe)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    attributes = termios.tcgetattr(slave)
    attributes[1] &= ~termios.ONLCR  # keep "\n" as written: no "\r\n" translation to undo
    termios.tcsetattr(slave, termios.TCSANOW, attributes)
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", *argv],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=_env(columns),
        cwd=ROOT,
    )
    os.close(slave)
    written = read_terminal(master)
    assert process.stderr is not None
    process.stderr.read()
    process.stderr.close()
    code = process.wait(timeout=60)
    return code, ANSI.sub("", written.decode("utf-8"))


@functools.cache
def _in_pipe(argv: tuple[str, ...]) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "bokade_cli", *argv],
        capture_output=True,
        env=_env(None),
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout.decode("utf-8")


def _commands(base_url: str) -> dict[str, list[str]]:
    at = ["--base-url", base_url, "--now", NOW]
    return {
        "collect": ["collect", PNR, *RELATIONS, *at],
        "compare": ["compare", PNR, *RELATIONS, *at],
        "explain": ["explain", PNR, *RELATIONS, *at, "--facility", "SE2321000016-F003"],
        "batch": ["batch", SAMPLE_BATCH, *at],
        "batch-down": ["batch", SAMPLE_BATCH, "--base-url", "http://127.0.0.1:1", "--now", NOW],
        "smoke": [
            "smoke",
            "--base-url",
            base_url,
            "--pnr",
            PNR,
            "--facility",
            "SE2321000016-F003",
            "--ping",
            "SE2321000016-A001",
        ],  # fmt: skip
    }


def _identifiers(text: str) -> dict[str, Counter[str]]:
    found = {kind: Counter(pattern.findall(text)) for kind, pattern in IDENTIFIERS.items()}
    # correlation ids differ between runs: only how many are there whole counts
    found["correlation id"] = Counter({"uuid": sum(found["correlation id"].values())})
    return found


def _records(text: str, start: str) -> list[list[str]]:
    """Each record (a line starting with `start`, e.g. r12) with its continuation lines."""
    records: list[list[str]] = []
    for line in text.splitlines():
        if re.match(start, line):
            records.append([line])
        elif records and line.startswith(" ") and records[-1] is not None:
            records[-1].append(line)
        elif records:
            records.append(None)  # type: ignore[arg-type]  # the end of the table
    return [r for r in records if r is not None]


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize(
    "command", ["collect", "compare", "explain", "batch", "batch-down", "smoke"]
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_on_a_terminal_nothing_is_wider_and_no_identifier_is_broken(
    demo: RunningServer, command: str, columns: int
) -> None:
    argv = _commands(demo.base_url)[command]
    code, text = on_terminal(argv, columns)
    piped_code, piped = in_pipe(argv)
    assert code == piped_code
    assert text.strip(), text
    for line in text.splitlines():
        assert cell_len(line) <= columns, line
        assert line == line.rstrip(), repr(line)
    # Every identifier the unwrapped output has is on the terminal too, whole, as often.
    assert _identifiers(text) == _identifiers(piped)


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize(
    ("command", "start", "count"), [("collect", r"r\d+ ", 30), ("compare", r"a\d+ ", 12)]
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_record_takes_at_most_two_lines(
    demo: RunningServer, command: str, start: str, count: int, columns: int
) -> None:
    _, text = on_terminal(_commands(demo.base_url)[command], columns)
    records = _records(text, start)
    assert len(records) == count
    assert max(len(r) for r in records) <= 2
    for record in records:  # the row's own identifiers are on its first line
        assert IDENTIFIERS["booking id"].search(record[0]), record
        assert (
            IDENTIFIERS["date"].search(record[0])
            or "(no start)" in record[0]
            or "2026" in record[0]
        )


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_batch_case_is_one_line_and_unmet_expectations_are_listed_whole(
    demo: RunningServer, columns: int
) -> None:
    _, text = on_terminal(_commands(demo.base_url)["batch-down"], columns)
    rows = [line for line in text.splitlines() if re.match(r"\d+\s{2,}\S", line)]
    assert [row.split()[0] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    flat = " ".join(text.split())
    assert "booking V3-7000: expected not_approved_for_patient, got not_received" in flat
    assert "Nothing answered in any case" in flat


@pytest.mark.parametrize("command", ["collect", "compare", "explain", "batch-down", "smoke"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_in_a_pipe_nothing_is_wrapped(demo: RunningServer, command: str) -> None:
    _, piped = in_pipe(_commands(demo.base_url)[command])
    lines = piped.splitlines()
    assert all(line == line.rstrip() for line in lines)
    if command == "collect":
        rows = [line for line in lines if re.match(r"r\d+ ", line)]
        assert len(rows) == 30  # one line per record, with the whole facility name
        assert any("SE2321000016-A001 Vårdcentralen Norrmalm" in row for row in rows)
        source = next(line for line in lines if "source SE2321000016-F003" in line)
        assert source.endswith("(internal error in the booking system)")
    if command == "explain":
        finding = next(line for line in lines if line.startswith("call2_excluded_lost"))
        assert finding.endswith("so its appointments are lost from this collection.")
    if command == "batch-down":
        row = next(line for line in lines if line.startswith("1 "))
        assert "booking V3-7000: expected not_approved_for_patient, got not_received" in row
    if command == "smoke":
        ping = next(line for line in lines if line.startswith("PingForConfiguration"))
        assert "receiverId:SE2321000016-A001" in ping


def _config_values(text: str) -> dict[str, str]:
    """key -> value from `config show`'s table, a folded value joined again by its column."""
    lines = text.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("key "))
    value_at, from_at = lines[header].index("value"), lines[header].index("from")
    values: dict[str, str] = {}
    key = ""
    for line in lines[header + 2 :]:
        if line[:value_at].strip():
            key = line[:value_at].strip()
            values[key] = ""
        values[key] += line[value_at:from_at].strip()
    return values


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_config_show_never_cuts_a_value(tmp_path: Path) -> None:
    url = "https://qa.esb.ntjp.se/vp/a/rather/long/path/for/the/platform/endpoint"
    long_path = tmp_path / ("certificates-" + "x" * 70) / "client.pem"
    config = tmp_path / "bokade.toml"
    config.write_text(
        f'[profiles.qa]\nbase_url = "{url}"\n[profiles.qa.tls]\ncert_file = "{long_path}"\n'
    )
    argv = ["config", "show", "--config", str(config)]
    terminal, piped = on_terminal(argv, 80)[1], in_pipe(argv)[1]
    for text in (terminal, piped):
        values = _config_values(text)
        assert values["base_url"] == url
        assert values["tls.cert_file"] == str(long_path)
        assert "…" not in text
    assert all(cell_len(line) <= 80 for line in terminal.splitlines())
    assert any(
        line.startswith("tls.cert_file") and str(long_path) in line for line in piped.splitlines()
    )


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_collect_dash_prompts_on_a_terminal_and_reads_the_number(demo: RunningServer) -> None:
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", "collect", "-", "--base-url", demo.base_url,
         "--now", NOW, *RELATIONS, "-f", "json"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(80),
        cwd=ROOT,
    )  # fmt: skip
    os.close(slave)
    assert process.stderr is not None
    prompt = process.stderr.readline().decode()
    assert prompt.startswith("Personnummer")
    os.write(master, b"19121212-1212\n")
    stdout, _ = process.communicate(timeout=60)
    os.close(master)
    assert process.returncode == 3
    assert b'"subject_of_care": "19121212-****"' in stdout


def _scenario_with_ids(tmp_path: Path, *booking_ids: str) -> str:
    scenario = tmp_path / "ids.toml"
    bookings = "".join(
        f'[[bookings]]\nproducer = "SE2321000016-L001"\nstart = "+{n + 2}d 10:00"\n'
        f'booking_id = "{booking_id}"\n'
        for n, booking_id in enumerate(booking_ids)
    )
    scenario.write_text(
        f'[[citizens]]\npersonnummer = "{PNR}"\n'
        '[[producers]]\nhsa_id = "SE2321000016-L001"\nname = "' + "Långt namn " * 12 + '"\n'
        '[[engagements]]\nlogical_address = "SE2321000016-L001"\n'
        'contracts = ["GetSubjectOfCareSchedule"]\n' + bookings
    )
    return str(scenario)


UUIDS = ("3f2b9c1e-8a47-4d2b-9e3a-5c6d7e8f9a0b", "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f")


@pytest.mark.parametrize(("command", "start"), [("collect", r"r\d+ "), ("compare", r"a\d+ ")])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_uuid_booking_ids_at_80_columns_go_under_the_table_whole(
    tmp_path: Path, command: str, start: str
) -> None:
    """Audit B2: a 36-character booking id left no arrangement at 80 columns, so the table
    folded every HSA-id (`SE2321000016-A00` / `1`) and each record took three lines. The
    booking ids now go under the table, one line per record, whole; the table keeps two
    lines per record and every identifier whole. At 120 columns they fit in the table."""
    scenario = _scenario_with_ids(tmp_path, *UUIDS)
    simulator = Simulator(load_scenario(scenario), datetime.fromisoformat(NOW))
    with serve_in_thread(simulator) as server:
        argv = [command, PNR, "--base-url", server.base_url, "--now", NOW]
        _, text = on_terminal(argv, 80)
        _, wide = on_terminal(argv, 120)
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    lines = text.splitlines()
    records = _records("\n".join(lines[: lines.index("Booking ids")]), start)
    assert len(records) == 2 and max(len(r) for r in records) <= 2, records
    assert all("SE2321000016-L001" in record[0] for record in records)
    listed = lines[lines.index("Booking ids") + 1 : lines.index("Booking ids") + 3]
    assert sorted(line.split()[1] for line in listed) == sorted(UUIDS)
    assert "Booking ids" not in wide and all(uuid in wide for uuid in UUIDS)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_identifier_wider_than_the_terminal_folds_but_nothing_overflows(tmp_path: Path) -> None:
    """A hostile producer's 90-character booking id cannot fit 80 columns even on a line of
    its own: that line folds as a last resort (folded, not cut); the table keeps its
    identifiers whole and nothing is wider than the terminal."""
    long_id = "B-" + "7" * 88
    scenario = _scenario_with_ids(tmp_path, long_id)
    code, text = on_terminal(["demo", "--scenario", scenario], 80)
    assert code == 0, text
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    lines = text.splitlines()
    assert any("SE2321000016-L001" in line for line in lines[: lines.index("Booking ids")])
    listed = lines[lines.index("Booking ids") + 1 : lines.index("Calls")]
    assert "".join(listed).replace(" ", "").endswith(long_id)
    _, piped = in_pipe(["demo", "--scenario", scenario])
    assert any(
        long_id in line and "SE2321000016-L001 Långt namn" in line for line in piped.splitlines()
    )


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_by_facility_report_never_breaks_an_hsa_id(demo: RunningServer, columns: int) -> None:
    # As the collect table: names shortened or under the id, figures per call dropped when
    # narrow, but every HSA-id whole on one line (review 3, finding 9).
    argv = ["batch", SAMPLE_BATCH, "--base-url", demo.base_url, "--now", NOW, "--by-facility"]
    _, text = on_terminal(argv, columns)
    _, piped = in_pipe(argv)
    section = text[text.index("Target readiness by facility") :]
    whole = piped[piped.index("Target readiness by facility") :]
    for line in section.splitlines():
        assert cell_len(line) <= columns, line
    assert _identifiers(section)["hsa-id"] == _identifiers(whole)["hsa-id"], section
    assert _identifiers(section)["hsa-id"], section
