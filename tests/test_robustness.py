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
from tests.fakeplatform import AGGREGATOR, BASE_URL, contact, slot
from tests.helpers import NOW, PNR, PNR_MASKED, assert_conserved

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
    # Quoted as text and cut without leaving part of a digit run (it could be a number's).
    assert any('careContactStatus "..." (5,000 characters)' in n for n in notes)
    assert any('approvedForPatient "..." (5,000 characters)' in n for n in notes)
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


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
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


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
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
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
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


# --- local input: a one-line error naming the file and key, exit 2 or 5, never 70 ------------

HUGE_INT = "1" + "0" * 5000
DEEP_ARRAY = "[" * 3000 + "]" * 3000
DEEP_TABLE = "{a = " * 3000 + "1" + "}" * 3000


def _one_error(result: Any, code: int, *needles: str) -> str:
    """The run failed with `code` and one error (plus its hint), naming each of `needles`."""
    _no_traceback(result)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith(("Error:", "Problem:"))]
    assert len(errors) == 1, result.stderr
    assert all(len(line) < 500 for line in lines)
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"http://[::1"', "is not a valid URL"),
        ('"https://vp.example:99999/vp"', "an invalid port"),
        ('"https://vp.example:-1/vp"', "an invalid port"),
        ('"https://vp.example:19999:80/vp"', "an invalid port"),
        ('"https://xn--a.example/vp"', "(IDNA)"),
        ('"https://vp.example/vp?x=1"', "holds a query"),
        ('"https://vp.example/vp#frag"', "holds a fragment"),
        ('"https://svc:s3cret@vp.example/vp"', "holds user information"),
        (HUGE_INT, "a value beyond what can be read"),
        (DEEP_ARRAY, "nesting too deep"),
        (DEEP_TABLE, "nesting too deep"),
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_unusable_config_file_is_exit_5_naming_file_and_key_in_every_command(
    platform: Any, runner: CliRunner, tmp_path: Path, value: str, why: str
) -> None:
    config = tmp_path / "bokade.toml"
    config.write_text(f"[profiles.t]\nbase_url = {value}\n")
    key = "profiles.t.base_url" if value.startswith('"') else ""
    for args in (
        ["config", "check"],
        ["config", "show"],
        ["config", "show", "--format", "json"],
        ["collect", PNR, "-r", F1],
        ["explain", PNR, "--booking-id", "1"],
        ["compare", PNR],
        ["smoke"],
    ):
        result = runner.invoke(app, [*args, "--config", str(config)])
        if args[-1] == "json":
            _no_traceback(result)
            assert result.exit_code == 5
            error = json.loads(result.stdout)["error"]
            assert why in error["message"] and str(config) in error["message"]
            continue
        if args == ["smoke"]:  # a broken configuration is smoke's failed first step (exit 1)
            _no_traceback(result)
            assert result.exit_code == 1 and why in result.stdout and str(config) in result.stdout
            continue
        _one_error(result, 5, str(config), key, why)
        assert "s3cret" not in result.stderr
    assert platform.requests == []  # no call was ever made to such a URL


