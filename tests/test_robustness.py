"""Issue #11 through the CLI: one bad value costs one record, one bad case costs one case, one bad
local file is a one-line error (exit 2 or 5) naming it, and every diagnosis names the real cause.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.conftest import NOW, PNR, PNR_MASKED, assert_conserved
from tests.fakeplatform import AGGREGATOR, BASE_URL, contact, slot

HUGE = "7" * 5000  # past Python's 4,300-digit int() limit
F1, F2 = "SE2321000016-0001", "SE2321000016-0002"
SYS = "SE2321000016-SYS1"
OK = "DataFromSource"


def _no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.exit_code != 70, result.stderr or result.stdout


# --- one value costs one record --------------------------------------------------------------


def _huge_answers(platform: Any) -> None:
    """Every value bokade reads as a number, a time, an id or a boolean, 5,000 digits long, each
    in its own record (its own start: no two records are the same booked time) beside ordinary
    records that must be judged as always."""
    day = iter(range(1, 20))

    def start() -> str:
        return f"202612{next(day):02d}100000"

    platform.scheduling(
        AGGREGATOR,
        [
            slot(F1, start(), "ordinary-1"),
            slot(F1, HUGE, "huge-start"),
            slot(F1, start(), "huge-end", end=HUGE),
            slot(F1, start(), HUGE),
            slot(HUGE, start(), "huge-facility"),
            slot(F2, start(), "huge-invitation", extra=f"<x:isInvitation>{HUGE}</x:isInvitation>"),
        ],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
    )
    platform.scheduling(F2, [slot(F2, start(), "ordinary-direct")])
    platform.care_contacts(
        2,
        [
            contact(F2, start(), "ordinary-2", source=SYS, status="1"),
            contact(F2, start(), "huge-status-v2", source=SYS, status=HUGE),
            contact(F2, start(), "huge-approved", source=SYS, approved=HUGE, status="1"),
            contact(F2, start(), "huge-nullified", source=SYS, nullified=HUGE, status="1"),
            contact(F2, start(), HUGE, source=HUGE, status="1"),
        ],
        sources=[],
    )
    platform.care_contacts(
        3,
        [
            contact(F2, start(), "ordinary-3", source=SYS),
            contact(F2, start(), "huge-code-v3", source=SYS, status=HUGE),
            contact(F2, start(), "huge-text-v3", source=SYS, status_text=HUGE),
        ],
        sources=[],
    )


def _by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["booking_id"][:20]: a for a in doc["appointments"]}


def test_five_thousand_digit_values_cost_their_own_record_only(platform: Any, collect: Any) -> None:
    _huge_answers(platform)
    result = collect()
    _no_traceback(result)
    assert result.exit_code == 0
    doc = result.doc
    assert {c["outcome"] for c in doc["calls"]} == {"ok"}
    assert doc["summary"]["received"] == 14  # call1 and call3: no relations given
    found = _by_id(doc)
    # The ordinary records are judged as always.
    for ordinary in ("ordinary-1", "ordinary-2", "ordinary-3"):
        assert found[ordinary]["verdict"] == "shown", found[ordinary]
    # Each huge value is that record's own problem, with the finding SPEC §2.1 gives it.
    assert found["huge-start"]["reason"] == "bad_time_format"
    assert found["huge-end"]["reason"] == "bad_time_format"
    assert found["huge-status-v2"]["reason"] == "not_booked_status"
    assert found["huge-code-v3"]["reason"] == "not_booked_status"
    assert found["huge-text-v3"]["reason"] == "not_booked_status"
    assert found["huge-approved"]["reason"] == "not_approved_for_patient"
    assert found["huge-nullified"]["verdict"] == "shown"  # not a boolean: not nullified
    assert found["huge-facility"]["verdict"] == "shown"  # an odd id is still an id
    assert found["huge-invitation"]["invitation"] is False
    assert found["7" * 20]["verdict"] == "shown"
    # ... and the parser says, per record, which value it could not read.
    notes = [n for c in doc["calls"] for n in c["notes"]]
    assert any("careContactStatus '7777" in n and "(5000 characters)" in n for n in notes)
    assert any("approvedForPatient '7777" in n for n in notes)
    assert all(len(n) < 400 for n in notes)  # a 5,000-digit value is never quoted whole


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_huge_values_render_in_every_format(platform: Any, collect: Any, fmt: str) -> None:
    _huge_answers(platform)
    result = collect("-v", fmt=fmt)
    _no_traceback(result)
    assert result.exit_code == 0
    if fmt == "table":
        assert "ordinary-1" in result.stdout and "bad_time_format" in result.stdout
        assert "Summary" in result.stdout or "received" in result.stdout


def test_explain_and_compare_survive_huge_values(platform: Any, runner: CliRunner) -> None:
    _huge_answers(platform)
    base = [PNR, "--base-url", BASE_URL, "--now", NOW, "-r", F2]
    for args in (
        ["explain", *base, "--booking-id", "huge-status-v2"],
        ["explain", *base, "--booking-id", "ordinary-1"],
        ["explain", *base, "--booking-id", HUGE],
        ["compare", *base],
    ):
        for fmt in ("json", "table"):
            result = runner.invoke(app, [*args, "--format", fmt])
            _no_traceback(result)
            assert result.exit_code == 0, (args[0], fmt, result.stdout[-500:])
            if fmt == "json":
                json.loads(result.stdout)


def test_a_capture_of_huge_values_replays_to_the_same_verdicts(
    platform: Any, collect: Any, runner: CliRunner, tmp_path: Path
) -> None:
    _huge_answers(platform)
    capture = tmp_path / "capture.json"
    live = collect("--save-capture", str(capture))
    assert live.exit_code == 0
    replayed = runner.invoke(app, ["replay", str(capture), "--format", "json"])
    _no_traceback(replayed)
    doc = json.loads(replayed.stdout)
    assert_conserved(doc)
    verdicts = [(a["id"], a["verdict"], a["reason"]) for a in doc["appointments"]]
    assert verdicts == [(a["id"], a["verdict"], a["reason"]) for a in live.doc["appointments"]]
    assert PNR not in replayed.stdout and doc["subject_of_care"] == PNR_MASKED


# --- one case costs one case -----------------------------------------------------------------

HOSTILE = "197707070707"  # the batch case whose producers send 5,000-digit values


def _per_citizen(platform: Any) -> None:
    """Answers that depend on the citizen asked about: the hostile one's are huge."""
    import httpx

    from tests.fakeplatform import care_contacts_body, envelope, processing_status
    from tests.fakeplatform import scheduling_body as sched

    def answer(build: Any) -> Any:
        def respond(request: httpx.Request) -> httpx.Response:
            hostile = HOSTILE in request.content.decode()
            return httpx.Response(200, text=build(hostile))

        return respond

    status = processing_status([{"logicalAddress": F1, "statusCode": OK}])
    platform.set(
        "GetSubjectOfCareSchedule",
        AGGREGATOR,
        answer(
            lambda hostile: envelope(
                sched([slot(F1, "20261201100000", "B-1"), slot(F1, HUGE if hostile else None)]),
                status,
            )
        ),
    )
    for version in (2, 3):
        platform.set(
            f"GetCareContacts/{version}",
            AGGREGATOR,
            answer(
                lambda hostile, v=version: envelope(
                    care_contacts_body(
                        v, [contact(F2, "20261202100000", "D-1", status=HUGE if hostile else "1")]
                    )
                )
            ),
        )


