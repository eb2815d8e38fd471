"""SOAP 1.1 over httpx: envelopes out, parsed trees in, every failure as a typed CallError."""

from __future__ import annotations

import asyncio
import itertools
import math
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import httpx

from bokade_cli.bodies import ACCEPT_ENCODING, read_capped
from bokade_cli.errors import (
    CallError,
    CallTimeout,
    HttpStatusError,
    InvalidResponse,
    SoapFault,
    TransportError,
)
from bokade_cli.vpcodes import fault_hint
from bokade_cli.xmlparse import Node, child, parse_xml, text

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS_REGISTRY = "urn:riv:itintegration:registry:1"
NS_HEADERS = "urn:riv:interoperability:headers:1"

CONNECT_RETRIES = 2  # only connection set-up is retried: the request cannot have reached anyone

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}">'
    "<soapenv:Header>"
    f'<add:LogicalAddress xmlns:add="{NS_REGISTRY}">{{logical_address}}</add:LogicalAddress>'
    "{extra_headers}"
    "</soapenv:Header>"
    "<soapenv:Body>{body}</soapenv:Body>"
    "</soapenv:Envelope>"
)
_ACTOR = (
    f'<hdr:Actor xmlns:hdr="{NS_HEADERS}">'
    "<hdr:actorId>{actor_id}</hdr:actorId><hdr:actorType>subject_of_care</hdr:actorType>"
    "</hdr:Actor>"
)


def build_envelope(logical_address: str, body: str, actor_id: str | None = None) -> bytes:
    """A SOAP envelope with the routing header (no whitespace around the address) and the body."""
    extra = _ACTOR.format(actor_id=escape(actor_id)) if actor_id else ""
    return _ENVELOPE.format(
        logical_address=escape(logical_address.strip()), extra_headers=extra, body=body
    ).encode("utf-8")


@dataclass(frozen=True)
class SoapResponse:
    header: Node
    body: Node
    status_code: int
    elapsed_ms: int


@dataclass(frozen=True)
class Exchange:
    """One request and what came back, for captures and verbose dumps."""

    url: str
    soap_action: str
    correlation_id: str
    request: bytes
    status_code: int | None
    response: bytes | None  # None when nothing came back (timeout, transport error)
    tag: tuple[str, ...] = ()  # the caller's label, e.g. (call id, contract key, logical address)


