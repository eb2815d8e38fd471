"""The simulator as a real threaded HTTP/1.1 server on loopback, so the tool's transport is exercised."""

from __future__ import annotations

import errno
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from ..errors import UsageError
from ..quoting import quote
from .core import Simulator
from .handler import Handler

_PORT_HINT = "Pick another --port, or --port 0 to take a free one."


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = (
        1024  # a batch at concurrency 50 opens ~300 at once; dropped SYNs cost 1 s each
    )
    allow_reuse_address = True

    def __init__(
        self, simulator: Simulator, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> None:
        self.simulator = simulator
        self.ssl_context = ssl_context
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host name (getfqdn), which can stall offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = (
            str(self.server_address[0]),
            int(self.server_address[1]),
        )

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: a client that disconnects mid-answer is normal, not worth a traceback."""

    def close_connections(self) -> None:
        """Wake threads blocked reading idle keep-alive connections, so they end and close."""
        with self._lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @classmethod
    def bind(
        cls, simulator: Simulator, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> _Server:
        """The server listening on host:port; UsageError naming the cause when it cannot."""
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if not 0 <= port <= 65535:
            raise UsageError(f"cannot listen on {where}: ports are 0 to 65535", _PORT_HINT)
        try:
            return cls(simulator, host, port, ssl_context)
        except socket.gaierror as exc:
            raise UsageError(
                f"cannot listen on {where}: {quote(host)} is not an address of this machine "
                f"({exc.strerror})",
                "Give --host an IP address of this machine, e.g. 127.0.0.1 (the default).",
            ) from None
        except (OSError, OverflowError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            hint = _PORT_HINT
            if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
                hint = "Give --host an IP address of this machine, e.g. 127.0.0.1 (the default)."
            elif isinstance(exc, PermissionError):
                hint = "Ports below 1024 need privileges; pick another --port, or --port 0."
            raise UsageError(f"cannot listen on {where} ({why})", hint) from None

    @property
    def base_url(self) -> str:
        host = str(self.server_address[0])
        host = f"[{host}]" if ":" in host else host
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{self.server_address[1]}"


class RunningServer:
    """A server started by `serve_in_thread`: its address, and `stop()` (idempotent)."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self._stopped = False
        self.base_url = server.base_url
        self.port = int(server.server_address[1])
        self.simulator = server.simulator

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.simulator.stop()  # first: releases hanging producers and pending latency waits
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve_in_thread(
    simulator: Simulator,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[RunningServer]:
    """Serve in a background thread; leaving the block stops the server, even mid-hang."""
    simulator.restart()
    server = _Server.bind(simulator, host, port, ssl_context)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="bokade-simulator",
        daemon=True,
    )
    thread.start()
    running = RunningServer(server, thread)
    try:
        yield running
    finally:
        running.stop()


def serve_forever(
    simulator: Simulator,
    host: str = "127.0.0.1",
    port: int = 8080,
    ssl_context: ssl.SSLContext | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until KeyboardInterrupt (for `bokade simulator serve`); `on_ready` gets the base URL."""
    server = _Server.bind(simulator, host, port, ssl_context)
    simulator.restart()
    try:
        if on_ready is not None:
            on_ready(server.base_url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
        server.close_connections()
        server.server_close()
