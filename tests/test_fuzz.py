"""Fuzzing as a habit (issue #11): generated answers and local inputs must never crash bokade.

Answers: parse → judge → render (table and JSON) → explain → compare, asserting that no
exception escapes, every record is accounted for exactly once (conservation), every output is
valid (JSON parses, the table renders), nothing untrusted reaches a terminal raw and no form of
the citizen's number is written. Once through the functions the commands call (many examples),
once through the CLI itself (fewer: each example is a whole command run).

Local inputs (config, batch, relation lists and events, captures): whatever the file holds, the
command ends with a documented exit code and, for an error, one line naming the file; never 70.

A fast profile runs in CI. BOKADE_FUZZ_EXAMPLES=N runs every fuzz test with N examples.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.contracts import CONTRACTS
from bokade_cli.engine.answer import read_answer
from bokade_cli.engine.run import call_result, calls_for_logic
from bokade_cli.output.boundary import Format, Output, View
from bokade_cli.output.documents import collect_document, comparison_document, explanation_document
from bokade_cli.rules import judged
from bokade_cli.support.compare import compare
from bokade_cli.support.explain import Query, explain
from tests.fakeplatform import AGGREGATOR, BASE_URL
from tests.fuzz_answers import PNR, PNR_FORMS, answers
from tests.helpers import NOW, assert_conserved

LONG = int(os.environ.get("BOKADE_FUZZ_EXAMPLES", "0") or 0)


def profile(fast: int) -> settings:
    """`fast` examples in CI; BOKADE_FUZZ_EXAMPLES examples when set (the long profile)."""
    return settings(
        max_examples=LONG or fast,
        deadline=None,
        database=None if not LONG else settings.default.database,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


RELATIONS = ("SE2321000016-0001", "SE2321000016-0002", "SE2321000016-0003")
CONTRACT_OF = {
    "call1": "GetSubjectOfCareSchedule",
    "call2": "GetSubjectOfCareSchedule",
    "call3-v3": "GetCareContacts/3",
    "call3-v2": "GetCareContacts/2",
}
# Never raw in what a terminal shows (SPEC §7), nor in JSON (escaped there).
UNSAFE = ("\u202e", "\u2066", "\u200b", "\u2028", "\u0085", "\x7f", "\x1b", "\r")
NOW_INSTANT = datetime.fromisoformat(NOW)


@st.composite
def all_runs(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str, int, bytes]]]:
    """An `all` run's answers: call1, call2 to each relation facility, call3-v3 and -v2."""
    relations = draw(st.lists(st.sampled_from(RELATIONS), unique=True, max_size=2))
    plan = [("call1", AGGREGATOR)] + [("call2", r) for r in relations]
    plan += [("call3-v3", AGGREGATOR), ("call3-v2", AGGREGATOR)]
    return relations, [(call, address, *draw(answers(CONTRACT_OF[call]))) for call, address in plan]


def _render(kind: str, document: dict[str, Any], fmt: Format) -> str:
    """The document through the one output boundary, as a command writes it."""
    out = Output(fmt, verbose=True)
    out.protect(PNR)
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        out.emit(View(kind, document, verbose=True))
    text = stream.getvalue()
    assert text.strip(), (kind, fmt)
    assert not any(form in text for form in PNR_FORMS), (kind, fmt)
    assert not any(c in text for c in UNSAFE), (kind, fmt, [c for c in UNSAFE if c in text])
    if fmt is Format.json:
        json.loads(text)
    return text


@profile(fast=50)
@given(run=all_runs(), query=st.sampled_from(["first", "r1", "nothing", "facility"]))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_fuzzed_answers_through_parse_judge_render_explain_compare(
    run: tuple[list[str], list[tuple[str, str, int, bytes]]], query: str
) -> None:
    relations, planned = run
    calls = []
    for index, (call, address, status, body) in enumerate(planned):
        contract = CONTRACTS[CONTRACT_OF[call]]
        location = "http://elsewhere.test/x" if 300 <= status < 400 else None
        answer = read_answer(contract, call, index, status, body, location)  # type: ignore[arg-type]
        calls.append(call_result(call, contract, address, answer))  # type: ignore[arg-type]
        event(f"{call}: {answer.outcome}")
    subject = "19121212-1212"
    for logic in ("current", "target", "legacy"):
        result = judged(
            calls_for_logic(calls, relations, logic), subject, logic, NOW_INSTANT, relations
        )  # type: ignore[arg-type]
        document = collect_document(result)
        assert_conserved(json.loads(_render("collect", document, Format.json)))
        if logic == "current":  # the same renderer for every logic: once is enough
            _render("collect", document, Format.table)
    current = judged(
        calls_for_logic(calls, relations, "current"), subject, "current", NOW_INSTANT, relations
    )
    ids = [a.record.booking_id for a in current.appointments if a.record.booking_id]
    asked = {
        "first": Query(booking_id=ids[0]) if ids else Query(booking_id="none"),
        "r1": Query(booking_id="r1"),
        "nothing": Query(booking_id="not-there"),
        "facility": Query(facility=RELATIONS[0]),
    }[query]
    explanation = explanation_document(explain(current, relations, asked))
    _render("explain", explanation, Format.json)
    _render("explain", explanation, Format.table)
    compared = compare(calls, relations, subject, NOW_INSTANT)
    assert_conserved(collect_document(compared.union))
    assert all(any(row.shown_by.values()) for row in compared.rows)
    comparison = comparison_document(compared)
    _render("compare", comparison, Format.json)
    _render("compare", comparison, Format.table)


