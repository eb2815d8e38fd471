"""Broken and hostile answers: each becomes that call's outcome while the rest still prints."""

from __future__ import annotations

import gzip
import socket
import time
from typing import Any

import httpx
import pytest

from bokade_cli.xmlparse import parse_xml
from tests.fakeplatform import AGGREGATOR, SCHED_R, SOAP, envelope, fault, slot
from tests.helpers import PNR

F1 = "SE2321000016-0001"
FUTURE = "20261201100000"

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<S:Envelope xmlns:S="{SOAP}"><S:Body>&lol3;</S:Body></S:Envelope>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f'<S:Envelope xmlns:S="{SOAP}"><S:Body><r xmlns="{SCHED_R}">&xxe;</r></S:Body></S:Envelope>'
)
PLAIN_DOCTYPE = f'<!DOCTYPE Envelope><S:Envelope xmlns:S="{SOAP}"><S:Body/></S:Envelope>'
DEEP = (
    f'<S:Envelope xmlns:S="{SOAP}"><S:Body>'
    + "<a>" * 5000
    + "</a>" * 5000
    + "</S:Body></S:Envelope>"
)
OK_BODY = f'<r:GetSubjectOfCareScheduleResponse xmlns:r="{SCHED_R}"/>'


def _others_answer(platform: Any) -> None:
    platform.care_contacts(3, [], sources=[])
    platform.care_contacts(2, [], sources=[])


def _call1(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["calls"][0]


@pytest.mark.parametrize(
    ("body", "status", "outcome", "needle"),
    [
        (BILLION_LAUGHS, 200, "invalid_response", "DOCTYPE"),
        (EXTERNAL_ENTITY, 200, "invalid_response", "DOCTYPE"),
        (PLAIN_DOCTYPE, 200, "invalid_response", "DOCTYPE"),
        (DEEP, 200, "invalid_response", "nested deeper"),
        ("<html><body>Service Unavailable</body></html>", 200, "invalid_response", "not a SOAP"),
        ("this is not xml", 200, "invalid_response", "not well-formed"),
        (envelope(OK_BODY)[:-20], 200, "invalid_response", "not well-formed"),
        ("", 200, "invalid_response", "empty"),
        ("Bad Gateway", 502, "http_error", "HTTP 502"),
        (fault("VP009 Error connecting to service producer"), 500, "soap_fault", "VP009"),
        (fault("Producer said no", "soap:Client"), 200, "soap_fault", "Producer said no"),
        (
            envelope("<other xmlns='urn:x'/>"),
            200,
            "invalid_response",
            "not GetSubjectOfCareScheduleResponse",
        ),
    ],
)
def test_broken_answers_become_the_calls_outcome(
    platform: Any, collect: Any, body: str, status: int, outcome: str, needle: str
) -> None:
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, body, status=status)
    _others_answer(platform)
    result = collect()
    assert result.exit_code == 3, result.output
    call1 = _call1(result.doc)
    assert call1["outcome"] == outcome
    assert needle in call1["message"]
    assert "root:" not in result.stdout  # nothing from /etc/passwd
    assert [c["outcome"] for c in result.doc["calls"][1:]] == ["ok", "ok"]


def test_invalid_utf8_is_invalid_response(platform: Any, collect: Any) -> None:
    bad = (
        envelope(OK_BODY)
        .encode()
        .replace(
            b"GetSubjectOfCareScheduleResponse xmlns",
            b"GetSubjectOfCareScheduleResponse \xff xmlns",
            1,
        )
    )
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, httpx.Response(200, content=bad))
    _others_answer(platform)
    result = collect()
    assert _call1(result.doc)["outcome"] == "invalid_response"


def test_a_gzip_bomb_is_stopped_at_the_decoded_size_cap(
    platform: Any, collect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOKADE_MAX_RESPONSE_BYTES", "100000")
    padding = "<!--" + " " * 5_000_000 + "-->"
    bomb = gzip.compress(envelope(OK_BODY + padding).encode())
    assert len(bomb) < 100_000
    # NOTE: a stream, not content=: pytest-httpx reads content once and so spends the decoder.
    gzipped = {"Content-Encoding": "gzip"}
    platform.set(
        "GetSubjectOfCareSchedule",
        AGGREGATOR,
        lambda _r: httpx.Response(200, stream=httpx.ByteStream(bomb), headers=gzipped),
    )
    _others_answer(platform)
    result = collect()
    call1 = _call1(result.doc)
    assert call1["outcome"] == "invalid_response", call1["message"]
    assert "100,000 bytes" in call1["message"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_slow_answer_times_out_within_the_deadline(
    platform: Any, collect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOKADE_TIMEOUT_S", "0.3")
    platform.scheduling(AGGREGATOR, [slot(F1, FUTURE, "late")], sources=[], delay=5)
    _others_answer(platform)
    started = time.monotonic()
    result = collect()
    assert time.monotonic() - started < 3
    assert _call1(result.doc)["outcome"] == "timeout"
    assert result.exit_code == 3


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_nothing_listening_is_a_transport_error_for_every_call(runner: Any) -> None:
    from bokade_cli.cli import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the run: connection refused
    result = runner.invoke(
        app, ["collect", PNR, "--base-url", f"http://127.0.0.1:{port}", "-f", "json", "-v"]
    )
    assert result.exit_code == 4
    import json

    doc = json.loads(result.stdout)
    assert {c["outcome"] for c in doc["calls"]} == {"transport_error"}
    assert "retry 1" in result.stderr  # connection set-up is retried, visibly
    assert "Traceback" not in result.stderr


def test_parse_xml_never_reads_external_files() -> None:
    from bokade_cli.errors import InvalidResponse

    with pytest.raises(InvalidResponse):
        parse_xml(EXTERNAL_ENTITY.encode())
