"""A tiny HTTP proxy on 127.0.0.1 for the proxy tests: CONNECT tunnels and forwarded requests.

It forwards only to 127.0.0.1, can require Basic credentials, and records every request line and
Proxy-Authorization header it saw, so a test can tell that traffic went through it (or did not).
"""

from __future__ import annotations

import base64
import selectors
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urlsplit


@dataclass
class ProxyLog:
    lines: list[str] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, line: str, auth: str | None) -> None:
        with self.lock:
            self.lines.append(line)
            self.auth.append(auth)


@dataclass
class RunningProxy:
    url: str  # http://127.0.0.1:PORT (no credentials)
    port: int
    log: ProxyLog

    def with_credentials(self, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}"


def _read_head(rfile: BinaryIO) -> tuple[str, dict[str, str]]:
    line = rfile.readline(65536).decode("latin-1").rstrip("\r\n")
    headers: dict[str, str] = {}
    while True:
        raw = rfile.readline(65536).decode("latin-1").rstrip("\r\n")
        if not raw:
            return line, headers
        name, _, value = raw.partition(":")
        headers[name.strip().lower()] = value.strip()


def _relay(a: socket.socket, b: socket.socket) -> None:
    selector = selectors.DefaultSelector()
    selector.register(a, selectors.EVENT_READ, b)
    selector.register(b, selectors.EVENT_READ, a)
    try:
        while True:
            for key, _ in selector.select(timeout=30):
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    return
                key.data.sendall(data)
    except OSError:
        return
    finally:
        selector.close()


def _make_handler(
    log: ProxyLog, credentials: str | None
) -> type[socketserver.StreamRequestHandler]:
    expected = "Basic " + base64.b64encode(credentials.encode()).decode() if credentials else None

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:
                line, headers = _read_head(self.rfile)
                if not line:
                    return
                auth = headers.get("proxy-authorization")
                log.add(line, auth)
                length = int(headers.get("content-length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                if expected is not None and auth != expected:
                    self.wfile.write(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b'Proxy-Authenticate: Basic realm="test"\r\n'
                        b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    return
                method, target, _version = line.split(" ", 2)
                if method == "CONNECT":
                    host, _, port = target.rpartition(":")
                    if host != "127.0.0.1":
                        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                        return
                    upstream = socket.create_connection((host, int(port)), timeout=10)
                    self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    self.wfile.flush()
                    with upstream:
                        _relay(self.connection, upstream)
                    return
                self._forward(method, target, headers, body)
                return

        def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
            url = urlsplit(target)
            if url.hostname != "127.0.0.1":
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            head = [f"{method} {url.path or '/'} HTTP/1.1"]
            for name, value in headers.items():
                if not name.startswith("proxy-") and name != "connection":
                    head.append(f"{name}: {value}")
            head.append("Connection: close")
            request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
            with socket.create_connection((url.hostname, url.port or 80), timeout=10) as upstream:
                upstream.sendall(request)
                chunks = []
                while data := upstream.recv(65536):
                    chunks.append(data)
            answer = b"".join(chunks)
            top, sep, rest = answer.partition(b"\r\n\r\n")
            kept = [h for h in top.split(b"\r\n") if not h.lower().startswith(b"connection:")]
            self.wfile.write(b"\r\n".join([*kept, b"Connection: close"]) + sep + rest)

    return Handler


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def loopback_proxy(credentials: str | None = None) -> Iterator[RunningProxy]:
    """A proxy on 127.0.0.1 (a free port); `credentials` "user:password" makes it require them."""
    log = ProxyLog()
    server = _Server(("127.0.0.1", 0), _make_handler(log, credentials))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield RunningProxy(f"http://127.0.0.1:{port}", port, log)
    finally:
        server.shutdown()
        server.server_close()
