"""A failed exchange as the call's one diagnosis: what happened, in plain words, and whose it is.

httpx names the failure only coarsely (ConnectError, ReadError, RemoteProtocolError), and its
messages quote protocol bytes raw (`illegal header line: bytearray(b'...')`). The diagnosis
comes from the cause behind the error and the protocol error's kind; messages never quote raw
bytes, which would show a number split by an escaped invisible character past the masking.
"""

from __future__ import annotations

import errno
import os
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from bokade_cli.errors import CallError, CallTimeout, InvalidResponse, TransportError

# NOTE: h11 (httpx's HTTP/1.1 engine) names a protocol fault only in its message; these are
# its words, by the part of the answer they are about.
_STATUS_LINE = ("illegal status line", "no response line received")
_HEADER_LINE = ("illegal header line", "continuation line at start of headers")
_FRAMING = (
    "bad content-length",
    "conflicting content-length",
    "multiple transfer-encoding",
    "only transfer-encoding",
    "illegal chunk header",
)
_CUT_SHORT = ("peer closed connection without sending complete", "peer unexpectedly closed")
_OVERSIZED = "receive buffer too long"  # h11 keeps at most ~100 kB of an unfinished head
_NO_ANSWER = "server disconnected without sending a response"  # httpcore: nothing came back
_PLATFORM_HTTP = (
    "a fault of the platform's HTTP layer, not of a producer: report it to the platform."
)
_RAW_BYTES = re.compile(r":?\s*(?:bytearray\(b|\bb)['\"].*", re.DOTALL)


def transport_error(exc: Exception, url: str) -> CallError:
    """The call's error for an exception from httpx (or the socket below it)."""
    reason = plain(str(exc)) or type(exc).__name__
    where = host(url)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return TransportError(
            f"the URL {url} is not usable ({reason})",
            "Fix base_url or the profile's paths; `bokade config check` shows the problem.",
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        found = _protocol_error(reason, where)
        if found is not None:
            return found
    closed = isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError))
    if closed and url.startswith("https:"):
        # NOTE: under TLS 1.3 a server that refuses the client certificate just closes the
        # connection after the handshake; the client sees a bare read error, nothing more.
        return TransportError(
            f"the TLS connection to {where} was closed before any answer ({reason}): "
            "the server probably refused the client certificate",
            "Check tls.cert_file/tls.key_file: the certificate must be issued by a CA the "
            "platform trusts, be valid today and belong to the consumer.",
        )
    if closed:
        return TransportError(
            f"the connection to {where} broke off before the answer was complete ({reason})",
            "The platform or producer closed the connection mid-answer; retry, then report it.",
        )
    if "CERTIFICATE" in reason.upper() or "SSL" in reason.upper():
        return TransportError(
            f"TLS handshake with {where} failed: {reason}",
            "Check tls.ca_file and the client certificate (cert_file/key_file) in the profile.",
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return CallTimeout(
            f"could not connect to {where} in time",
            "Check base_url, the network path and connect_timeout_s.",
        )
    return _unreachable(exc, reason, where, url)


def _protocol_error(reason: str, where: str) -> CallError | None:
    """An answer that came back but is not HTTP/1.1, by the part that is broken; None when the
    peer only closed the connection (the caller tells a refused certificate from a cut)."""
    said = reason.lower()
    if said.startswith(_STATUS_LINE):
        return InvalidResponse(
            f"the answer from {where} has a malformed HTTP status line: it is not an HTTP/1.1 "
            "answer",
            "Something that does not speak HTTP may answer there: check base_url's scheme and "
            f"port. If they are right, it is {_PLATFORM_HTTP}",
        )
    if said.startswith(_HEADER_LINE):
        return InvalidResponse(
            f"the answer from {where} has a malformed HTTP header line (not `Name: value`)",
            f"The platform sent a broken header, {_PLATFORM_HTTP}",
        )
    if said.startswith(_FRAMING):
        return InvalidResponse(
            f"the answer from {where} has malformed HTTP framing (its Content-Length or chunked "
            "encoding)",
            f"The platform framed its answer wrongly, {_PLATFORM_HTTP}",
        )
    if said.startswith(_OVERSIZED):
        return InvalidResponse(
            f"the answer's HTTP headers from {where} are larger than the client accepts "
            "(about 100 kB)",
            f"The platform sent oversized headers, {_PLATFORM_HTTP}",
        )
    if said.startswith(_CUT_SHORT):
        # The answer had begun: whatever closed it, it was not the TLS handshake.
        return TransportError(
            f"the connection to {where} broke off before the answer was complete ({reason})",
            "The platform or producer closed the connection mid-answer; retry, then report it.",
        )
    if said.startswith(_NO_ANSWER):
        return None
    return InvalidResponse(
        f"the answer from {where} breaks the HTTP/1.1 protocol ({reason})",
        f"The platform's answer is not valid HTTP, {_PLATFORM_HTTP}",
    )


def _unreachable(exc: Exception, reason: str, where: str, url: str) -> CallError:
    """Nothing answered: DNS, refused, no route, or another reason the OS gave."""
    if is_dns_failure(exc):
        found = _root(exc, socket.gaierror)
        return TransportError(
            f"the host name in {url} cannot be resolved ({_why(found) if found else reason})",
            "Check base_url's host name and this machine's DNS.",
        )
    refused = _root(exc, ConnectionRefusedError)
    if refused is not None or "refused" in reason.lower():
        return TransportError(
            f"{where} refused the connection ({_why(refused) if refused else reason}): "
            "nothing accepts connections on that port",
            "Check base_url's host and port, and that the endpoint is up.",
        )
    unreachable = next(
        (
            e
            for e in _causes(exc)
            if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
        ),
        None,
    )
    if unreachable is not None:
        return TransportError(
            f"no network route to {where} ({_why(unreachable)})",
            "Check base_url's host and this machine's network (VPN, firewall).",
        )
    root = next((e for e in _causes(exc) if isinstance(e, OSError) and e.strerror), None)
    return TransportError(
        f"could not reach {where}: {reason}" + (f" ({_why(root)})" if root else ""),
        "Check base_url and that the endpoint is up.",
    )


def plain(message: str) -> str:
    """An error message without the raw bytes httpx and h11 quote (`: bytearray(b'...')`)."""
    return _RAW_BYTES.sub("", message).strip()


INVALID_URL = "(an invalid URL)"
NO_HOST = "(no host)"


def host(url: str) -> str:
    """`host:port` of a URL for messages: INVALID_URL if it cannot be read, NO_HOST if relative."""
    try:
        parts = urlsplit(url)
        name, port = parts.hostname, parts.port
    except ValueError:
        return INVALID_URL
    if not name:
        return NO_HOST
    return f"{name}:{port}" if port else name


def is_dns_failure(exc: BaseException) -> bool:
    if _root(exc, socket.gaierror) is not None:
        return True
    text = str(exc).lower()
    return any(
        marker in text
        for marker in ("name or service not known", "nodename nor servname", "name resolution")
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything behind it (causes, contexts, members of groups), once each.

    NOTE: httpx wraps httpcore, which wraps anyio, whose happy-eyeballs connect says only "All
    connection attempts failed": the real reason (refused, DNS, unreachable) is further down.
    """
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _root(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    return next((e for e in _causes(exc) if isinstance(e, kind)), None)


def _why(exc: BaseException) -> str:
    """An OS error as its text alone ("Connection refused"), not its repr."""
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code > 0 and not isinstance(exc, socket.gaierror):
        return os.strerror(code)  # asyncio sets strerror to "Connect call failed (...)"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
