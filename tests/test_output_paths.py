"""Output paths that are not regular files (SPEC §7 "Files", README "Output"): a character device
(`/dev/null`) or a FIFO (`-o >(gzip > x)`) is written into, never replaced or chmod-ed; a socket,
a block device, or a FIFO another user planted is refused (exit 2); `-o -` is standard output.

Runs collect, batch and smoke against the simulator on loopback. Device nodes are made in the
test's own folder (never the system's /dev/null: as root a regression would replace it).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW

SCENARIO = load_scenario("one-of-three-empty")
CITIZEN = SCENARIO.citizen
MASKED = f"{CITIZEN[:8]}-****"
ROOT = os.geteuid() == 0
needs_mknod = pytest.mark.skipif(not ROOT, reason="making a device node needs root")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(Simulator(SCENARIO, now=datetime.fromisoformat(NOW))) as server:
        yield server.base_url


def _argv(base_url: str, flag: str, path: Path | str, tmp_path: Path) -> list[str]:
    """A run that writes `path` through `flag`: --save-capture, -o (JSON) or --junit (batch)."""
    if flag == "--junit":
        cases = tmp_path / "cases.toml"
        cases.write_text(f'[[cases]]\npersonnummer = "{CITIZEN}"\n', encoding="utf-8")
        return ["batch", str(cases), "--base-url", base_url, "--now", NOW, flag, str(path)]
    argv = ["collect", CITIZEN, "--base-url", base_url, "--now", NOW, flag, str(path)]
    return [*argv, "-f", "json"] if flag == "-o" else argv


def _invoke(argv: list[str]) -> Any:
    result = CliRunner().invoke(app, argv)
    assert "Traceback" not in result.output
    return result


def _error(result: Any) -> list[str]:
    """The error report: the JSON error document (-o runs are JSON) or the stderr lines."""
    if result.stdout.startswith('{"error"'):
        error = json.loads(result.stdout)["error"]
        return [f"Error: {error['message']}", f"Hint: {error['hint']}"]
    return result.stderr.splitlines()


FLAGS = ["--save-capture", "-o", "--junit"]


# --- character devices: written into ------------------------------------------------------------


@needs_mknod
@pytest.mark.parametrize("flag", FLAGS)
def test_a_null_device_node_is_written_into_not_replaced(
    base_url: str, tmp_path: Path, flag: str
) -> None:
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    mode = os.lstat(null).st_mode
    result = _invoke(_argv(base_url, flag, null, tmp_path))
    assert result.exit_code == 0, result.output
    after = os.lstat(null)
    assert after.st_mode == mode and after.st_rdev == os.makedev(1, 3)  # never chmod-ed
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.skipif(ROOT, reason="as root a regression would replace the system's /dev/null")
@pytest.mark.parametrize("flag", FLAGS)
def test_dev_null_is_the_ci_idiom_it_looks_like(base_url: str, tmp_path: Path, flag: str) -> None:
    result = _invoke(_argv(base_url, flag, "/dev/null", tmp_path))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@needs_mknod
def test_a_full_device_is_an_unwritable_output_exit_2(base_url: str, tmp_path: Path) -> None:
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    result = _invoke(_argv(base_url, "-o", full, tmp_path))
    assert result.exit_code == 2
    assert (
        _error(result)[0] == f"Error: cannot write the output file {full} (No space left on device)"
    )
    assert stat.S_ISCHR(os.lstat(full).st_mode)


# --- FIFOs: written into, as `-o >(…)` expects ----------------------------------------------------


def _read_in_background(path: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as fifo:
            got.append(fifo.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


@pytest.mark.parametrize("flag", FLAGS)
def test_a_fifo_is_written_into_not_replaced(base_url: str, tmp_path: Path, flag: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o644)
    mode = os.lstat(fifo).st_mode
    reader, got = _read_in_background(fifo)
    result = _invoke(_argv(base_url, flag, fifo, tmp_path))
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert os.lstat(fifo).st_mode == mode  # still the FIFO, never chmod-ed
    text = got[0].decode("utf-8")
    assert text.startswith("<?xml") if flag == "--junit" else json.loads(text)
    assert "19770707" not in text or MASKED in text


@pytest.mark.slow
def test_process_substitution_gets_the_output(base_url: str, tmp_path: Path) -> None:
    """`bokade collect ... -f json -o >(cat > out.json)`: the path is /dev/fd/N, a link to a pipe."""
    out = tmp_path / "out.json"
    argv = f"collect {CITIZEN} --base-url {base_url} --now {NOW} -f json"
    script = f'"$0" -m bokade_cli {argv} -o >(cat > "{out}") >/dev/null; wait $!'
    done = subprocess.run(
        ["bash", "-c", script, sys.executable], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(out.read_text(encoding="utf-8"))["subject_of_care"] == MASKED


@needs_mknod
def test_a_fifo_of_another_user_is_refused(base_url: str, tmp_path: Path) -> None:
    """Another user's FIFO at the path (planted in a shared folder) would hand them the report."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o666)
    os.chown(fifo, 65534, 65534)
    result = _invoke(_argv(base_url, "-o", fifo, tmp_path))
    assert result.exit_code == 2
    assert _error(result)[0] == (
        f"Error: cannot write the output file {fifo}: it is a FIFO of another user (uid 65534)"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# --- what is refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("flag", FLAGS)
def test_a_socket_at_the_path_is_refused_before_the_run(
    base_url: str, tmp_path: Path, flag: str
) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        result = _invoke(_argv(base_url, flag, path, tmp_path))
    assert result.exit_code == 2
    what = {"--save-capture": "capture file", "-o": "output file", "--junit": "JUnit file"}[flag]
    assert _error(result) == [
        f"Error: cannot write the {what} {path}: it is a socket, not a file",
        "Hint: Give the path of a regular file (or /dev/null to discard it).",
    ]
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert "appointments" not in result.stdout  # refused before the run, not after it


@needs_mknod
def test_a_block_device_is_refused(base_url: str, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    os.mknod(disk, 0o600 | stat.S_IFBLK, os.makedev(240, 0))  # a major number with no driver
    result = _invoke(_argv(base_url, "--save-capture", disk, tmp_path))
    assert result.exit_code == 2
    assert "it is a block device, not a file" in result.stderr
    assert stat.S_ISBLK(os.lstat(disk).st_mode)


# --- "-" -----------------------------------------------------------------------------------------


def test_output_dash_is_standard_output(
    base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke(_argv(base_url, "-o", "-", tmp_path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["subject_of_care"] == MASKED  # JSON only, no table
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("flag", ["--save-capture", "--junit"])
def test_a_dash_for_a_report_file_is_refused(
    base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke(_argv(base_url, flag, "-", tmp_path))
    assert result.exit_code == 2
    what = {"--save-capture": "capture file", "--junit": "JUnit file"}[flag]
    assert result.stderr.splitlines() == [
        f"Error: cannot write the {what} to -: standard output carries the report",
        "Hint: Give a file name.",
    ]
    assert not (tmp_path / "-").exists()


def test_no_file_is_created_in_dev(base_url: str, tmp_path: Path) -> None:
    """A typo of /dev/null (or /dev/stdout on a file) must not make or replace a name in /dev."""
    path = Path(f"/dev/bokade-test-{os.getpid()}")
    try:
        result = _invoke(_argv(base_url, "--save-capture", path, tmp_path))
        assert result.exit_code == 2
        assert (
            _error(result)[0]
            == f"Error: cannot write the capture file {path}: bokade creates no file in /dev"
        )
        assert not path.exists()
    finally:
        path.unlink(missing_ok=True)


# --- long names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("length", [242, 255])
def test_a_name_as_long_as_the_file_system_allows_is_written(
    base_url: str, tmp_path: Path, flag: str, length: int
) -> None:
    """A name of 242 to 255 characters is valid (`touch` makes it); the temporary file beside
    it was named `.{name}.XXXXXXXX.tmp`, over the 255-byte limit: the report was lost (exit 2)."""
    path = tmp_path / ("r" * (length - 5) + ".json")
    result = _invoke(_argv(base_url, flag, path, tmp_path))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert path.read_text(encoding="utf-8").startswith(("{", "<?xml"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