COMMANDS = [
    ("collect", "json"),
    ("collect", "table"),
    ("explain", "json"),
    ("explain", "table"),
    ("compare", "json"),
    ("compare", "table"),
]


@profile(fast=12)
@given(run=all_runs(), command=st.sampled_from(COMMANDS))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_fuzzed_answers_through_the_cli(
    platform: Any,
    run: tuple[list[str], list[tuple[str, str, int, bytes]]],
    command: tuple[str, str],
) -> None:
    relations, planned = run
    platform.answers.clear()
    for call, address, status, body in planned:
        headers = {"Content-Type": "text/xml; charset=UTF-8"}
        if 300 <= status < 400:
            headers["Location"] = "https://elsewhere.test/x"
        platform.set(
            CONTRACT_OF[call], address, httpx.Response(status, content=body, headers=headers)
        )
    name, fmt = command
    args = [name, PNR, "--base-url", BASE_URL, "--now", NOW, "--format", fmt, "-v"]
    args += [arg for r in relations for arg in ("-r", r)]
    if name == "explain":
        args += ["--booking-id", "r1"]
    result = CliRunner().invoke(app, args)
    written = result.stdout + result.stderr
    assert result.exit_code in (0, 3, 4), (result.exit_code, result.stderr[-2000:])
    assert "Traceback" not in written
    assert not any(form in written for form in PNR_FORMS)
    assert not any(c in written for c in UNSAFE)
    if fmt == "json":
        document = json.loads(result.stdout)
        if name == "collect":
            assert_conserved(document)
    else:
        assert result.stdout.strip()


# --- local inputs ----------------------------------------------------------------------------


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _toml_string(key)


def _toml_string(value: str) -> str:
    escaped = "".join(
        c
        if c.isprintable() and c not in '"\\'
        else f"\\u{ord(c):04x}"
        if ord(c) < 0x10000
        else f"\\U{ord(c):08x}"
        for c in value
    )
    return f'"{escaped}"'


