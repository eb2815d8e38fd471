"""The support and CI workflow as users meet it (issue #13), through the CLI against the simulator:
booking ids in the table, relation input hygiene, the call2 line, exit codes, formats, stdin."""

from __future__ import annotations

import json
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
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW, PNR, assert_conserved

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_BATCH = ROOT / "sample_configs" / "batch" / "batch-example.toml"
RELATIONS = ["SE2321000016-A001", "SE2321000016-F003", "SE2321000016-R004"]
FLAGS = [arg for r in RELATIONS for arg in ("-r", r)]
PNR_FORMS = ("191212121212", "19121212-1212", "121212-1212", "1212121212")


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningServer]:
    """The demo scenario (call1 calls A001 and F003, F003 fails there; R004 only via call2)."""
    with serve_in_thread(Simulator(load_scenario("demo"), datetime.fromisoformat(NOW))) as s:
        yield s


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(app, list(args), input=input, env=env)
    assert "Traceback" not in result.output
    return result


def collect(demo: RunningServer, *args: str, fmt: str = "json", **kw: Any) -> Any:
    result = run("collect", PNR, "--base-url", demo.base_url, "--now", NOW, "-f", fmt, *args, **kw)
    result.doc = json.loads(result.stdout) if fmt == "json" and result.stdout.strip() else None
    if result.doc is not None and "summary" in result.doc:
        assert_conserved(result.doc)
    return result


