"""`--save-capture` and `bokade replay`: same output offline, no clear personnummer in the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.support_sim import CLINIC_RELATIONS, PNR, PNR_FORMS, invoke, relation_args, serving


@pytest.fixture(scope="module")
def clinic() -> Iterator[str]:
    with serving("clinic") as url:
        yield url


def _collect(url: str, capture: Path, *args: str, fmt: str = "json") -> Any:
    relations = relation_args(CLINIC_RELATIONS)
    return invoke("collect", PNR, "--base-url", url, *relations, "--save-capture", str(capture), *args, fmt=fmt)  # fmt: skip


def _timeless(doc: dict[str, Any]) -> dict[str, Any]:
    for call in doc["calls"]:
        call["elapsed_ms"] = call["queued_ms"] = 0
        call["correlation_id"] = None  # a compare run and a collect run are different calls
    return doc


@pytest.mark.parametrize("fmt", ["json", "table"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_replay_gives_the_output_of_the_live_run(clinic: str, tmp_path: Path, fmt: str) -> None:
    capture = tmp_path / "case.json"
    live = _collect(clinic, capture, fmt=fmt)
    assert live.exit_code == 3, live.output
    assert live.stderr == ("" if fmt == "json" else f"Capture written to {capture} (no form of the personnummer in it).\n")  # fmt: skip
    for now in (None, "2026-11-26T12:00:00+01:00"):
        replayed = invoke("replay", str(capture), fmt=fmt, now=now)
        assert replayed.exit_code == 3, replayed.output
        assert replayed.stdout == live.stdout  # elapsed_ms included: it is captured
    assert live.doc is None or live.doc["summary"]["received"] == 7


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_holds_no_clear_personnummer(clinic: str, tmp_path: Path) -> None:
    capture = tmp_path / "case.json"
    live = _collect(clinic, capture, "--unmask")
    assert live.doc["subject_of_care"] == "19121212-1212"  # the output obeys --unmask ...
    raw = capture.read_bytes()
    for form in PNR_FORMS:  # ... the capture never does
        assert form.encode() not in raw
    document = json.loads(raw)
    assert document["subject_of_care"] == "19121212-****"
    requests = [c["exchange"]["request"] for c in document["calls"] if c["exchange"]]
    assert len(requests) == 5  # call1, call2 to R003 and D004, call3-v3, call3-v2 ...
    assert all("19121212-****" in r for r in requests)
    skipped = [c for c in document["calls"] if c["outcome"] == "skipped"]
    assert [c["logical_address"] for c in skipped] == ["SE2321000016-A001", "SE2321000016-F002"]
    assert all(c["exchange"] is None for c in skipped)  # ... and two call2 entries never sent


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_replay_reads_the_captured_answers_again(clinic: str, tmp_path: Path) -> None:
    """A capture edited (or a parser changed) gives a different replay: nothing is cached."""
    capture = tmp_path / "case.json"
    _collect(clinic, capture)
    document = json.loads(capture.read_text(encoding="utf-8"))
    (r003,) = [c for c in document["calls"] if c["logical_address"] == "SE2321000016-R003"]
    r003["exchange"]["response"] = r003["exchange"]["response"].replace(">R-1<", ">R-9<")
    capture.write_text(json.dumps(document), encoding="utf-8")
    ids = {a["booking_id"] for a in invoke("replay", str(capture)).doc["appointments"]}
    assert "R-9" in ids and "R-1" not in ids


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_timeout_keeps_its_outcome_and_message(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("BOKADE_TIMEOUT_S", "0.3")
    capture = tmp_path / "case.json"
    with serving("hanging") as url:
        relations = relation_args(["SE2321000016-H001", "SE2321000016-A001"])
        live = invoke("collect", PNR, "--base-url", url, *relations, "--save-capture", str(capture))  # fmt: skip
    hung = next(c for c in live.doc["calls"] if c["logical_address"] == "SE2321000016-H001")
    assert hung["outcome"] == "timeout"
    entry = next(c for c in json.loads(capture.read_text())["calls"] if c["outcome"] == "timeout")
    assert entry["exchange"]["response"] is None and entry["message"] == hung["message"]
    assert invoke("replay", str(capture)).stdout == live.stdout


@pytest.mark.slow
def test_a_compare_capture_replays_every_logic(clinic: str, tmp_path: Path) -> None:
    capture = tmp_path / "compare.json"
    relations = relation_args(CLINIC_RELATIONS)
    invoke("compare", PNR, "--base-url", clinic, *relations, "--save-capture", str(capture))
    for logic in ("current", "target", "legacy"):
        live = invoke("collect", PNR, "--base-url", clinic, *relations, "--logic", logic)
        replayed = invoke("replay", str(capture), "--logic", logic)
        assert replayed.exit_code == live.exit_code
        assert _timeless(replayed.doc) == _timeless(live.doc), logic


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_legacy_replay_of_a_current_capture_says_what_was_not_called(
    clinic: str, tmp_path: Path
) -> None:
    capture = tmp_path / "case.json"
    _collect(clinic, capture)
    doc = invoke("replay", str(capture), "--logic", "legacy").doc
    calls = {c["logical_address"]: c for c in doc["calls"] if c["call"] == "call2"}
    assert calls["SE2321000016-F002"]["outcome"] == "skipped"
    assert "not called in the captured run" in calls["SE2321000016-F002"]["message"]
    assert calls["SE2321000016-R003"]["outcome"] == "ok"


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_explain_captures_the_collection_it_explains(clinic: str, tmp_path: Path) -> None:
    capture = tmp_path / "case.json"
    relations = relation_args(CLINIC_RELATIONS)
    explained = invoke("explain", PNR, "--base-url", clinic, *relations, "--booking-id", "R-1", "--save-capture", str(capture))  # fmt: skip
    replayed = invoke("replay", str(capture)).doc
    (r1,) = [a for a in replayed["appointments"] if a["booking_id"] == "R-1"]
    assert explained.doc["appointments"] == [r1]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_demo_captures_too(tmp_path: Path) -> None:
    capture = tmp_path / "demo.json"
    live = invoke("demo", "--save-capture", str(capture), now=None)
    assert live.exit_code == 3
    assert invoke("replay", str(capture), now=None).stdout == live.stdout


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("not json", "is not a capture file (not JSON"),
        ('{"format": "other"}', "is not a bokade capture file"),
        ('{"format": "bokade-capture", "format_version": 9}', "capture format version 9"),
        (
            '{"format": "bokade-capture", "format_version": 3, "now": "2026-11-26T12:00:00",'
            ' "subject_of_care": "x", "relations": [], "calls": [{"call": "call9"}]}',
            "call 1: key 'call' is missing or wrong",
        ),
        (
            '{"format": "bokade-capture", "format_version": 3, "now": "2026-11-26T12:00:00",'
            ' "subject_of_care": "x", "logic": "legacy", "relations": [], "calls": []}',
            "holds no call1, call3-v2, call3-v3, which the current logic needs",
        ),
    ],
)
def test_a_bad_capture_is_exit_2_with_one_line(tmp_path: Path, content: str, needle: str) -> None:
    capture = tmp_path / "bad.json"
    capture.write_text(content, encoding="utf-8")
    result = invoke("replay", str(capture), "--logic", "current", fmt="table", now=None)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and result.stderr.startswith("Error: ")
    assert "Hint: " in result.stderr and result.stdout == ""


def _mutated_capture(tmp_path: Path, change: Any) -> Path:
    from bokade_cli.cli import app
    from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

    scenario = load_scenario("one-of-three-empty")
    path = tmp_path / "capture.json"
    with serve_in_thread(Simulator(scenario)) as server:
        args = [
            "collect",
            scenario.citizen,
            "--base-url",
            server.base_url,
            "--save-capture",
            str(path),
        ]
        assert CliRunner().invoke(app, args).exit_code == 0
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            lambda d: d["calls"][0]["exchange"].update(status_code="200"),
            "exchange.status_code",
        ),
        (
            lambda d: d["calls"][0]["exchange"].update(response="<unclosed>"),
            "the stored answer does not parse",
        ),
        (lambda d: d["calls"][0].update(outcome="weird"), "outcome"),
        (lambda d: d.update(relations=[1, 2]), "relations"),
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_broken_capture_is_an_input_error_naming_the_key(
    tmp_path: Path, change: Any, key: str
) -> None:
    from bokade_cli.cli import app

    result = CliRunner().invoke(app, ["replay", str(_mutated_capture(tmp_path, change))])
    assert result.exit_code == 2, result.output
    assert key in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_hand_edited_clear_label_is_masked_on_replay(tmp_path: Path) -> None:
    from bokade_cli.cli import app

    path = _mutated_capture(tmp_path, lambda d: d.update(subject_of_care="199505050501"))
    result = CliRunner().invoke(app, ["replay", str(path), "-f", "json"])
    assert json.loads(result.stdout)["subject_of_care"] == "19950505-****"


_BEYOND = "(it or 3 years after it falls outside the years the rules can handle)"


@pytest.mark.parametrize(
    ("now", "said"),
    [
        ("9999-12-31T23:59:59+00:00", f'"9999-12-31T23:59:59+00:00" is out of range {_BEYOND}'),
        ("9998-06-01T12:00:00", f'"9998-06-01T12:00:00" is out of range {_BEYOND}'),  # + 3 years
        ("2026-13-01T12:00:00", '"2026-13-01T12:00:00" is not an ISO 8601 time'),
    ],
)
def test_a_capture_now_out_of_range_is_said_to_be_so(tmp_path: Path, now: str, said: str) -> None:
    capture = tmp_path / "c.json"
    document = {"format": "bokade-capture", "format_version": 3, "subject_of_care": "19121212-****"}
    document |= {"logic": "current", "now": now, "relations": [], "calls": []}
    capture.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(app, ["replay", str(capture)])
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first == f"Error: {capture}: key 'now': the capture's now {said}"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("format_version", "19121212\u00a01212"),
        ("format_version", "19121212\u200b1212"),
        ("now", "x 19121212\u00a01212"),
    ],
)
def test_a_capture_value_quoted_in_an_error_is_masked(tmp_path: Path, key: str, value: str) -> None:
    """Quoted as text, never repr(): "'19121212\\xa01212'" was no form the boundary masks
    (review 2, finding 2 and 9)."""
    from tests.helpers import leaks

    capture = tmp_path / "c.json"
    document = {"format": "bokade-capture", "format_version": 3, "subject_of_care": "19121212-****"}
    document |= {"logic": "current", "now": "2026-11-26T12:00:00", "relations": [], "calls": []}
    capture.write_text(json.dumps(document | {key: value}), encoding="utf-8")
    result = CliRunner().invoke(app, ["replay", str(capture)])
    assert result.exit_code == 2, result.output
    assert "19121212-****" in result.stderr and not leaks(result.output), result.output
