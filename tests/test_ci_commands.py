"""No untrusted text becomes a CI workflow command, in any format (SPEC §7).

GitHub Actions reads a line starting with "::" (after white space) as a command, and its
older parser reads "##[command]" anywhere in a line. A hostile platform puts both at the
start of every value it controls; no line bokade writes may start with "::" or hold "##[".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import (
    AGGREGATOR,
    care_contacts_body,
    contact,
    envelope,
    fault,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR
from tests.hostile import Reply, hostile_server

RELATION = "SE2321000016-R001"
COMMAND = "::warning::injected ##[error]injected"


def _answers(contract: str, address: str) -> Reply:
    sources = [
        {"logicalAddress": COMMAND, "statusCode": "NoDataSynchFailed", "text": COMMAND},
    ]
    if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
        slots = [slot(COMMAND, "20261203100000", COMMAND, name=COMMAND)]
        return 200, {}, envelope(scheduling_body(slots), processing_status(sources)).encode()
    if contract == "GetCareContacts/3":
        visit = contact(COMMAND, "20261205100000", COMMAND, source=COMMAND, name=COMMAND)
        return 200, {}, envelope(care_contacts_body(3, [visit])).encode()
    return 500, {}, fault(COMMAND, code=COMMAND).encode()


def _assert_no_command(text: str, where: str) -> None:
    assert "##[" not in text, where
    for line in text.splitlines():
        assert not line.lstrip(" \t│┃|").startswith("::"), f"{where}: {line!r}"


@pytest.mark.parametrize("columns", ["200", "80", "40"])
@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_no_value_starts_a_workflow_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)  # a narrow table wraps its cells
    capture = tmp_path / "c.json"
    with hostile_server(_answers) as url:
        args = ["collect", PNR, "--base-url", url, "--now", NOW, "-r", RELATION, "-f", fmt, "-v"]
        result = CliRunner().invoke(app, [*args, "--save-capture", str(capture)])
    assert result.exit_code == 3, result.output
    assert "injected" in result.stdout
    _assert_no_command(result.stdout, f"stdout of {fmt}")
    _assert_no_command(result.stderr, f"stderr of {fmt}")
    _assert_no_command(capture.read_text(encoding="utf-8"), "the capture")


@pytest.mark.slow
def test_a_csv_row_starting_with_a_hostile_facility_is_no_command(tmp_path: Path) -> None:
    """A CSV row starts with a value: the facility's HSA-id, as an answer gives it. In a pipe
    (a CI log) that row would be a workflow command; its first colon is escaped instead."""
    cases = tmp_path / "cases.toml"
    cases.write_text(f'[[cases]]\npersonnummer = "{PNR}"\nrelations = ["{RELATION}"]\n')
    with hostile_server(_answers) as url:
        args = ["batch", str(cases), "--base-url", url, "--now", NOW, "--by-facility"]
        result = CliRunner().invoke(app, [*args, "-f", "csv", "-o", str(tmp_path / "f.csv")])
        piped = CliRunner().invoke(app, [*args, "-f", "csv"])
    assert result.exit_code == piped.exit_code == 3, result.output
    written = (tmp_path / "f.csv").read_text(encoding="utf-8")
    for text, where in ((piped.stdout, "stdout"), (written, "the --output file")):
        assert "\\u003a:warning::injected" in text, where
        _assert_no_command(text, f"csv on {where}")