class SoapClient:
    """The one client of a run (and of every case of a batch), its connections kept alive.

    NOTE: httpcore's connection pool does work quadratic in its connections on every request
    (measured: 3 ms of CPU per request at 10 connections, 14 ms at 50). The client therefore
    spreads calls round-robin over small pools ("shards") of `SHARD_CONNECTIONS` each, created
    as needed and sharing one SSL context, so a batch at concurrency 50 stays network-bound.
    """

    SHARD_CONNECTIONS = 8

    def __init__(
        self,
        *,
        timeout_s: float = 35.0,
        connect_timeout_s: float = 5.0,
        max_response_bytes: int = 20_000_000,
        consumer_hsa_id: str | None = None,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
        on_event: Callable[[str], None] | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_response_bytes = max_response_bytes
        self.consumer_hsa_id = consumer_hsa_id
        self._on_event = on_event or (lambda _msg: None)
        self._on_exchange = on_exchange
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._verify = verify
        self._transport = transport
        self._shards: list[httpx.AsyncClient] = []
        self._shard_count = max(1, math.ceil(max_connections / self.SHARD_CONNECTIONS))
        self._turn = itertools.count()

    def _client(self) -> httpx.AsyncClient:
        index = next(self._turn) % self._shard_count
        while len(self._shards) <= index:
            size = self.SHARD_CONNECTIONS
            self._shards.append(
                httpx.AsyncClient(
                    timeout=self._timeout,
                    verify=self._verify,
                    transport=self._transport,
                    limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                    follow_redirects=False,
                    trust_env=False,
                )
            )
        return self._shards[index]

    async def __aenter__(self) -> SoapClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()

    async def call(
        self, url: str, soap_action: str, envelope: bytes, tag: tuple[str, ...] = ()
    ) -> tuple[SoapResponse, str]:
        """POST one envelope; return the parsed answer and the correlation id, or raise CallError.

        The whole call, dripping responses included, must finish within `timeout_s`.
        """
        correlation_id = str(uuid.uuid4())
        started = time.perf_counter()
        status: int | None = None
        raw: bytes | None = None
        try:
            async with asyncio.timeout(self.timeout_s):
                status, raw = await self._post(url, soap_action, envelope, correlation_id)
        except TimeoutError:
            raise CallTimeout(
                f"no complete answer within {self.timeout_s:g} s",
                "The platform or producer is slow; raise timeout_s or retry later.",
            ) from None
        finally:
            if self._on_exchange is not None:
                exchange = Exchange(url, soap_action, correlation_id, envelope, status, raw, tag)
                self._on_exchange(exchange)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        return interpret(status, raw, elapsed_ms), correlation_id

    async def _post(
        self, url: str, soap_action: str, envelope: bytes, correlation_id: str
    ) -> tuple[int, bytes]:
        headers = {
            "Content-Type": "text/xml; charset=UTF-8",
            "SOAPAction": f'"{soap_action}"',
            "x-skltp-correlation-id": correlation_id,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if self.consumer_hsa_id:
            headers["x-rivta-original-serviceconsumer-hsaid"] = self.consumer_hsa_id
        for attempt in range(CONNECT_RETRIES + 1):
            try:
                async with self._client().stream(
                    "POST", url, content=envelope, headers=headers
                ) as resp:
                    return resp.status_code, await read_capped(resp, self.max_response_bytes)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt == CONNECT_RETRIES:
                    raise _transport_error(exc, url) from None
                delay = 0.1 * 2**attempt
                self._on_event(
                    f"connect to {url} failed ({exc}); retry {attempt + 1} in {delay:g} s"
                )
                await asyncio.sleep(delay)
            except httpx.TimeoutException:
                raise CallTimeout(
                    f"the answer stalled for more than {self.timeout_s:g} s",
                    "The platform or producer is slow; raise timeout_s or retry later.",
                ) from None
            except (httpx.HTTPError, OSError) as exc:
                # NOTE: a TLS alert arriving mid-read can surface as a bare ssl.SSLError.
                raise _transport_error(exc, url) from None
        raise AssertionError("unreachable")


def _transport_error(exc: Exception, url: str) -> CallError:
    reason = str(exc) or type(exc).__name__
    closed = isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError))
    if closed and url.startswith("https:"):
        # NOTE: under TLS 1.3 a server that refuses the client certificate just closes the
        # connection after the handshake; the client sees a bare read error, nothing more.
        return TransportError(
            f"the TLS connection to {url} was closed before any answer ({reason}): "
            "the server probably refused the client certificate",
            "Check tls.cert_file/tls.key_file: the certificate must be issued by a CA the "
            "platform trusts, be valid today and belong to the consumer.",
        )
    if closed:
        return TransportError(
            f"the connection to {url} broke off before the answer was complete ({reason})",
            "The platform or producer closed the connection mid-answer; retry, then report it.",
        )
    if "CERTIFICATE" in reason.upper() or "SSL" in reason.upper():
        return TransportError(
            f"TLS handshake with {url} failed: {reason}",
            "Check tls.ca_file and the client certificate (cert_file/key_file) in the profile.",
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return CallTimeout(
            f"could not connect to {url} in time",
            "Check base_url, the network path and connect_timeout_s.",
        )
    return TransportError(
        f"could not reach {url}: {reason}", "Check base_url and that the endpoint is up."
    )


def interpret(status: int | None, raw: bytes | None, elapsed_ms: int = 0) -> SoapResponse:
    """Classify one HTTP answer: a SOAP fault, an HTTP error, not SOAP at all, or a response."""
    assert status is not None and raw is not None
    try:
        tree = parse_xml(raw)
    except InvalidResponse as exc:
        if status >= 400:
            raise HttpStatusError(
                f"HTTP {status} without a SOAP answer", _http_hint(status)
            ) from None
        raise exc from None
    envelope = child(tree, SOAP_ENV, "Envelope")
    body = child(envelope, SOAP_ENV, "Body")
    if envelope is None or body is None:
        if status >= 400:
            raise HttpStatusError(f"HTTP {status} without a SOAP answer", _http_hint(status))
        raise InvalidResponse(
            "the response is XML but not a SOAP 1.1 envelope",
            "Check that base_url points at the platform's SOAP endpoint.",
        )
    fault = child(body, SOAP_ENV, "Fault")
    if fault is not None:
        # SOAP 1.1 leaves faultcode/faultstring unqualified; some stacks qualify them anyway.
        code = _fault_field(fault, "faultcode") or ""
        message = _fault_field(fault, "faultstring") or "(no faultstring)"
        raise SoapFault(
            f"SOAP fault {code}: {message}".replace("  ", " "), fault_hint(message), code
        )
    if status >= 400:
        raise HttpStatusError(f"HTTP {status} with a SOAP body but no fault", _http_hint(status))
    return SoapResponse(child(envelope, SOAP_ENV, "Header"), body, status, elapsed_ms)


def _http_hint(status: int) -> str:
    if status in (401, 403):
        return "The platform refused the client certificate or consumer; check the profile's tls and consumer_hsa_id."
    if status == 404:
        return "The URL path is wrong; check base_url and the profile's paths."
    if status >= 500:
        return (
            "The platform or producer had an internal error; retry, then report the correlation id."
        )
    return "Unexpected HTTP status; report the correlation id."


def _fault_field(fault: Node, local: str) -> str | None:
    return text(child(fault, "", local)) or text(child(fault, SOAP_ENV, local))