def _stable(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without what differs between two runs (timings, correlation ids)."""
    calls = [
        {k: v for k, v in c.items() if k not in ("elapsed_ms", "queued_ms", "correlation_id")}
        for c in doc["calls"]
    ]
    return {**doc, "calls": calls}


# --- booking ids -------------------------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_every_booking_id_is_in_the_table_on_its_row(demo: RunningServer) -> None:
    doc = collect(demo, *FLAGS).doc
    table = collect(demo, *FLAGS, fmt="table").stdout
    assert len(doc["appointments"]) == 30
    for a in doc["appointments"]:
        row = re.search(rf"^{a['id']}\s+(\S+)\s", table, re.M)
        assert row is not None, a["id"]
        assert row.group(1) == a["booking_id"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_compare_shows_the_booking_ids_too(demo: RunningServer) -> None:
    args = ("compare", PNR, "--base-url", demo.base_url, "--now", NOW, *FLAGS)
    doc = json.loads(run(*args, "-f", "json").stdout)
    table = run(*args).stdout
    for row in doc["appointments"]:
        assert re.search(rf"^{row['id']}\s+{re.escape(row['booking_id'])}\s", table, re.M)


@pytest.mark.parametrize("by", ["row", "booking"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_explain_finds_a_booking_by_the_id_in_the_table(demo: RunningServer, by: str) -> None:
    doc = collect(demo, *FLAGS).doc
    target = next(a for a in doc["appointments"] if a["booking_id"] == "R-9002")
    asked = target["id"] if by == "row" else "R-9002"
    result = run(
        "explain", PNR, "--base-url", demo.base_url, "--now", NOW, *FLAGS,
        "--booking-id", asked, "-f", "json",
    )  # fmt: skip
    explained = json.loads(result.stdout)
    assert [a["booking_id"] for a in explained["appointments"]] == ["R-9002"]
    assert explained["findings"][0]["code"] == "duplicate"
    assert explained["findings"][0]["appointment"] == target["id"]


# --- relation input ----------------------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_notepad_relations_file_gives_exactly_the_calls_and_verdicts_of_flags(
    demo: RunningServer, tmp_path: Path
) -> None:
    notepad = tmp_path / "relations.txt"
    text = (
        "# the citizen's relations, from the 1177 support case\r\n"
        f"   {RELATIONS[0]}   \r\n"
        "\r\n"
        f"\t{RELATIONS[1]}\t# lost in call1\r\n"
        f"{RELATIONS[2]}\r\n"
    )
    notepad.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    from_file = collect(demo, "--relations", str(notepad)).doc
    from_flags = collect(demo, *FLAGS).doc
    assert _stable(from_file) == _stable(from_flags)
    call2 = {c["logical_address"]: c for c in from_file["calls"] if c["call"] == "call2"}
    assert list(call2) == RELATIONS  # no BOM in the first address
    assert call2[RELATIONS[0]]["message"].startswith("not called: call1 already called it")
    assert call2[RELATIONS[2]]["outcome"] == "ok"


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_bom_before_the_first_address_does_not_defeat_the_call1_exclusion(
    demo: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "one.txt"
    path.write_bytes(b"\xef\xbb\xbf" + RELATIONS[0].lower().encode() + b"\r\n")
    doc = collect(demo, "--relations", str(path)).doc
    (call2,) = [c for c in doc["calls"] if c["call"] == "call2"]
    assert call2["outcome"] == "skipped" and "call1 already called it" in call2["message"]


@pytest.mark.parametrize(
    ("args", "where", "problem"),
    [
        (["-r", f"{RELATIONS[0]},{RELATIONS[1]}"], "--relation 1", "a list of several entries"),
        (["-r", RELATIONS[0], "-r", "SE2321000016 A001"], "--relation 2", "holds a space"),
        (["-r", ""], "--relation 1", "an empty entry"),
        (["-r", "SE2321000016-Ä01"], "--relation 1", "is not an HSA-id such as"),
        (["-r", "SE2321000016\nA001"], "--relation 1", '"SE2321000016\\nA001" holds a line break'),
        (["-r", "SE2321000016\x1b[2J-A001"], "--relation 1", "holds a control character"),
        (["-r", "SE2321000016\u200b-A001"], "--relation 1", "holds an invisible character"),
    ],
)
def test_a_wrong_relation_flag_exits_2_naming_it(
    demo: RunningServer, args: list[str], where: str, problem: str
) -> None:
    result = collect(demo, *args, fmt="table")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Error: {where}: ") and problem in lines[0]
    assert lines[1] == "Hint: Put one HSA-id per line (# starts a comment); e.g. SE2321000016-A001."


@pytest.mark.parametrize("pasted", PNR_FORMS)
def test_a_personnummer_in_a_relations_file_exits_2_and_is_not_echoed(
    demo: RunningServer, tmp_path: Path, pasted: str
) -> None:
    path = tmp_path / "relations.txt"
    path.write_text(f"{RELATIONS[0]}\n# next one is wrong\n{pasted}\n", encoding="utf-8")
    for fmt in ("table", "json"):
        result = collect(demo, "--relations", str(path), fmt=fmt)
        assert result.exit_code == 2
        output = result.stdout + result.stderr
        assert f"{path}, line 3: a personnummer (not shown), not an HSA-id" in output
        assert not any(form in output for form in PNR_FORMS)


def test_a_comma_separated_line_in_a_file_exits_2_naming_file_and_line(
    demo: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "relations.txt"
    path.write_text(f"{RELATIONS[0]}\n{RELATIONS[1]}, {RELATIONS[2]}\n")
    result = collect(demo, "--relations", str(path), fmt="table")
    assert result.exit_code == 2
    assert f"Error: {path}, line 2: a list of several entries on one line" in result.stderr


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_relations_from_stdin_and_a_batch_file_from_stdin(demo: RunningServer) -> None:
    piped = collect(demo, "--relations", "-", input="\ufeff" + "\r\n".join(RELATIONS) + "\r\n")
    assert piped.exit_code == 3, piped.output
    assert piped.doc["relations"] == RELATIONS
    batch = run(
        "batch", "-", "--base-url", demo.base_url, "--now", NOW, "-f", "json",
        input=f'[[cases]]\npersonnummer = "{PNR}"\nrelations = ["{RELATIONS[2]}"]\n',
    )  # fmt: skip
    assert batch.exit_code == 3, batch.output
    assert json.loads(batch.stdout)["cases"][0]["result"]["relations"] == [RELATIONS[2]]


@pytest.mark.parametrize("command", ["collect", "explain", "compare"])
def test_the_number_and_the_relations_both_from_stdin_is_a_usage_error(command: str) -> None:
    """Standard input is read once (audit M2): the relation file's first line was read as
    the number. Refused before anything is read or called."""
    extra = ["--facility", RELATIONS[0]] if command == "explain" else []
    result = run(
        command, "-", "--relations", "-", "--base-url", "http://127.0.0.1:9", *extra,
        input=f"{PNR}\n{RELATIONS[0]}\n",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "Error: the personnummer and --relations both read standard input (-)",
        "Hint: Standard input is read once: give the number as an argument, or the relation "
        "list as a file.",
    ]


def test_a_comma_list_in_a_batch_file_exits_2_naming_file_and_case(
    demo: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "checks.toml"
    path.write_text(f'[[cases]]\npersonnummer = "{PNR}"\nrelations = ["{RELATIONS[0]},X"]\n')
    result = run("batch", str(path), "--base-url", demo.base_url)
    assert result.exit_code == 2
    assert str(path) in result.stderr and "a list of several entries" in result.stderr


# --- call2 without a relation list -------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_collect_says_when_call2_was_not_made(demo: RunningServer) -> None:
    result = collect(demo)
    assert [c["call"] for c in result.doc["calls"]] == ["call1", "call3-v3", "call3-v2"]
    (item,) = result.doc["not_called"]
    assert item["call"] == "call2" and item["code"] == "no_relation_list"
    assert "no relation list (mottagningsrelation) was given" in item["message"]
    table = collect(demo, fmt="table").stdout
    line = next(x for x in table.splitlines() if x.lstrip().startswith("call2"))
    assert "not made: no relation list (mottagningsrelation) was given" in line
    assert "--relation HSAID or --relations FILE" in table


@pytest.mark.parametrize(("args", "expected"), [(FLAGS, []), (["--logic", "target"], [])])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_nothing_is_said_when_call2_was_made_or_is_not_in_the_logic(
    demo: RunningServer, args: list[str], expected: list[Any]
) -> None:
    result = collect(demo, *args)
    assert result.doc["not_called"] == expected
    assert "not made" not in collect(demo, *args, fmt="table").stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_replay_and_compare_keep_the_call2_note(demo: RunningServer, tmp_path: Path) -> None:
    capture = tmp_path / "case.json"
    live = collect(demo, "--save-capture", str(capture))
    replayed = run("replay", str(capture), "-f", "json")
    assert json.loads(replayed.stdout)["not_called"] == live.doc["not_called"] != []
    compared = run("compare", PNR, "--base-url", demo.base_url, "--now", NOW, "-f", "json")
    assert [x["code"] for x in json.loads(compared.stdout)["not_called"]] == ["no_relation_list"]


# --- exit codes --------------------------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_batch_against_a_dead_endpoint_exits_4_even_with_failed_expectations() -> None:
    result = run("batch", str(SAMPLE_BATCH), "--base-url", "http://127.0.0.1:1")
    assert result.exit_code == 4, result.output
    assert "0 passed, 6 failed" in result.stdout  # the expectations did fail ...
    assert "Nothing answered in any case" in result.stdout  # ... but it is an outage
    as_json = run("batch", str(SAMPLE_BATCH), "--base-url", "http://127.0.0.1:1", "-f", "json")
    assert as_json.exit_code == 4
    assert json.loads(as_json.stdout)["summary"]["failed"] == 6


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_allow_partial_makes_a_partial_batch_and_collect_exit_0(demo: RunningServer) -> None:
    batch = ("batch", str(SAMPLE_BATCH), "--base-url", demo.base_url, "--now", NOW)
    assert run(*batch).exit_code == 3
    assert run(*batch, "--allow-partial").exit_code == 0
    assert collect(demo, *FLAGS).exit_code == 3
    allowed = collect(demo, *FLAGS, "--allow-partial")
    assert allowed.exit_code == 0 and allowed.doc["complete"] is False  # still says so


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_allow_partial_does_not_hide_an_outage_or_a_failed_expectation(tmp_path: Path) -> None:
    down = run("collect", PNR, "--base-url", "http://127.0.0.1:1", "--allow-partial")
    assert down.exit_code == 4
    batch = run("batch", str(SAMPLE_BATCH), "--base-url", "http://127.0.0.1:1", "--allow-partial")
    assert batch.exit_code == 4


def _first_line_then_close(argv: list[str]) -> tuple[int, str, str]:
    """Like `bokade ... | head -1`: read one line, close the pipe, let bokade finish."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    with process:
        first = process.stdout.readline().decode()
        process.stdout.close()
        stderr = process.stderr.read().decode()
        return process.wait(timeout=60), first, stderr


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["collect", PNR, *FLAGS, "--now", NOW], 3),
        (["collect", PNR, *FLAGS, "--now", NOW, "-f", "json"], 3),
        (["compare", PNR, *FLAGS, "--now", NOW], 3),
        (["collect", PNR, *FLAGS, "--now", NOW, "--allow-partial"], 0),
        (["batch", str(SAMPLE_BATCH), "--now", NOW, "-f", "jsonl"], 3),
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_closed_stdout_ends_quietly_with_the_runs_own_code(
    demo: RunningServer, argv: list[str], code: int
) -> None:
    # NOTE: a 30-row table and a batch of JSON lines are more than the pipe takes before the
    # reader has closed it, so every case writes after the close.
    argv = [*argv, "--base-url", demo.base_url]
    returncode, first, stderr = _first_line_then_close(argv)
    assert first.strip()
    assert returncode == code
    assert "Traceback" not in stderr and "Broken pipe" not in stderr and "Exception" not in stderr


