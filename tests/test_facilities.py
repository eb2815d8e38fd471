"""`bokade batch --by-facility` through the CLI against the simulator: the target readiness by
facility in the table, JSON, JSON Lines and CSV, their agreement, and what they never show."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread

NOW = "2026-11-26T12:00:00+01:00"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_configs" / "batch" / "target-readiness.toml"
HOSTILE = Path(__file__).parent / "data" / "batch" / "facilities-hostile.toml"
CITIZENS = ("191212121212", "198003141234", "197506223457", "199209094565")
CALLS = ("call1", "call2", "call3-v3", "call3-v2")
KEYS = {
    "facility_hsa_id",
    "facility_name",
    "shown",
    "by_call",
    "lost_under_target",
    "cases",
    "in_engagement_index",
    "failed_in_call1",
}
HEADER = [
    "facility_hsa_id",
    "facility_name",
    "shown",
    *CALLS,
    "lost_under_target",
    "cases",
    "in_engagement_index",
    "failed_in_call1",
]


def _facility(
    hsa_id: str,
    name: str | None,
    by_call: tuple[int, int, int, int],
    lost: int,
    cases: int,
    indexed: bool,
    failed: bool = False,
) -> dict[str, Any]:
    return {
        "facility_hsa_id": hsa_id,
        "facility_name": name,
        "shown": sum(by_call),
        "by_call": dict(zip(CALLS, by_call, strict=True)),
        "lost_under_target": lost,
        "cases": cases,
        "in_engagement_index": indexed,
        "failed_in_call1": failed,
    }


# The figures the scenario's header promises (bokade_cli/scenarios/target-readiness.toml),
# worked out from its bookings by hand, in the report's order: most lost first, then most
# cases, most shown, HSA-id.
EXPECTED = [
    _facility("SE2321000016-R001", "Barnmorskemottagningen Solna", (0, 3, 0, 0), 3, 2, False),
    _facility("SE2321000016-C001", "Fysioterapin Märsta", (0, 0, 2, 0), 2, 2, False),
    _facility("SE2321000016-R002", "Psykiatrimottagningen Sundbyberg", (0, 2, 0, 0), 2, 2, False),
    _facility("SE2321000016-I002", "Ortopedmottagningen Kungsholmen", (1, 2, 0, 0), 2, 1, True),
    _facility("SE2321000016-C002", None, (0, 0, 0, 1), 1, 1, False),
    _facility("SE2321000016-I001", "Vårdcentralen Indexerad", (5, 0, 0, 0), 0, 0, True),
    _facility("SE2321000016-F001", None, (0, 0, 0, 0), 0, 0, True, failed=True),
]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    simulator = Simulator(load_scenario("target-readiness"), datetime.fromisoformat(NOW))
    with serve_in_thread(simulator) as running:
        yield running


def _batch(server: RunningServer, path: Path, *args: str) -> Any:
    argv = ["batch", str(path), "--base-url", server.base_url, "--now", NOW, *args]
    result = CliRunner().invoke(app, argv)
    assert "Traceback" not in result.output
    return result


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv_row(f: dict[str, Any]) -> list[str]:
    """A JSON facility as the CSV must write it."""
    flags = ["true" if f[k] else "false" for k in ("in_engagement_index", "failed_in_call1")]
    figures = [f["shown"], *(f["by_call"][c] for c in CALLS), f["lost_under_target"], f["cases"]]
    return [f["facility_hsa_id"], f["facility_name"] or "", *map(str, figures), *flags]


def _section(stdout: str) -> list[str]:
    """The lines of the table section "Target readiness by facility", to the end of output."""
    lines = stdout.splitlines()
    start = lines.index("Target readiness by facility")
    return lines[start:]


def _table_rows(section: list[str]) -> list[list[str]]:
    """The header and body rows of the section's table, cell by cell: drawn as the collect
    table is (output/layout.py), columns apart by two spaces or more, a rule under the header."""
    rule = next(i for i, line in enumerate(section) if line.startswith("─"))
    end = next(i for i, line in enumerate(section) if line.startswith("Overall"))
    return [
        re.split(r" {2,}", line.strip()) for line in (section[rule - 1], *section[rule + 1 : end])
    ]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_json_facilities_match_the_known_figures_and_conserve_the_shown_total(
    server: RunningServer,
) -> None:
    result = _batch(server, SAMPLE, "--by-facility", "-f", "json")
    assert result.exit_code == 3, result.output  # every case passes; F001 fails in call1
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["summary"]["passed"] == doc["summary"]["cases"] == 4
    assert all(set(f) == KEYS for f in doc["facilities"])
    assert doc["facilities"] == EXPECTED
    # Conservation: every shown appointment of the batch is in exactly one facility's figures.
    shown_by_cases = sum(c["result"]["summary"]["shown"] for c in doc["cases"])
    shown_by_stats = sum(s["shown"] for s in doc["stats"].values())
    assert sum(f["shown"] for f in doc["facilities"]) == shown_by_cases == shown_by_stats == 16
    for call in CALLS:
        assert sum(f["by_call"][call] for f in doc["facilities"]) == doc["stats"][call]["shown"]
    lost = sum(f["lost_under_target"] for f in doc["facilities"])
    assert doc["target_readiness"] == pytest.approx((16 - lost) / 16) == pytest.approx(0.375)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_csv_rows_match_the_known_figures(server: RunningServer) -> None:
    result = _batch(server, SAMPLE, "-f", "csv")  # csv is the report: no --by-facility needed
    assert result.exit_code == 3, result.output
    assert result.stderr == ""  # no progress lines mixed into a spreadsheet's input
    rows = _csv(result.stdout)
    assert rows[0] == HEADER
    assert rows[1:] == [_csv_row(f) for f in EXPECTED]
    c001 = ["SE2321000016-C001", "Fysioterapin Märsta", "2", "0", "0", "2", "0", "2", "2"]
    assert rows[2] == [*c001, "false", "false"]
    assert result.stdout.endswith("true,true\n") and "\r" not in result.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_table_section_json_and_csv_agree(server: RunningServer, tmp_path: Path) -> None:
    table = _batch(server, SAMPLE, "--by-facility")
    assert table.exit_code == 3, table.output
    csv_file = tmp_path / "facilities.csv"
    both = _batch(server, SAMPLE, "-f", "csv", "-o", str(csv_file))
    assert both.exit_code == 3
    assert stat.S_IMODE(csv_file.stat().st_mode) == 0o600
    doc = json.loads(_batch(server, SAMPLE, "--by-facility", "-f", "json").stdout)

    section = _section(table.stdout)
    assert section == _section(both.stdout)  # -o FILE: the same table still on stdout
    rows = _table_rows(section)
    assert rows[0] == ["Facility", "Shown", *CALLS, "Lost under target", "Cases"] + [
        "Engagement index"
    ]
    from_json = [
        [
            f"{f['facility_hsa_id']} {f['facility_name'] or ''}".strip(),
            *_csv_row(f)[2:9],
            "failed" if f["failed_in_call1"] else "yes" if f["in_engagement_index"] else "no",
        ]
        for f in doc["facilities"]
    ]
    assert rows[1:] == from_json
    assert _csv(csv_file.read_text(encoding="utf-8"))[1:] == [
        _csv_row(f) for f in doc["facilities"]
    ]

    text = "\n".join(section)
    assert "Overall target readiness: 37.5% (6 of 16 shown appointments come from call1; " in text
    first = "  1. SE2321000016-R001 Barnmorskemottagningen Solna: 3 appointment(s) in 2 cases, "
    assert first + "not in the engagement index" in section
    fourth = "  4. SE2321000016-I002 Ortopedmottagningen Kungsholmen: 2 appointment(s) in 1 case, "
    assert fourth + "partly in the engagement index" in section
    assert any(
        line.startswith("Failed in call1") and "SE2321000016-F001" in line for line in section
    )


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_jsonl_ends_with_one_facilities_line(server: RunningServer) -> None:
    result = _batch(server, SAMPLE, "--by-facility", "-f", "jsonl")
    assert result.exit_code == 3
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5 and all("case" in line for line in lines[:4])
    last = lines[-1]
    assert last["kind"] == "facilities" and "case" not in last
    assert (last["cases"], last["shown"], last["lost_under_target"]) == (4, 16, 10)
    assert last["target_readiness"] == pytest.approx(0.375)
    assert last["facilities"] == EXPECTED


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_without_the_flag_nothing_changes(server: RunningServer) -> None:
    table = _batch(server, SAMPLE)
    assert "Target readiness by facility" not in table.stdout
    doc = json.loads(_batch(server, SAMPLE, "-f", "json").stdout)
    assert "facilities" not in doc
    lines = _batch(server, SAMPLE, "-f", "jsonl").stdout.splitlines()
    assert len(lines) == 4 and all("case" in json.loads(line) for line in lines)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_first_spelling_of_an_hsa_id_is_kept(server: RunningServer, tmp_path: Path) -> None:
    # The second citizen's answer spells R001 in lower case; run that citizen first.
    path = tmp_path / "cases.toml"
    path.write_text(
        '[[cases]]\npersonnummer = "19800314-1234"\n'
        'relations = ["SE2321000016-R001", "SE2321000016-R002"]\n'
        '[[cases]]\npersonnummer = "19121212-1212"\nrelations = ["SE2321000016-R001"]\n',
        encoding="utf-8",
    )
    doc = json.loads(_batch(server, path, "--by-facility", "-f", "json").stdout)
    r001 = [f for f in doc["facilities"] if f["facility_hsa_id"].upper() == "SE2321000016-R001"]
    assert len(r001) == 1  # one facility, whatever the case of its id
    assert r001[0]["facility_hsa_id"] == "se2321000016-r001"
    assert (r001[0]["shown"], r001[0]["cases"]) == (3, 2)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_target_logic_loses_nothing_and_legacy_knows_no_index(
    server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "cases.toml"
    relations = '["SE2321000016-I001", "SE2321000016-R001", "SE2321000016-F001"]'
    path.write_text(
        f'[[cases]]\npersonnummer = "191212121212"\nlogic = "target"\nrelations = {relations}\n',
        encoding="utf-8",
    )
    target = json.loads(_batch(server, path, "--by-facility", "-f", "json").stdout)
    assert {f["facility_hsa_id"]: f["by_call"]["call1"] for f in target["facilities"]} == {
        "SE2321000016-I001": 2,
        "SE2321000016-I002": 1,
        "SE2321000016-F001": 0,
    }
    assert all(f["lost_under_target"] == f["cases"] == 0 for f in target["facilities"])

    path.write_text(path.read_text(encoding="utf-8").replace('"target"', '"legacy"'))
    legacy = json.loads(_batch(server, path, "--by-facility", "-f", "json").stdout)
    assert not any(f["in_engagement_index"] for f in legacy["facilities"])  # no call1 at all
    assert all(f["lost_under_target"] == f["shown"] for f in legacy["facilities"])


def test_a_batch_with_nothing_shown_has_an_empty_report(
    server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "cases.toml"
    path.write_text('[[cases]]\npersonnummer = "19121212-1213"\n', encoding="utf-8")
    csv_result = _batch(server, path, "-f", "csv")
    assert csv_result.exit_code == 1  # the case could not run
    assert _csv(csv_result.stdout) == [HEADER]
    doc = json.loads(_batch(server, path, "--by-facility", "-f", "json").stdout)
    assert doc["facilities"] == []
    table = _batch(server, path, "--by-facility")
    assert "Overall target readiness: none (no appointment shown)." in table.stdout


def test_a_bad_batch_file_in_csv_mode_is_one_error_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "cases.toml"
    path.write_text('[[cases]]\npersonumer = "19121212-1212"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(path), "-f", "csv"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and "Hint: " in result.stderr


def _no_number(text: str, where: str) -> None:
    """No form of a batch citizen's number, not even the masked one or its birth date."""
    for digits in CITIZENS:
        for form in (digits, digits[:8], digits[2:8], f"{digits[:8]}-****", digits[-4:]):
            assert form not in text, f"{form} in {where}"


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_no_personnummer_form_in_the_report(server: RunningServer) -> None:
    table = _batch(server, SAMPLE, "--by-facility")
    _no_number("\n".join(_section(table.stdout)), "the table section")
    doc = json.loads(_batch(server, SAMPLE, "--by-facility", "-f", "json").stdout)
    _no_number(json.dumps(doc["facilities"], ensure_ascii=False), "the JSON facilities")
    _no_number(_batch(server, SAMPLE, "-f", "csv").stdout, "the CSV")
    last = _batch(server, SAMPLE, "--by-facility", "-f", "jsonl").stdout.splitlines()[-1]
    _no_number(last, "the JSON Lines facilities line")