@pytest.mark.parametrize(
    "url", ["http://[::1", "https://vp.example:99999", "https://vp.example/vp?x=1", "ftp://vp"]
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_unusable_base_url_from_a_flag_or_the_environment_is_a_config_error(
    platform: Any, runner: CliRunner, url: str
) -> None:
    flagged = runner.invoke(app, ["collect", PNR, "--base-url", url])
    _one_error(flagged, 5, "--base-url")
    env = CliRunner(env={"BOKADE_BASE_URL": url}).invoke(app, ["collect", PNR, "-r", F1])
    _one_error(env, 5, "BOKADE_BASE_URL")
    assert platform.requests == []


def _batch_text(value: str) -> str:
    return f'[[cases]]\nname = "x"\npersonnummer = "{PNR}"\nrelations = {value}\n'


def _events_text(value: str) -> str:
    return f'[[events]]\ndate = {value}\nfacility = "{F1}"\nevent = "added_to_start_page"\n'


LOCAL_INPUTS = {
    # kind: (command prefix (FILE stands for the path), text of an ordinary file with VALUE)
    "batch": (["batch", "FILE", "--base-url", BASE_URL], _batch_text),
    "relation events": (["relations", "explain", "FILE"], _events_text),
    "relations (events form)": (
        ["collect", PNR, "--base-url", BASE_URL, "--relations", "FILE"],
        _events_text,
    ),
    "scenario": (["demo", "--scenario", "FILE"], lambda value: f"description = {value}\n"),
}


@pytest.mark.parametrize("kind", sorted(LOCAL_INPUTS))
@pytest.mark.parametrize(
    ("value", "why"),
    [
        (HUGE_INT, "beyond what can be read"),
        (DEEP_ARRAY, "nesting too deep"),
        (DEEP_TABLE, "nesting too deep"),
        ('"unterminated', "invalid TOML"),
    ],
)
def test_toml_python_cannot_read_is_exit_2_naming_the_file(
    platform: Any, runner: CliRunner, tmp_path: Path, kind: str, value: str, why: str
) -> None:
    args, text = LOCAL_INPUTS[kind]
    path = tmp_path / "input.toml"
    path.write_text(text(value))
    argv = [str(path) if a == "FILE" else a for a in args]
    _one_error(runner.invoke(app, argv), 2, str(path), why)
    # The same bytes on standard input are named as such.
    argv = ["-" if a == "FILE" else a for a in args]
    if kind in ("batch", "relation events"):
        piped = runner.invoke(app, argv, input=text(value))
        _one_error(piped, 2, "standard input", why)
    assert platform.requests == []


@pytest.mark.parametrize("kind", sorted(LOCAL_INPUTS) + ["relations list", "capture", "config"])
@pytest.mark.parametrize("problem", ["missing", "folder", "not UTF-8"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_unreadable_local_file_is_one_line_naming_it(
    platform: Any, runner: CliRunner, tmp_path: Path, kind: str, problem: str
) -> None:
    args = {
        **{k: v[0] for k, v in LOCAL_INPUTS.items()},
        "relations list": ["collect", PNR, "--base-url", BASE_URL, "--relations", "FILE"],
        "capture": ["replay", "FILE"],
        "config": ["collect", PNR, "--config", "FILE"],
    }[kind]
    path = tmp_path / ("input.toml" if "relations" not in kind else "input.txt")
    if problem == "folder":
        path.mkdir()
    elif problem == "not UTF-8":
        path.write_bytes(b"# ok\n\xff\xfe not text\n")
    result = runner.invoke(app, [str(path) if a == "FILE" else a for a in args])
    code = 5 if kind == "config" else 2
    if kind == "scenario" and problem == "missing":
        _one_error(result, 2, str(path))
        return
    why = {"missing": "does not exist", "folder": "folder", "not UTF-8": "not UTF-8"}[problem]
    _one_error(result, code, str(path), why)
    assert platform.requests == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"format": "bokade-capture", "format_version": ' + HUGE_INT + "}", "beyond sane"),
        ('{"format": "bokade-capture", "x": ' + DEEP_ARRAY + "}", "beyond sane"),
        (
            '{"format": "bokade-capture", "format_version": 3, "now": '
            + "[" * 900
            + "]" * 900
            + "}",
            "key 'now'",
        ),
        ("{", "not JSON"),
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_python_cannot_read_is_exit_2(
    runner: CliRunner, tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "capture.json"
    path.write_text(text)
    _one_error(runner.invoke(app, ["replay", str(path)]), 2, str(path), why)
    _one_error(runner.invoke(app, ["replay", "-"], input=text), 2, "standard input", why)


# --- standard output that cannot take the output ---------------------------------------------


def _bokade(*args: str, stdout: Any, stdin: Any = None) -> Any:
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=stdin,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "args",
    [
        ["demo", "-f", "json"],
        ["demo"],
        ["--version"],
        ["--help"],
        ["config", "path"],
        ["config", "show", "-f", "json"],
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_stdout_on_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        process = _bokade(*args, stdout=full)
        _, err = process.communicate(timeout=60)
    stderr = err.decode()
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: cannot write to standard output (No space left on device)"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_batch_on_a_full_disk_still_writes_its_junit_file(tmp_path: Path) -> None:
    from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

    scenario = load_scenario("demo")
    path = tmp_path / "cases.toml"
    path.write_text(f'[[cases]]\npersonnummer = "{scenario.citizen}"\n')
    junit = tmp_path / "junit.xml"
    with serve_in_thread(Simulator(scenario)) as server, open("/dev/full", "w") as full:
        args = ["batch", str(path), "--base-url", server.base_url, "--junit", str(junit)]
        process = _bokade(*args, "-f", "json", stdout=full)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err.decode()
    assert "No space left on device" in err.decode() and "Traceback" not in err.decode()
    assert _junit_suite(junit).get("tests") == "1"


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_closed_pipe_ends_quietly_with_the_runs_own_exit_code(fmt: str) -> None:
    """`bokade demo ... | head -c 100`: the reader goes away; bokade stops writing, says
    nothing and exits with the run's own code (the 1,000 bookings fill any pipe buffer)."""
    import subprocess

    args = ["demo", "--scenario", "1000-bookings", "--format", fmt]
    whole = _bokade(*args, stdout=subprocess.DEVNULL)
    _, whole_err = whole.communicate(timeout=60)
    process = _bokade(*args, stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert len(process.stdout.read(100)) == 100
    process.stdout.close()  # the reader is gone
    _, err = process.communicate(timeout=60)
    assert process.returncode == whole.returncode == 0, err.decode()
    assert err == whole_err == b""  # no traceback, no "Exception ignored", no error line


# --- every diagnosis names what really happened ----------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_named_with_its_target_host_and_never_followed(raw: Any, status: int) -> None:
    from tests.test_faults import _respond, run

    elsewhere = raw(_respond(200, b"<never/>"))
    elsewhere.hits = 0
    original = elsewhere.behave

    def counted(conn: Any) -> None:
        elsewhere.hits += 1
        original(conn)

    elsewhere.behave = counted
    target = f"http://127.0.0.1:{elsewhere.port}/steal"
    server = raw(_respond(status, b"", f"Location: {target}\r\n"))
    code, doc, _stderr, _elapsed = run(server.url, "--logic", "target")
    assert code == 4
    call = doc["calls"][0]
    assert call["outcome"] == "http_error"
    assert (
        call["message"] == f"HTTP {status}: a redirect to 127.0.0.1:{elsewhere.port}, not followed"
    )
    assert "never follows redirects" in call["hint"]
    assert elsewhere.hits == 0


def test_a_redirect_without_location_says_so(raw: Any) -> None:
    from tests.test_faults import _respond, run

    server = raw(_respond(302, b""))
    _code, doc, _stderr, _elapsed = run(server.url, "--logic", "target")
    assert doc["calls"][0]["message"] == "HTTP 302: a redirect to no Location given, not followed"


def test_oversized_headers_blame_the_platforms_http_layer_not_a_producer(raw: Any) -> None:
    from tests.test_faults import _respond, run

    server = raw(_respond(200, b"<x/>", "X-Padding: " + "a" * 10_000_000 + "\r\n"))
    code, doc, _stderr, _elapsed = run(server.url, "--logic", "target")
    assert code == 4
    call = doc["calls"][0]
    assert call["outcome"] == "invalid_response"
    assert "HTTP headers from 127.0.0.1" in call["message"] and "larger than" in call["message"]
    assert "platform's HTTP layer" in call["hint"] and "not of a producer" in call["hint"]
    assert "broke off" not in call["message"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_refused_names_the_host_and_port(raw: Any) -> None:
    import socket

    from tests.test_faults import run

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _code, doc, _stderr, _elapsed = run(f"http://127.0.0.1:{port}", "--logic", "target")
    call = doc["calls"][0]
    assert call["outcome"] == "transport_error"
    assert call["message"] == (
        f"127.0.0.1:{port} refused the connection (Connection refused): "
        "nothing accepts connections on that port"
    )


def test_dns_names_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from tests.test_faults import run

    def no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    _code, doc, _stderr, _elapsed = run("http://vp.bokade-test.invalid", "--logic", "target")
    call = doc["calls"][0]
    assert call["outcome"] == "transport_error"
    assert "the host name in http://vp.bokade-test.invalid" in call["message"]
    assert "cannot be resolved" in call["message"] and "DNS" in call["hint"]


@pytest.fixture
def raw() -> Any:
    from tests.test_faults import RawServer

    servers: list[RawServer] = []

    def start(behave: Any) -> RawServer:
        servers.append(RawServer(behave))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_simulator_serve_on_a_busy_port_is_exit_2_with_a_hint(runner: CliRunner) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["simulator", "serve", "--port", str(port)])
    error = _one_error(result, 2, f"127.0.0.1:{port}", "Address already in use")
    assert error.startswith("Error: cannot listen on")
    assert "--port 0 to take a free one" in result.stderr


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_simulator_serve_on_an_invalid_port_is_exit_2_with_a_hint(
    runner: CliRunner, port: str
) -> None:
    result = runner.invoke(app, ["simulator", "serve", "--port", port])
    _one_error(result, 2, f"127.0.0.1:{port}", "ports are 0 to 65535")
    assert "--port 0 to take a free one" in result.stderr


def test_simulator_serve_on_an_address_not_of_this_machine_is_exit_2(runner: CliRunner) -> None:
    # 192.0.2.1 is TEST-NET-1: never assigned to a machine, so binding fails locally.
    result = runner.invoke(app, ["simulator", "serve", "--host", "192.0.2.1", "--port", "0"])
    _one_error(result, 2, "192.0.2.1:0")
    assert "Give --host an IP address of this machine" in result.stderr


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/vp?x=1", "holds a query"),
        ("/vp#frag", "holds a fragment"),
        ("/v p", "holds a space"),
        ("https://elsewhere.example/vp", "is a whole URL"),
    ],
)
def test_a_contract_path_that_would_change_the_url_is_a_config_error(
    platform: Any, runner: CliRunner, tmp_path: Path, path: str, why: str
) -> None:
    config = tmp_path / "bokade.toml"
    config.write_text(
        f'[profiles.t]\nbase_url = "{BASE_URL}"\n[profiles.t.paths]\nGetSubjectOfCareSchedule = "{path}"\n'
    )
    result = runner.invoke(app, ["collect", PNR, "--config", str(config), "-r", F1])
    _one_error(result, 5, str(config), "profiles.t.paths.GetSubjectOfCareSchedule", why)
    assert platform.requests == []


@pytest.mark.parametrize(
    ("setting", "value", "shown"),
    [
        ("timeout_s", "1" + "0" * 400, "a number of about 401 digits"),  # found by test_fuzz
        ("max_response_bytes", "1" + "0" * 400, None),  # a valid, if absurd, limit
        ("timeout_s", "[" * 200 + "]" * 200, "[[[[... (400 characters)"),
        ("timeout_s", '"' + "x" * 5000 + '"', "(5,000 characters)"),
    ],
)
def test_absurd_config_values_are_short_config_errors(
    platform: Any, runner: CliRunner, tmp_path: Path, setting: str, value: str, shown: str | None
) -> None:
    config = tmp_path / "bokade.toml"
    config.write_text(f'[profiles.t]\nbase_url = "{BASE_URL}"\n{setting} = {value}\n')
    result = runner.invoke(app, ["config", "check", "--config", str(config)])
    if shown is None:
        _no_traceback(result)
        assert result.exit_code == 0
        return
    _one_error(result, 5, str(config), f"profiles.t.{setting}", shown)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("cases = []\n", "no cases"),  # found by test_fuzz: the message said "-"
        ('[[cases]]\npersonnummer = "x"\nlogic = "sideways"\n', "case 1: logic"),
        (
            '[defaults]\nrelations = "SE2321000016-0001"\n[[cases]]\npersonnummer = "x"\n',
            "defaults",
        ),
    ],
)
def test_a_batch_file_on_standard_input_is_named_so(runner: CliRunner, text: str, why: str) -> None:
    result = runner.invoke(app, ["batch", "-", "--base-url", BASE_URL], input=text)
    error = _one_error(result, 2, "standard input", why)
    assert error.startswith("Error: standard input: ")


@pytest.mark.parametrize("now", ['""', '"yesterday"', '"2026-13-01T00:00"', "12"])
def test_a_capture_whose_now_cannot_be_read_names_the_file_and_key(
    platform: Any, collect: Any, runner: CliRunner, tmp_path: Path, now: str
) -> None:
    """Found by test_fuzz (long profile): the message named neither the file nor the key."""
    _huge_answers(platform)
    capture = tmp_path / "capture.json"
    assert collect("--save-capture", str(capture)).exit_code == 0
    document = json.loads(capture.read_text())
    document["now"] = json.loads(now)
    capture.write_text(json.dumps(document))
    result = runner.invoke(app, ["replay", str(capture)])
    _one_error(result, 2, str(capture), "'now'")


@pytest.mark.parametrize("value", [["call1"], {"call": "call1"}, 1, None])
def test_a_capture_whose_call_is_not_text_is_refused_naming_the_entry(
    platform: Any, collect: Any, runner: CliRunner, tmp_path: Path, value: Any
) -> None:
    """Found by test_fuzz: a list there raised TypeError (unhashable) and exited 70."""
    _huge_answers(platform)
    capture = tmp_path / "capture.json"
    assert collect("--save-capture", str(capture)).exit_code == 0
    document = json.loads(capture.read_text())
    document["calls"][1]["call"] = value
    capture.write_text(json.dumps(document))
    _one_error(runner.invoke(app, ["replay", str(capture)]), 2, str(capture), "call 2: key 'call'")