# --- formats and environment -------------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_bokade_format_json_applies_to_smoke_and_batch(demo: RunningServer) -> None:
    env = {"BOKADE_FORMAT": "json"}
    smoke = run("smoke", "--base-url", demo.base_url, "--pnr", PNR, env=env)
    assert json.loads(smoke.stdout)["kind"] == "smoke"
    batch = ("batch", str(SAMPLE_BATCH), "--base-url", demo.base_url, "--now", NOW)
    assert json.loads(run(*batch, env=env).stdout)["kind"] == "batch"
    lines = run(*batch, env={"BOKADE_FORMAT": "jsonl"})
    assert [json.loads(x)["status"] for x in lines.stdout.splitlines()] == ["passed"] * 6


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_format_a_command_does_not_have_is_ignored_and_the_flag_wins(
    demo: RunningServer,
) -> None:
    table = collect(demo, *FLAGS, fmt="table", env={"BOKADE_FORMAT": "jsonl"})
    assert table.exit_code == 3 and table.stdout.startswith("Bokade tider for 19121212-****")
    smoke = run("smoke", "--base-url", demo.base_url, env={"BOKADE_FORMAT": "jsonl"})
    assert smoke.stdout.startswith("Smoke test of profile")
    flag = run("smoke", "--base-url", demo.base_url, "-f", "table", env={"BOKADE_FORMAT": "json"})
    assert flag.stdout.startswith("Smoke test of profile")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("bogus", "bogus"), ("josn", "josn"), ("JSN ", "jsn"), ("x\udcff", "x\\udcff")],
)
@pytest.mark.parametrize(
    "argv",
    [
        ["config", "path"],
        ["collect", PNR, "--base-url", "http://127.0.0.1:9"],  # refused before any request
        ["batch", str(SAMPLE_BATCH), "--base-url", "http://127.0.0.1:9"],
    ],
)
def test_a_bokade_format_that_is_no_format_is_a_configuration_error(
    argv: list[str], value: str, shown: str
) -> None:
    # Ignored, a typo gave a CI job a table where it expected JSON (SPEC §5: exit 5, the key named).
    result = run(*argv, env={"BOKADE_FORMAT": value})
    assert result.exit_code == 5, result.output
    assert result.stderr.splitlines() == [
        f'Error: BOKADE_FORMAT is "{shown}", not a format: table, json, jsonl, '
        "markdown, html, csv, openmetrics",
        "Hint: Set BOKADE_FORMAT to one of them, or unset it.",
    ]
    assert result.stdout == ""