def toml_value(value: Any) -> str:
    """A TOML inline value (the generator's own writer: no TOML writer is a dependency)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if value != value
            else ("inf" if value > 0 else "-inf")
            if value in (float("inf"), float("-inf"))
            else repr(value)
        )
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return value.isoformat()  # date, datetime, time


def toml_document(tables: dict[str, Any]) -> str:
    """Top-level keys, then [table] / [[array]] sections, values inline."""
    lines = []
    for key, value in tables.items():
        if not isinstance(value, dict) and not (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            lines.append(f"{_toml_key(key)} = {toml_value(value)}")
    for key, value in tables.items():
        if isinstance(value, dict):
            lines.append(f"[{_toml_key(key)}]")
            lines += [f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                lines.append(f"[[{_toml_key(key)}]]")
                lines += [f"{_toml_key(k)} = {toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


odd_strings = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["", " ", "\u202e", "../../etc/passwd", "-", "~", "%", "\\", PNR, "19121212-1212"]
    ),
)
scalars = st.one_of(
    odd_strings,
    st.integers(),
    st.integers(-(10**4000), 10**4000),  # readable, but far beyond any sane value
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_strings, inner, max_size=3),
    max_leaves=6,
)


def near(
    known: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """A table of the format's own keys, mostly with good values: most examples get past the
    first check and reach what lies behind it. Now and then a value is anything at all, a
    required key is missing or an unknown key is added."""
    from tests.fuzz_answers import rarely

    @st.composite
    def table(draw: st.DrawFn) -> dict[str, Any]:
        optional = [k for k in known if k not in required]
        chosen = [k for k in required if not draw(rarely(20))]
        chosen += draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
        found = {k: draw(values) if draw(rarely(8)) else draw(known[k]) for k in chosen}
        if draw(rarely(10)):
            found[draw(st.sampled_from(["unknown", "Base_url", "cases"]))] = draw(values)
        return found

    return table()


urls = st.one_of(
    st.sampled_from(
        [
            BASE_URL,
            "http://[::1",
            "https://vp.test:99999",
            "https://vp.test/vp?x=1",
            "https://u:p@vp.test",
            "https://xn--a.test",
            "http://vp.test:0",
            "http://vp.test/\u202e",
        ]
    ),
    odd_strings,
)
paths = st.sampled_from(["/x", "x", "/x?y=1", "/x#f", "/a b", "//", "", "/\u0000", "/%zz"])
PROFILE = {
    "base_url": urls,
    "aggregator_logical_address": st.sampled_from(["5565594230", "", " x "]),
    "timeout_s": st.sampled_from([1, 0.5, 2, 0, -1, float("nan"), float("inf"), 10**400, "5"]),
    "connect_timeout_s": st.sampled_from([1, 0, float("inf")]),
    "max_response_bytes": st.sampled_from([1, 0, 10**30, -5, 1.5]),
    "paths": st.fixed_dictionaries(
        {}, optional={"GetSubjectOfCareSchedule": paths, "GetCareContacts_v2": paths}
    ),
    "consumer_hsa_id": st.sampled_from(["SE2321000016-C001", "", "\u202e"]),
}
configs = st.builds(
    lambda default, profiles: {**default, "profiles": profiles},
    st.fixed_dictionaries({}, optional={"default_profile": st.sampled_from(["t", "u", ""])}),
    st.dictionaries(st.sampled_from(["t", "u", "x y"]), near(PROFILE, ("base_url",)), max_size=2),
)
RELATION = st.sampled_from(
    ["SE2321000016-0001", "se2321000016-0002", "5565594230", "SE2321000016-0003", "SE2321000016-"]
)
EXPECT = {
    "min_shown": st.integers(-2, 5),
    "shown": st.lists(odd_strings, max_size=2),
    "reasons": st.dictionaries(
        odd_strings, st.sampled_from(["start_passed", "shown", "x"]), max_size=2
    ),
    "no_failed_sources": st.booleans(),
    "min_target_readiness": st.one_of(st.floats(0, 1), st.floats()),
}
CASE = {
    "name": odd_strings,
    "personnummer": st.sampled_from([PNR, "19121212-1213", "", "121212-1212"]),
    "relations": st.lists(RELATION, max_size=2),
    "logic": st.sampled_from(["current", "target", "legacy", "all", ""]),
    "expect": near(EXPECT),
}
batches = st.fixed_dictionaries(
    {"cases": st.lists(near(CASE, ("personnummer",)), max_size=2)},
    optional={"defaults": near({k: CASE[k] for k in ("relations", "logic", "expect")})},
)
EVENT = {
    "date": st.one_of(st.dates(), st.datetimes(), odd_strings),
    "facility": RELATION,
    "event": st.sampled_from(
        ["added_to_start_page", "listed", "removed_from_start_page", "approval_withdrawn", "nope"]
    ),
    "note": odd_strings,
}
event_files = st.fixed_dictionaries(
    {"events": st.lists(near(EVENT, ("date", "facility", "event")), max_size=3)}
)
relation_lists = st.lists(
    st.one_of(
        RELATION,
        odd_strings,
        st.sampled_from(["# comment", "SE2321000016-0001 # x", "\ufeffSE2321000016-0001", "a,b"]),
    ),
    max_size=4,
).map(lambda lines: "\n".join(lines))


@st.composite
def spoiled(draw: st.DrawFn, text: str) -> bytes:
    """The file's bytes, sometimes damaged: cut off, junk inserted, huge or deeply nested."""
    how = draw(st.sampled_from(["none"] * 12 + ["cut", "insert", "huge", "deep", "latin1", "crlf"]))
    if how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=5)) + text[at:]
    elif how == "huge":
        text += "\nhuge = " + "9" * 5000 + "\n"
    elif how == "deep":
        text = "deep = " + "[" * 2000 + "]" * 2000 + "\n" + text
    elif how == "crlf":
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8", "surrogatepass")
    if how == "latin1":
        data = text.encode("latin-1", "replace") + b"\xe5\xff"
    return data


_CAPTURE: list[str] = []


