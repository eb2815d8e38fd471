"""Deadlines measure the producer, not our own queue (SPEC §6, issue #11).

A call's deadline starts when its request can be sent; the time it waits for a connection of
our own pool is `queued_ms`, shown apart. A 1,000-facility fan-out to producers answering in 1 s
with `timeout_s = 5`, and a batch at concurrency 50 with 20 relations per case, must report no
producer as timed out, and the platform must never see more requests at once than the pool.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.engine.run import MAX_CONNECTIONS
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from tests.helpers import PNR, assert_conserved


def _facility(n: int) -> str:
    return f"SE2321000016-Q{n:04d}"


def fan_out_scenario(path: Path, facilities: int, latency_ms: int, citizens: list[str]) -> Path:
    """`facilities` producers answering GetSubjectOfCareSchedule directly after `latency_ms`,
    one booking each per citizen; nothing in the engagement index, so call1 calls none of them
    and the collection makes one call2 per relation facility."""
    lines = ["producers = ["]
    lines += [
        f'  {{ hsa_id = "{_facility(n)}", latency_ms = {latency_ms} }},' for n in range(facilities)
    ]
    lines.append("]")
    for citizen in citizens:
        lines.append(f'[[citizens]]\npersonnummer = "{citizen}"')
    for citizen in citizens:
        for n in range(facilities):
            lines.append(
                f'[[bookings]]\nproducer = "{_facility(n)}"\nstart = "+{1 + n % 300}d 10:00"\n'
                f'booking_id = "B-{n}"\ncitizen = "{citizen}"'
            )
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def serving(path: Path) -> Iterator[tuple[RunningServer, Simulator]]:
    simulator = Simulator(load_scenario(str(path)))
    with serve_in_thread(simulator) as server:
        yield server, simulator


def _relations(count: int) -> list[str]:
    return [arg for n in range(count) for arg in ("-r", _facility(n))]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_queue_time_is_reported_apart_and_the_platform_never_sees_more_than_the_pool(
    tmp_path: Path,
) -> None:
    """Fast: 12 facilities at 200 ms through a pool of 4 connections."""
    from bokade_cli.engine import run as engine_run

    path = fan_out_scenario(tmp_path / "small.toml", 12, 200, [PNR])
    with serving(path) as (server, simulator), pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_run, "MAX_CONNECTIONS", 4)
        runner = CliRunner(env={"BOKADE_TIMEOUT_S": "0.5"})
        args = ["collect", PNR, "--base-url", server.base_url, *_relations(12), "-f", "json"]
        result = runner.invoke(app, [*args, "-v"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 0, [c["message"] for c in doc["calls"] if c["message"]]
    call2 = [c for c in doc["calls"] if c["call"] == "call2"]
    # 12 calls of 200 ms through 4 connections, with a 0.5 s deadline: the later ones wait
    # hundreds of ms for a connection, none is blamed for it.
    assert {c["outcome"] for c in call2} == {"ok"}
    assert max(c["queued_ms"] for c in call2) >= 300
    assert all(c["elapsed_ms"] < 500 for c in call2)
    assert simulator.peak_in_flight == 4
    assert "ms for a connection" in result.stderr


@pytest.mark.slow
def test_a_thousand_facilities_answering_in_a_second_within_five_are_never_timed_out(
    tmp_path: Path,
) -> None:
    path = fan_out_scenario(tmp_path / "fan-out.toml", 1000, 1000, [PNR])
    with serving(path) as (server, simulator):
        runner = CliRunner(env={"BOKADE_TIMEOUT_S": "5"})
        args = ["collect", PNR, "--base-url", server.base_url, *_relations(1000), "-f", "json"]
        result = runner.invoke(app, args)
    doc = json.loads(result.stdout)
    outcomes = Counter(c["outcome"] for c in doc["calls"] if c["call"] == "call2")
    assert outcomes == {"ok": 1000}, outcomes
    assert result.exit_code == 0
    assert_conserved(doc)
    assert doc["summary"]["shown"] == 1000
    # The platform saw at most the pool's connections at once, and the pool was used.
    assert MAX_CONNECTIONS // 2 <= simulator.peak_in_flight <= MAX_CONNECTIONS
    call2 = [c for c in doc["calls"] if c["call"] == "call2"]
    assert max(c["queued_ms"] for c in call2) > 5000  # queued longer than the deadline ...
    assert max(c["elapsed_ms"] for c in call2) < 5000  # ... and blamed for none of it


@pytest.mark.slow
def test_a_batch_at_concurrency_50_with_20_relations_per_case_has_no_false_timeouts(
    tmp_path: Path,
) -> None:
    from bokade_cli.personnummer import parse_personnummer

    citizens = []
    for n in range(1, 400):  # 50 valid numbers born on 1 January 1980
        candidate = f"19800101{n:03d}"
        for check in "0123456789":
            try:
                parse_personnummer(candidate + check)
            except Exception:
                continue
            citizens.append(candidate + check)
        if len(citizens) == 50:
            break
    path = fan_out_scenario(tmp_path / "batch.toml", 20, 500, citizens)
    cases = tmp_path / "cases.toml"
    relations = ", ".join(f'"{_facility(n)}"' for n in range(20))
    cases.write_text(
        f"[defaults]\nrelations = [{relations}]\n"
        + "".join(f'[[cases]]\npersonnummer = "{c}"\n' for c in citizens)
    )
    with serving(path) as (server, simulator):
        runner = CliRunner(env={"BOKADE_TIMEOUT_S": "2"})
        args = ["batch", str(cases), "--base-url", server.base_url, "-c", "50", "-f", "json"]
        result = runner.invoke(app, args)
    doc = json.loads(result.stdout)
    outcomes = Counter(call["outcome"] for case in doc["cases"] for call in case["result"]["calls"])
    assert outcomes == {"ok": 50 * 23}, outcomes
    assert result.exit_code == 0
    assert doc["summary"]["passed"] == 50
    assert all(case["result"]["summary"]["shown"] == 20 for case in doc["cases"])
    # 50 cases of 23 calls each want 1,150 connections; the platform sees the pool at most.
    assert 100 <= simulator.peak_in_flight <= 200