def test_the_format_flag_wins_over_a_bokade_format_that_is_no_format() -> None:
    result = run("config", "show", "-f", "json", env={"BOKADE_FORMAT": "josn"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)
    assert run("config", "path", env={"BOKADE_FORMAT": " "}).exit_code == 0  # blank: not set


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_replay_reads_a_capture_from_stdin(demo: RunningServer, tmp_path: Path) -> None:
    capture = tmp_path / "case.json"
    collect(demo, *FLAGS, "--save-capture", str(capture))
    from_file = run("replay", str(capture), "-f", "json")
    from_stdin = run("replay", "-", "-f", "json", input=capture.read_text())
    assert from_stdin.exit_code == from_file.exit_code == 3
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)
    empty = run("replay", "-", input="")
    assert empty.exit_code == 2 and "standard input" in empty.stderr


def test_relations_explain_reads_stdin() -> None:
    events = (ROOT / "sample_configs" / "relations" / "relation-events.toml").read_text()
    result = run("relations", "explain", "-", "-f", "json", input=events)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["file"] == "standard input" and len(doc["relations"]) == 2


@pytest.mark.parametrize(
    "pasted", ["19121212\u20131212", "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-1212"]
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_pasted_forms_are_cleaned_and_masked(demo: RunningServer, pasted: str) -> None:
    result = run("collect", pasted, "--base-url", demo.base_url, "--now", NOW, *FLAGS, "-f", "json")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["subject_of_care"] == "19121212-****"


def test_a_space_is_refused_with_a_hint_about_the_form_not_samordningsnummer(
    demo: RunningServer,
) -> None:
    result = run("collect", "19121212 1212", "--base-url", demo.base_url)
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()
    assert error == (
        "Error: personnummer contains a space; expected 12 digits, YYYYMMDD-NNNN or YYMMDD-NNNN"
    )
    assert hint.startswith("Hint: Write it as YYYYMMDD-NNNN") and "samordning" not in hint


# --- smaller points ----------------------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_smoke_without_pnr_warns_that_the_contracts_were_not_checked(
    demo: RunningServer,
) -> None:
    result = run("smoke", "--base-url", demo.base_url, "-f", "json")
    assert result.exit_code == 0
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    for key in ("call1", "call2", "call3-v3", "call3-v2"):
        assert steps[key]["verdict"] == "warn"
        assert steps[key]["detail"].startswith("not checked: no test personnummer; give --pnr")
    table = run("smoke", "--base-url", demo.base_url)
    assert "PASSED with warnings (--strict makes them fail)" in table.stdout
    assert run("smoke", "--base-url", demo.base_url, "--strict").exit_code == 1


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_simulator_list_says_which_number_each_scenario_serves() -> None:
    listed = run("simulator", "list")
    assert re.search(r"^demo\s+19121212-\*\*\*\*\s+Every verdict", listed.stdout, re.M)
    assert "collect needs the number a scenario serves" in listed.stderr
    assert not any(form in listed.output for form in PNR_FORMS)
    doc = json.loads(run("simulator", "list", "-f", "json").stdout)
    demo = next(s for s in doc["scenarios"] if s["name"] == "demo")
    assert demo["citizens"] == [{"personnummer": "19121212-****", "relations": RELATIONS}]
    unmasked = run("simulator", "list", "--unmask")
    assert re.search(r"^demo\s+19121212-1212\s", unmasked.stdout, re.M)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_json_document_carries_what_the_table_shows(demo: RunningServer) -> None:
    doc = collect(demo, *FLAGS, "-v").doc
    made = [c for c in doc["calls"] if c["outcome"] != "skipped"]
    ids = [c["correlation_id"] for c in made]
    assert all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids) and len(set(ids)) == len(ids)
    assert all(isinstance(c["notes"], list) and c["queued_ms"] >= 0 for c in doc["calls"])
    assert doc["relations"] == RELATIONS
    assert doc["stats"]["call1"] == {
        "received": 10, "shown": 6, "unique": 2, "duplicate": 0, "filtered": 4,
    }  # fmt: skip
    assert doc["target_readiness"] == 0.5


def test_config_show_and_simulator_list_write_their_document_to_output(tmp_path: Path) -> None:
    for argv, key in ((["config", "show"], "base_url"), (["simulator", "list"], "scenarios")):
        target = tmp_path / f"{argv[0]}.json"
        result = run(*argv, "-f", "json", "-o", str(target))
        assert result.exit_code == 0 and result.stdout == ""
        assert key in json.loads(target.read_text())
        assert target.stat().st_mode & 0o777 == 0o600