def _capture(platform: Any, tmp_path: Path) -> dict[str, Any]:
    """A real capture (made once), its run-to-run variable values fixed: hypothesis needs the
    same document each time to draw its mutations consistently."""
    if not _CAPTURE:
        document = _make_capture(platform, tmp_path)
        for call in document["calls"]:
            call.update(elapsed_ms=0, queued_ms=0, correlation_id="c")
            if call["exchange"]:
                call["exchange"]["correlation_id"] = "c"
        _CAPTURE.append(json.dumps(document))
    loaded: dict[str, Any] = json.loads(_CAPTURE[0])
    return loaded


def _make_capture(platform: Any, tmp_path: Path) -> dict[str, Any]:
    from tests.fakeplatform import contact, slot

    platform.scheduling(AGGREGATOR, [slot("SE2321000016-0001", "20261201100000", "b1")], sources=[])
    platform.care_contacts(
        2, [contact("SE2321000016-0001", "20261202100000", "d1", status="1")], sources=[]
    )
    platform.care_contacts(3, [], sources=[])
    path = tmp_path / "capture.json"
    result = CliRunner().invoke(
        app,
        [
            "collect",
            PNR,
            "--base-url",
            BASE_URL,
            "--now",
            NOW,
            "--save-capture",
            str(path),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0
    return json.loads(path.read_text())


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """The JSON document with a few nodes replaced by odd values (or left alone)."""
    for _ in range(draw(st.integers(0, 3))):
        node, key = document, None
        path = []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(
                st.sampled_from(list(node) if isinstance(node, dict) else list(range(len(node))))
            )
            path.append((node, key))
            node = node[key]
        if path:
            parent, key = path[-1]
            parent[key] = draw(
                st.one_of(
                    st.none(),
                    st.booleans(),
                    st.integers(),
                    st.floats(),
                    odd_strings,
                    st.just("9" * 5000),
                    st.builds(lambda: [[[[]]]]),  # a fresh one each time: mutated in place
                    st.builds(dict),
                    st.just(10**4000),
                )
            )
    return document


KINDS = ["config", "batch", "events", "relations", "capture"]


@profile(fast=50)
@given(data=st.data(), kind=st.sampled_from(KINDS))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_fuzzed_local_inputs_end_with_a_documented_exit_code(
    platform: Any, tmp_path_factory: Any, data: st.DataObject, kind: str
) -> None:
    folder = tmp_path_factory.mktemp("input")
    if kind == "capture":
        text = json.dumps(data.draw(mutated(_capture(platform, folder))), allow_nan=True)
        path = folder / "capture.json"
        args = ["replay", str(path)]
        allowed = {0, 2, 3, 4}
    elif kind == "config":
        text = toml_document(data.draw(configs))
        path = folder / "config.toml"
        args = data.draw(
            st.sampled_from(
                [
                    ["config", "check", "--config", str(path)],
                    ["config", "show", "--config", str(path), "-f", "json"],
                    ["collect", PNR, "--config", str(path), "-r", "SE2321000016-0001"],
                ]
            )
        )
        allowed = {0, 3, 4, 5}
    elif kind == "batch":
        text = toml_document(data.draw(batches))
        path = folder / "cases.toml"
        args = ["batch", str(path), "--base-url", BASE_URL, "--now", NOW]
        allowed = {0, 1, 2, 3, 4}
    elif kind == "events":
        text = toml_document(data.draw(event_files))
        path = folder / "events.toml"
        args = ["relations", "explain", str(path)]
        allowed = {0, 2}
    else:
        text = data.draw(relation_lists)
        path = folder / "relations.txt"
        args = ["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "--relations", str(path)]
        allowed = {0, 2, 3, 4}
    path.write_bytes(data.draw(spoiled(text)))
    stdin = data.draw(st.booleans()) and kind in ("batch", "events", "capture")
    if stdin:
        args = ["-" if a == str(path) else a for a in args]
    result = CliRunner().invoke(app, args, input=path.read_bytes() if stdin else None)
    stderr = result.stderr
    event(f"{kind}: exit {result.exit_code}")
    assert "Traceback" not in stderr and "internal error" not in result.output, result.output[
        -3000:
    ]
    assert result.exit_code in allowed, (result.exit_code, result.output[-3000:])
    if result.exit_code in (2, 5):
        # `config check` also lists problems of the values as a whole ("base_url is not set"):
        # those are findings, not errors about the file's content.
        errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
        if not errors and args[:2] == ["config", "check"]:
            assert "Problem:" in stderr
            return
        if "-f" in args:
            errors = [json.loads(result.stdout)["error"]["message"]]
        assert errors, result.output
        named = "standard input" if stdin else str(path)
        # A value no file sets (no profile, so no base_url) names what is missing instead.
        assert any(named in e or "is set" in e for e in errors), (named, errors)
