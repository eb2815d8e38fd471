"""HTTP-level faults named for what they are (review finding 7), through the CLI against raw
loopback servers: an invalid redirect is a redirect, a malformed header line or status line is
named as such, only a real oversized header is "too large", and no message quotes raw bytes
(httpx's `bytearray(b'...\\xe2\\x80\\x8b...')` would show a split number past the masking)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.helpers import PNR
from tests.test_faults import RawServer, _respond, run
from tests.test_trust import assert_no_number, assert_no_number_in_json

pytestmark = pytest.mark.slow  # raw loopback servers

SPLIT = "19121212\u200b1212"  # the test number, split by a zero-width space


@pytest.fixture
def raw() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(behave: Any) -> RawServer:
        servers.append(RawServer(behave))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _sends(data: bytes) -> Callable[[Any], None]:
    return lambda conn: conn.sendall(data)


def _only_outcome(doc: dict[str, Any]) -> dict[str, Any]:
    assert len({(c["outcome"], c["message"]) for c in doc["calls"]}) == 1, doc["calls"]
    return dict(doc["calls"][0])


def _no_raw_bytes_and_no_number(server: RawServer, doc: dict[str, Any]) -> None:
    text = json.dumps(doc, ensure_ascii=False)
    assert "bytearray" not in text and "\\x" not in text
    assert_no_number_in_json(json.dumps(doc), "collect json")
    argv = ["collect", PNR, "--base-url", server.url, "-r", "SE2321000016-0001", "-v"]
    table = CliRunner(env={"BOKADE_TIMEOUT_S": "2"}).invoke(app, argv)
    assert "bytearray" not in table.stdout + table.stderr
    assert_no_number(table.stdout + table.stderr, "collect table")


@pytest.mark.parametrize(
    ("status", "said", "not_said"),
    [
        (304, "HTTP 304 Not Modified, the answer to a conditional request", "redirect"),
        (300, "HTTP 300 without a SOAP answer", "redirect"),
        (305, "HTTP 305 without a SOAP answer", "redirect"),
        (399, "HTTP 399 without a SOAP answer", "redirect"),
        (307, "HTTP 307: a redirect to no Location given, not followed", "Not Modified"),
    ],
)
def test_a_3xx_is_named_for_what_it_is(
    raw: Callable[..., RawServer], status: int, said: str, not_said: str
) -> None:
    """Only 301, 302, 303, 307 and 308 send a client elsewhere; a 304 was reported as "a
    redirect to no Location given" with the redirect hint (review 2, F9)."""
    server = raw(_respond(status, b""))
    code, doc, _stderr, _elapsed = run(server.url)
    assert code == 4
    call = _only_outcome(doc)
    assert call["outcome"] == "http_error"
    assert call["message"].startswith(said), call["message"]
    assert not_said not in call["message"] + call["hint"], call


@pytest.mark.parametrize(
    ("location", "target"),
    [
        ("http://[::1/x", "with an invalid Location"),
        ("http://xn--zz.example/p", "to xn--zz.example"),  # not IDNA: idna raised past httpx
        ("http://\u2603.example/", "to \u2603.example"),
        (f"http://a{SPLIT}.example/", "to a"),
        ("/elsewhere", "to a path on the same server"),
    ],
)
def test_a_redirect_with_an_odd_location_is_still_a_redirect(
    raw: Callable[..., RawServer], location: str, target: str
) -> None:
    server = raw(_respond(302, b"", f"Location: {location}\r\n"))
    code, doc, stderr, _elapsed = run(server.url)
    assert code == 4 and "Traceback" not in stderr
    call = _only_outcome(doc)
    assert call["outcome"] == "http_error"
    assert call["message"].startswith(f"HTTP 302: a redirect {target}")
    assert call["message"].endswith(", not followed")
    assert "never follows redirects" in call["hint"]
    assert "larger than" not in call["message"] and "header" not in call["message"]
    assert_no_number_in_json(json.dumps(doc), "collect json")


def test_a_malformed_header_line_is_named_and_its_bytes_are_not_quoted(
    raw: Callable[..., RawServer],
) -> None:
    head = f"HTTP/1.1 200 OK\r\nX-Patient {SPLIT}\r\nContent-Length: 0\r\n\r\n"
    server = raw(_sends(head.encode()))
    code, doc, _stderr, _elapsed = run(server.url)
    assert code == 4
    call = _only_outcome(doc)
    assert call["outcome"] == "invalid_response"
    assert call["message"].startswith("the answer from 127.0.0.1")
    assert "malformed HTTP header line" in call["message"]
    assert "larger than" not in call["message"] and "certificate" not in call["message"]
    assert "platform's HTTP layer" in call["hint"] and "not of a producer" in call["hint"]
    _no_raw_bytes_and_no_number(server, doc)


@pytest.mark.parametrize(
    "answer",
    [
        f"HTTP/1.1 2OO OK {SPLIT}\r\nContent-Length: 0\r\n\r\n".encode(),
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",  # something that is not an HTTP server
    ],
)
def test_a_malformed_status_line_is_named(raw: Callable[..., RawServer], answer: bytes) -> None:
    server = raw(_sends(answer))
    code, doc, _stderr, _elapsed = run(server.url)
    assert code == 4
    call = _only_outcome(doc)
    assert call["outcome"] == "invalid_response"
    assert "malformed HTTP status line" in call["message"]
    assert "broke off" not in call["message"] and "larger than" not in call["message"]
    assert "port" in call["hint"]
    _no_raw_bytes_and_no_number(server, doc)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{SPLIT}\r\n".encode(),
    ],
)
def test_broken_http_framing_is_named(raw: Callable[..., RawServer], answer: bytes) -> None:
    server = raw(_sends(answer))
    code, doc, _stderr, _elapsed = run(server.url)
    assert code == 4
    call = _only_outcome(doc)
    assert call["outcome"] == "invalid_response"
    assert "Content-Length or chunked encoding" in call["message"]
    _no_raw_bytes_and_no_number(server, doc)


# --- over TLS the same protocol faults must not blame the client certificate ----------------


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("illegal header line: bytearray(b'X-Patient 19121212\\xe2\\x80\\x8b1212')",
         "malformed HTTP header line"),
        ("illegal status line: bytearray(b'HTTP/1.1 2OO OK')", "malformed HTTP status line"),
        ("Receive buffer too long", "larger than the client accepts"),
        ("peer closed connection without sending complete message body "
         "(received 10 bytes, expected 500)", "broke off"),
    ],
)  # fmt: skip
def test_a_protocol_fault_over_tls_is_not_a_refused_certificate(reason: str, words: str) -> None:
    from bokade_cli.engine.failures import transport_error

    error = transport_error(httpx.RemoteProtocolError(reason), "https://vp.test/p")
    assert words in error.message, error.message
    assert "certificate" not in error.message and "certificate" not in error.hint
    assert "bytearray" not in error.message and "1212" not in error.message


def test_a_tls_connection_closed_before_any_answer_still_suspects_the_certificate() -> None:
    from bokade_cli.engine.failures import transport_error

    error = transport_error(
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        "https://vp.test/p",
    )
    assert "refused the client certificate" in error.message
