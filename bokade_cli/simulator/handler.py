"""The HTTP/1.1 request handler: reads a POST, asks the Simulator, writes the answer with keep-alive."""

from __future__ import annotations

import ssl
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol, cast

from .core import Simulator

_MAX_BODY = 10 * 1024 * 1024  # requests are a few hundred bytes; refuse anything absurd


class SimulatorServer(Protocol):
    """What the handler needs from its server."""

    simulator: Simulator


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: batch runs reuse connections
    server_version = "bokade-simulator"
    sys_version = ""
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK can add
    # 40 ms to every keep-alive answer and ruin the latency the scenario injects.
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection is closed after this long

    @property
    def simulator(self) -> Simulator:
        return cast(SimulatorServer, self.server).simulator

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # The handshake runs here, in the connection's thread, so one slow or broken client
            # cannot hold up the accept loop.
            self.connection.do_handshake()

    def handle(self) -> None:
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            self.close_connection = True  # the client went away or TLS failed: nothing to say

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        try:
            status, headers, payload = self.simulator.handle(body, dict(self.headers.items()))
        except Exception as exc:  # a simulator bug must still produce an answer, not a hang
            status, headers = 500, {"Content-Type": "text/plain; charset=UTF-8"}
            payload = f"simulator error: {type(exc).__name__}: {exc}".encode()
        self._send(status, headers, payload)

    def do_GET(self) -> None:
        self._send(
            405,
            {"Allow": "POST", "Content-Type": "text/plain; charset=UTF-8"},
            b"POST SOAP 1.1 requests here\n",
        )

    do_PUT = do_DELETE = do_PATCH = do_GET

    def do_HEAD(self) -> None:
        self._send(405, {"Allow": "POST"}, b"")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the tool's own output must not be interleaved with per-request logs."""

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self._send(411, {"Content-Type": "text/plain"}, b"Content-Length required\n")
            return None
        if int(length) > _MAX_BODY:
            self.close_connection = True
            self._send(413, {"Content-Type": "text/plain"}, b"request too large\n")
            return None
        return self.rfile.read(int(length))

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > _MAX_BODY:
                self.close_connection = True
                self._send(413, {"Content-Type": "text/plain"}, b"request too large\n")
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(16)

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        if self.simulator.stopped:
            self.close_connection = True
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))  # always: keep-alive needs it
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
