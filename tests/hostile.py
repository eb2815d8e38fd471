"""A hostile platform on loopback: real HTTP, answers of any bytes and headers, by contract.

pytest-httpx cannot send what a broken or hostile server sends (a Location header with C1
controls, a body in UTF-16); this one can, so the tests exercise the real transport.
`rewriting` serves the simulator's own answers with one hostile change made to them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bokade_cli.simulator import Simulator

# (contract, logical address) -> (status, extra headers, body)
Reply = tuple[int, dict[str, str], bytes]
Answer = Callable[[str, str], Reply]
Seen = tuple[dict[str, str], str]  # a request's headers and body

_CONTRACTS = (
    ("GetCareContactsResponder:3", "GetCareContacts/3"),
    ("GetCareContactsResponder:2", "GetCareContacts/2"),
    ("GetSubjectOfCareScheduleResponder", "GetSubjectOfCareSchedule"),
)


def _contract(body: str) -> str:
    return next((name for marker, name in _CONTRACTS if marker in body), "unknown")


@contextmanager
def hostile_server(answer: Answer, seen: list[Seen] | None = None) -> Iterator[str]:
    """Serve `answer(contract, logical_address)` on 127.0.0.1; yields the base URL. Each
    request's headers and body are appended to `seen` if given."""

    def respond(body: bytes, headers: Mapping[str, str]) -> Reply:
        text = body.decode("utf-8", "replace")
        if seen is not None:
            seen.append((dict(headers.items()), text))
        found = re.search(r"LogicalAddress[^>]*>([^<]*)<", text)
        return answer(_contract(text), found.group(1) if found else "")

    with _serving(respond) as url:
        yield url


@contextmanager
def rewriting(simulator: Simulator, rewrite: Callable[[str, str, Reply], Reply]) -> Iterator[str]:
    """The simulator's answers, each passed through `rewrite(contract, logical_address, reply)`:
    a real platform's answer with one hostile change."""

    def respond(body: bytes, headers: Mapping[str, str]) -> Reply:
        text = body.decode("utf-8", "replace")
        found = re.search(r"LogicalAddress[^>]*>([^<]*)<", text)
        reply = simulator.handle(body, headers)
        return rewrite(_contract(text), found.group(1) if found else "", reply)

    simulator.restart()
    with _serving(respond) as url:
        yield url


@contextmanager
def _serving(respond: Callable[[bytes, Mapping[str, str]], Reply]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            status, headers, data = respond(self.rfile.read(length), dict(self.headers))
            self.send_response(status)
            headers = {"Content-Type": "text/xml; charset=UTF-8", **headers}
            for name, value in headers.items():
                self.send_header(name, value)  # latin-1: a C1 control goes out as one byte
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll: shutdown() waits for it, and every test leaves a server behind it.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