def _batch_file(tmp_path: Path, *cases: tuple[str, str]) -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(
        "".join(
            f'[[cases]]\nname = "{name}"\npersonnummer = "{pnr}"\n[cases.expect]\nshown = ["B-1"]\n'
            for name, pnr in cases
        )
    )
    return path


def test_a_batch_with_a_hostile_case_writes_junit_and_a_summary_for_both(
    platform: Any, runner: CliRunner, tmp_path: Path
) -> None:
    _per_citizen(platform)
    junit = tmp_path / "junit.xml"
    path = _batch_file(tmp_path, ("hostile", HOSTILE), ("ordinary", PNR))
    argv = ["batch", str(path), "--base-url", BASE_URL, "--now", NOW, "--junit", str(junit)]
    result = runner.invoke(app, [*argv, "-f", "json"])
    _no_traceback(result)
    assert result.exit_code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert doc["summary"]["cases"] == 2 and doc["summary"]["passed"] == 2
    cases = {c["case"]: c for c in doc["cases"]}
    hostile = cases["hostile"]["result"]
    assert_conserved(hostile)
    reasons = {a["booking_id"]: a["reason"] for a in hostile["appointments"]}
    assert reasons["B-1"] is None and reasons["D-1"] == "not_booked_status"
    assert any(a["reason"] == "bad_time_format" for a in hostile["appointments"])
    suite = _junit_suite(junit)
    assert suite.get("tests") == "2" and suite.get("errors") == "0"
    # The table form of the same batch renders too.
    table = runner.invoke(app, argv)
    _no_traceback(table)
    assert "2 cases: 2 passed" in table.stdout


def _junit_suite(path: Path) -> Any:
    import xml.etree.ElementTree as ET

    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return suite


@pytest.mark.parametrize("where", ["judging", "case document"])
def test_a_bug_in_one_case_fails_that_case_only(
    platform: Any, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """An unexpected exception while judging a case, or while writing its report, is that
    case's `error` (its message masked) and the batch goes on to write JUnit and a summary."""
    from bokade_cli.ops.batch import run as batch_run
    from bokade_cli.output import batchview

    _per_citizen(platform)
    if where == "judging":
        real_judged = batch_run.judged

        def judged(calls: Any, subject: str, *args: Any) -> Any:
            if subject.startswith(HOSTILE[:8]):
                raise ValueError(f"judging broke for {HOSTILE}")
            return real_judged(calls, subject, *args)

        monkeypatch.setattr(batch_run, "judged", judged)
    else:
        real_document = batchview.case_document

        def case_document(r: Any) -> Any:
            if r.digits == HOSTILE and r.result is not None:
                raise ValueError(f"reporting broke for {HOSTILE}")
            return real_document(r)

        monkeypatch.setattr(batchview, "case_document", case_document)
    junit = tmp_path / "junit.xml"
    path = _batch_file(tmp_path, ("hostile", HOSTILE), ("ordinary", PNR))
    for fmt in ("jsonl", "table", "json"):
        argv = ["batch", str(path), "--base-url", BASE_URL, "--now", NOW, "--junit", str(junit)]
        result = runner.invoke(app, [*argv, "-f", fmt])
        assert "Traceback" not in result.stderr
        assert result.exit_code == 1, (fmt, result.stdout, result.stderr)
        assert HOSTILE not in result.stdout + result.stderr
        assert "1 error" in result.stdout or '"error": 1' in result.stdout or fmt == "jsonl"
        suite = _junit_suite(junit)
        assert (suite.get("tests"), suite.get("errors")) == ("2", "1")
        error = suite.find("testcase/error")
        assert error is not None and "broke for 19770707-****" in error.get("message", "")
        assert HOSTILE not in junit.read_text()
        passed = [c for c in suite.iter("testcase") if c.find("error") is None]
        assert [c.get("name") for c in passed] == [f"ordinary [{PNR_MASKED}]"]
