"""`bokade collect` and `bokade demo` through the simulator over loopback, for every bundled scenario."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.clock import STOCKHOLM
from bokade_cli.simulator import Simulator, list_scenarios, load_scenario, serve_in_thread
from tests.helpers import assert_conserved

pytestmark = pytest.mark.slow  # every bundled scenario over loopback

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=STOCKHOLM)
SCHED = "GetSubjectOfCareSchedule"


@pytest.fixture
def served() -> Iterator[Any]:
    """Start a scenario's simulator; yields a function (name) -> (server, scenario)."""
    stack: list[Any] = []

    def start(name: str) -> tuple[Any, Any]:
        scenario = load_scenario(name)
        context = serve_in_thread(Simulator(scenario, now=NOW))
        server = context.__enter__()
        stack.append(context)
        return server, scenario

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def _collect(server: Any, scenario: Any, *extra: str) -> tuple[int, dict[str, Any]]:
    args = ["collect", scenario.citizen, "--base-url", server.base_url, "--now", NOW.isoformat()]
    args += ["-f", "json", *extra]
    for relation in scenario.relations:
        args += ["--relation", relation]
    result = CliRunner().invoke(app, args)
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert_conserved(doc)
    return result.exit_code, doc


def _call(doc: dict[str, Any], call: str, address: str | None = None) -> dict[str, Any]:
    return next(
        c for c in doc["calls"] if c["call"] == call and address in (None, c["logical_address"])
    )


def test_demo_scenario_shows_every_verdict_reason_and_duplicate_pair(served: Any) -> None:
    server, scenario = served("demo")
    code, doc = _collect(server, scenario)
    assert code == 3 and doc["complete"] is False
    reasons = {a["reason"] for a in doc["appointments"] if a["reason"]}
    assert reasons == {
        "missing_start",
        "bad_time_format",
        "missing_facility",
        "start_passed",
        "beyond_3_years",
        "not_approved_for_patient",
        "nullified",
        "not_booked_status",
    }
    ids = {a["id"]: a for a in doc["appointments"]}
    pairs = {
        (ids[a["duplicate_of"]]["call"], a["call"])
        for a in doc["appointments"]
        if a["verdict"] == "duplicate"
    }
    assert pairs == {
        ("call1", "call2"),
        ("call1", "call3-v3"),
        ("call1", "call3-v2"),
        ("call2", "call3-v3"),
        ("call2", "call3-v2"),
        ("call3-v3", "call3-v2"),
    }
    assert {a["match"] for a in doc["appointments"] if a["match"]} == {
        "booking_id",
        "document_id",
        "facility_start",
    }
    # The facility that failed in call1 is left out of call2, visibly, and nobody called it directly.
    call1 = _call(doc, "call1")
    failed = [s["logical_address"] for s in call1["sources"] if s["status"] == "NoDataSynchFailed"]
    assert len(failed) == 1
    skipped = _call(doc, "call2", failed[0])
    assert skipped["outcome"] == "skipped" and "failed there" in skipped["message"]
    assert (
        server.simulator.requests.count(contract=SCHED, logical_address=failed[0], via="direct")
        == 0
    )
    # A relation-only facility is reached by call2 alone.
    direct = [c for c in doc["calls"] if c["call"] == "call2" and c["outcome"] == "ok"]
    assert len(direct) == 1 and direct[0]["records"] > 0
    assert all(s["logical_address"] != direct[0]["logical_address"] for s in call1["sources"])
    # Call counts: one aggregated call per contract, one direct call to the relation-only facility.
    log = server.simulator.requests
    assert log.count(contract=SCHED, logical_address=scenario.aggregator, via="direct") == 1
    assert log.count(contract="GetCareContacts/3", via="direct") == 1
    assert log.count(contract="GetCareContacts/2", via="direct") == 1
    assert log.count(contract=SCHED, via="direct") == 2


@pytest.mark.parametrize(
    ("name", "code", "failed_sources", "shown"),
    [
        ("no-engagements", 0, 0, 0),
        ("one-producer-many-bookings", 0, 0, 25),
        ("1000-bookings", 0, 0, 1000),
        ("20-producers", 0, 0, 100),
        ("one-of-three-empty", 0, 0, 2),
        ("one-of-three-timeout", 3, 1, 2),
        ("one-of-three-fault", 3, 1, 2),
        ("all-timeout", 3, 3, 0),
    ],
)
def test_platform_test_cases(
    served: Any, name: str, code: int, failed_sources: int, shown: int
) -> None:
    server, scenario = served(name)
    exit_code, doc = _collect(server, scenario, "--logic", "target")
    assert exit_code == code
    call1 = _call(doc, "call1")
    assert call1["outcome"] == "ok"
    failed = [s for s in call1["sources"] if s["status"] == "NoDataSynchFailed"]
    assert len(failed) == failed_sources
    if name.endswith("timeout"):
        assert all("504" in s["error"] for s in failed)
    if name == "one-of-three-fault":
        assert "500" in failed[0]["error"]
    assert Counter(a["verdict"] for a in doc["appointments"])["shown"] == shown
    fanned = server.simulator.requests.count(contract=SCHED, via="aggregator")
    assert fanned == len(call1["sources"])


def test_every_bundled_scenario_runs_through_the_demo_command() -> None:
    runner = CliRunner()
    for name in list_scenarios():
        result = runner.invoke(app, ["demo", "--scenario", name, "-f", "json"])
        assert result.exit_code in (0, 3), (name, result.output)
        assert_conserved(json.loads(result.stdout))


def test_demo_table_is_the_quick_start_experience() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 3
    for needle in (
        "call1",
        "call2",
        "skipped",
        "NoDataSynchFailed",
        "Target readiness",
        "Received 30",
    ):
        assert needle in result.stdout
    assert "191212121212" not in result.stdout


@pytest.mark.parametrize("where", ["/dev/null", "EMPTY"])
def test_an_empty_scenario_file_is_named_as_empty_not_missing(tmp_path: Any, where: str) -> None:
    # It exists: "no scenario named '/dev/null' and no such file" sent the user looking for it.
    path = str(tmp_path / "empty.toml") if where == "EMPTY" else where
    if where == "EMPTY":
        (tmp_path / "empty.toml").write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--scenario", path])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == f"Error: {path}: the scenario file is empty"