@pytest.fixture(scope="module")
def hostile() -> Iterator[RunningServer]:
    simulator = Simulator(load_scenario(str(HOSTILE)), datetime.fromisoformat(NOW))
    with serve_in_thread(simulator) as running:
        yield running


def _hostile_batch(tmp_path: Path) -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(
        '[[cases]]\npersonnummer = "191212121212"\nrelations = ["SE2321000016-H001"]\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_hostile_names_are_masked_neutralised_and_never_formulas(
    hostile: RunningServer, tmp_path: Path
) -> None:
    path = _hostile_batch(tmp_path)
    result = _batch(hostile, path, "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = {row[0]: row for row in _csv(result.stdout)[1:]}
    assert len(rows) == 6
    # A text cell a spreadsheet would run gets a leading apostrophe; others stay as given.
    assert rows["'=1+1"][1] == '\'=HYPERLINK("http://evil.example/","klicka")'
    assert rows["SE2321000016-H002"][1] == "'+46 8 123 45 67, växeln"
    assert rows["SE2321000016-H003"][1] == "'@SUM(A1:A9)"
    assert rows["SE2321000016-H004"][1] == "'-2+3 Kirurgen"
    # Numbers in a name are masked: the case's own and anyone else's.
    assert rows["SE2321000016-H005"][1] == "Mottagning för 19121212-**** och 19850505-****"
    # Controls and bidi characters are visible escapes; the line break cannot start a line.
    assert rows["SE2321000016-H006"][1] == "Evil\\u202eReversed\\n::error::pwned"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows.values() for cell in row)
    assert len(result.stdout.splitlines()) == 7

    table = _batch(hostile, path, "--by-facility")
    # Six facilities each lose an appointment; the section names the first five to contact.
    ranks = [line.split(".")[0] for line in _section(table.stdout) if line[:3].strip().isdigit()]
    assert ranks == ["  1", "  2", "  3", "  4", "  5"]
    assert "\u202e" not in table.stdout
    assert not any(line.startswith("::") for line in table.stdout.splitlines())
    assert "1212-1212" not in table.stdout and "8514" not in table.stdout

    doc = json.loads(_batch(hostile, path, "--by-facility", "-f", "json").stdout)
    names = {f["facility_hsa_id"]: f["facility_name"] for f in doc["facilities"]}
    assert names["=1+1"].startswith("=HYPERLINK")  # JSON is not a spreadsheet: as given
    assert names["SE2321000016-H006"] == "Evil\u202eReversed\n::error::pwned"  # escaped, intact
    assert names["SE2321000016-H005"] == "Mottagning för 19121212-**** och 19850505-****"


def test_unmask_does_not_unmask_numbers_in_facility_names(
    hostile: RunningServer, tmp_path: Path
) -> None:
    # --unmask shows the cases' subjects; the report itself stays a planning aggregate.
    result = _batch(hostile, _hostile_batch(tmp_path), "-f", "csv", "--unmask")
    assert "19121212-1212" not in result.stdout and "198505058514" not in result.stdout
