"""The fault matrix through the CLI against real loopback servers: every failure is an outcome.

Each row asserts the call's outcome, the exit code, that no traceback reached stderr and that
the run ended within its deadline.
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.fakeplatform import fault

pytestmark = pytest.mark.slow  # raw loopback servers and real (short) deadlines

PNR = "191212121212"
DEADLINE_S = 0.4  # the profile's timeout_s in these tests: short, the behaviour is the same


class RawServer:
    """A loopback TCP server whose every connection is handled by `behave(conn)`."""

    def __init__(self, behave: Callable[[socket.socket], None], backlog: int = 16) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.behave = behave
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                _read_request(conn)
                self.behave(conn)
            except OSError:
                pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)


def _respond(status: int, body: bytes, extra: str = "") -> Callable[[socket.socket], None]:
    def behave(conn: socket.socket) -> None:
        # Connection: close, as this server does close: no keep-alive reuse of a dead socket.
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n{extra}\r\n"
        )
        conn.sendall(head.encode() + body)

    return behave


def _hang(conn: socket.socket) -> None:
    time.sleep(DEADLINE_S * 4)


def _drip(conn: socket.socket) -> None:
    body = b"<x>" + b" " * 1000 + b"</x>"
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )
    for byte in body:  # a byte every 0.1 s: never a long gap, but far past the deadline
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


def _truncate(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<S:Envelope"
    )


@pytest.fixture
def raw() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(behave: Callable[[socket.socket], None], backlog: int = 16) -> RawServer:
        servers.append(RawServer(behave, backlog))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def run(
    base_url: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str, float]:
    args = ["collect", PNR, "--base-url", base_url, "-f", "json", "-r", "SE2321000016-0001", *extra]
    base = {"BOKADE_TIMEOUT_S": str(DEADLINE_S), "BOKADE_CONNECT_TIMEOUT_S": "0.3"}
    runner = CliRunner(env={**base, **(env or {})})
    started = time.monotonic()
    result = runner.invoke(app, args)
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr, elapsed


def outcomes(doc: dict[str, Any]) -> set[str]:
    return {c["outcome"] for c in doc["calls"]}


@pytest.mark.parametrize(
    ("behave", "outcome", "needle"),
    [
        (_respond(200, b"this is not XML at all"), "invalid_response", "not well-formed"),
        (_respond(200, b""), "invalid_response", "empty"),
        (_truncate, "transport_error", "broke off"),
        (_respond(500, fault("VP004 No Logical Adress found").encode()), "soap_fault", "VP004"),
        (
            _respond(500, fault("Producer database down", "soap:Client").encode()),
            "soap_fault",
            "Producer",
        ),
        (_respond(503, b"<html>busy</html>"), "http_error", "HTTP 503"),
        (
            _respond(200, b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
            "invalid_response",
            "DOCTYPE",
        ),
        (_hang, "timeout", f"within {DEADLINE_S:g} s"),
        (_drip, "timeout", f"within {DEADLINE_S:g} s"),
    ],
)
def test_fault_rows(raw: Callable[..., RawServer], behave: Any, outcome: str, needle: str) -> None:
    server = raw(behave)
    code, doc, _stderr, elapsed = run(server.url)
    assert code == 4
    assert outcomes(doc) == {outcome}
    assert all(needle in c["message"] for c in doc["calls"]), doc["calls"][0]["message"]
    assert elapsed < DEADLINE_S + 2.5  # call1, then call2: two deadlines at most, plus start-up
    assert "root:" not in json.dumps(doc)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>'
)
DEEP = b"<a>" * 100_000 + b"</a>" * 100_000


@functools.cache
def _bomb() -> bytes:
    # 200 MB of spaces inside a comment, about 200 kB on the wire.
    return gzip.compress(b"<x><!--" + b" " * 200_000_000 + b"--></x>", compresslevel=9)


def _gzip_bomb(conn: socket.socket) -> None:
    body = _bomb()
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    conn.sendall(head.encode() + body)


@pytest.mark.parametrize(
    ("behave", "needle"),
    [
        (_respond(200, BILLION_LAUGHS), "DOCTYPE"),
        (_respond(200, DEEP), "nested deeper"),
        (_respond(200, b"<x>\xff\xfe</x>"), "not well-formed"),
        (_respond(200, b"<x>" + b"y" * 3_000_000 + b"</x>"), "larger than 1,000,000 bytes"),
        (_gzip_bomb, "larger than 1,000,000 bytes"),
    ],
)
def test_hostile_answers_are_refused_with_bounded_memory(
    raw: Callable[..., RawServer], behave: Any, needle: str
) -> None:
    import tracemalloc

    _bomb()  # built before the clock starts: compressing 200 MB takes a while
    server = raw(behave)
    tracemalloc.start()
    code, doc, _stderr, elapsed = run(
        server.url, "--logic", "target", env={"BOKADE_MAX_RESPONSE_BYTES": "1000000"}
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert code == 4
    assert outcomes(doc) == {"invalid_response"}
    assert needle in doc["calls"][0]["message"]
    assert peak < 60 * 2**20  # the 200 MB bomb never lands in memory
    assert elapsed < DEADLINE_S + 2


def test_connection_refused_is_retried_then_a_transport_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, doc, stderr, elapsed = run(f"http://127.0.0.1:{port}", "-v")
    assert code == 4 and outcomes(doc) == {"transport_error"}
    assert stderr.count("retry 1") == 4 and stderr.count("retry 2") == 4
    assert elapsed < 3


def test_dns_failure_is_a_transport_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no lookup may leave the machine
    code, doc, _stderr, elapsed = run("http://vp.bokade-test.invalid")
    assert code == 4 and outcomes(doc) == {"transport_error"}
    assert "Name or service not known" in doc["calls"][0]["message"]
    assert elapsed < 3


def test_connect_timeout_when_the_listen_queue_is_full(raw: Callable[..., RawServer]) -> None:
    # A listener that never accepts and whose queue is full drops further SYNs: connect times out.
    blocked = socket.socket()
    blocked.bind(("127.0.0.1", 0))
    blocked.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(blocked.getsockname())
        except BlockingIOError:
            pass
        fillers.append(filler)
    try:
        url = f"http://127.0.0.1:{blocked.getsockname()[1]}"
        code, doc, _stderr, elapsed = run(url)
        assert code == 4
        assert outcomes(doc) <= {"timeout", "transport_error"}
        assert any("connect" in c["message"] or "within" in c["message"] for c in doc["calls"])
        assert elapsed < 2 * DEADLINE_S + 4
    finally:
        for filler in fillers:
            filler.close()
        blocked.close()


def test_every_source_failing_and_no_engagements_through_the_simulator() -> None:
    for name, code, failed in (("all-timeout", 3, 3), ("no-engagements", 0, 0)):
        scenario = load_scenario(name)
        with serve_in_thread(Simulator(scenario)) as server:
            runner = CliRunner()
            result = runner.invoke(
                app, ["collect", scenario.citizen, "--base-url", server.base_url, "-f", "json"]
            )
        doc = json.loads(result.stdout)
        assert result.exit_code == code
        call1 = doc["calls"][0]
        assert call1["outcome"] == "ok"
        assert sum(s["status"] == "NoDataSynchFailed" for s in call1["sources"]) == failed
        assert doc["complete"] is (failed == 0)
