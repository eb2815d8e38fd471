"""SOAP 1.1 over httpx: envelopes out, parsed trees in, every failure as a typed CallError."""

from __future__ import annotations

import asyncio
import math
import re
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import httpx

from bokade_cli.engine.bodies import ACCEPT_ENCODING, read_capped
from bokade_cli.engine.envelope import (
    SOAP_ENV,
    envelope_notes,
    failed_body_notes,
    fault_notes,
    fault_of,
)
from bokade_cli.engine.failures import (
    INVALID_URL,
    NO_HOST,
    host,
    is_dns_failure,
    plain,
    transport_error,
)
from bokade_cli.engine.vpcodes import fault_hint
from bokade_cli.errors import (
    CallError,
    CallTimeout,
    ConfigError,
    HttpStatusError,
    InvalidResponse,
    SoapFault,
    TransportError,
)
from bokade_cli.xmlparse import Node, child, children, parse_xml

NS_REGISTRY = "urn:riv:itintegration:registry:1"
NS_HEADERS = "urn:riv:interoperability:headers:1"

_HEADER_VALUE = re.compile(r"[\x21-\x7e]+")  # what a header value may hold, and all we send
# What XML 1.0 cannot hold: C0 controls but tab and line breaks, surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
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
    """A SOAP envelope with the routing header (no whitespace around the address) and the body.

    Every value in it was configured or given locally, so one that XML cannot hold (a control
    character, a lone surrogate from undecodable bytes) is a ConfigError, never a request that
    is not well-formed nor a crash. config.py and relations.py refuse such values with their
    origin named; this is the last guard, so it names no value (it is raised inside a call's
    task, and an unretrieved copy may be logged past the output boundary).
    """
    address = logical_address.strip()
    if _NOT_XML.search(address):
        raise _unwritable("the logical address")
    extra = _ACTOR.format(actor_id=escape(actor_id)) if actor_id else ""
    text = _ENVELOPE.format(logical_address=escape(address), extra_headers=extra, body=body)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _unwritable("a value in the request") from None


def _unwritable(what: str) -> ConfigError:
    return ConfigError(
        f"{what} cannot be written into a SOAP request (XML holds no such character)",
        "Fix aggregator_logical_address or the relation list; `bokade config check` names "
        "the problem.",
    )


@dataclass(frozen=True)
class SoapResponse:
    header: Node
    body: Node
    status_code: int
    elapsed_ms: int
    notes: tuple[str, ...] = ()  # what the envelope held beside Header and Body


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
    location: str | None = None  # a redirect's Location header, never followed


@dataclass(frozen=True)
class Posted:
    """What came back for one POST, with the time it waited for a connection kept apart."""

    status_code: int
    body: bytes
    correlation_id: str
    elapsed_ms: int  # from the moment the request could be sent: what the producer cost
    queued_ms: int  # waiting for a free connection of our own pool: not the producer's doing
    location: str | None = None  # a redirect's Location header, never followed


class SoapClient:
    """The one client of a run (and of every case of a batch), its connections kept alive.

    NOTE: httpcore's connection pool does work quadratic in its connections on every request
    (measured: 3 ms of CPU per request at 10 connections, 14 ms at 50). The client therefore
    spreads calls over small pools ("shards") of `SHARD_CONNECTIONS` each, sharing one SSL
    context, so a batch at concurrency 50 stays network-bound.

    A call first takes a slot (at most `max_connections` calls are in flight) and a shard with a
    free connection; only then does its deadline start. So a 1,000-facility fan-out queues in
    our own pool, measured as `queued_ms`, and a producer is never blamed for that wait.
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
        proxy: str | None = None,
    ) -> None:
        if consumer_hsa_id is not None and not _HEADER_VALUE.fullmatch(consumer_hsa_id):
            # Refused here, before any call's task exists: raised from a task, the other
            # calls' copies of this error would go unretrieved.
            raise _unsendable(consumer_hsa_id)
        self.timeout_s = timeout_s
        self._proxy = _proxy(proxy)
        self._secrets = proxy_secrets(proxy)
        self.max_response_bytes = max_response_bytes
        self.consumer_hsa_id = consumer_hsa_id
        self._on_event = on_event or (lambda _msg: None)
        self._on_exchange = on_exchange
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._verify = verify
        self._transport = transport
        capacity = max(1, max_connections)
        self._slots = asyncio.Semaphore(capacity)
        shard_count = max(1, math.ceil(capacity / self.SHARD_CONNECTIONS))
        self._shards: list[httpx.AsyncClient | None] = [None] * shard_count
        self._in_flight = [0] * shard_count

    def _shard(self, index: int) -> httpx.AsyncClient:
        shard = self._shards[index]
        if shard is None:
            size = self.SHARD_CONNECTIONS
            shard = self._shards[index] = httpx.AsyncClient(
                timeout=self._timeout,
                verify=self._verify,
                transport=self._transport,
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                follow_redirects=False,
                event_hooks={"response": [_take_location_aside]},
                # Never a proxy or netrc from the environment (HTTPS_PROXY, ...): patient traffic
                # goes only where the profile says, through its own `proxy` if it names one.
                trust_env=False,
                proxy=self._proxy,
            )
        return shard

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[httpx.AsyncClient]:
        """A free connection of our own pool; the caller waits here, before its deadline runs."""
        async with self._slots:
            # With at most `capacity` calls in flight, the least busy shard has a free connection.
            index = min(range(len(self._in_flight)), key=self._in_flight.__getitem__)
            self._in_flight[index] += 1
            try:
                yield self._shard(index)
            finally:
                self._in_flight[index] -= 1

    async def __aenter__(self) -> SoapClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for shard in self._shards:
            if shard is not None:
                await shard.aclose()

    async def post(
        self,
        url: str,
        soap_action: str,
        envelope: bytes,
        tag: tuple[str, ...] = (),
        *,
        on_sent: Callable[[], None] | None = None,
    ) -> Posted:
        """POST one envelope and return what came back, or raise CallError (with `queued_ms`).

        The call's deadline (`timeout_s`, dripping answers included) starts once it has a
        connection slot; the time spent waiting for one is reported apart.
        """
        correlation_id = str(uuid.uuid4())
        arrived = time.perf_counter()
        started = arrived
        status: int | None = None
        raw: bytes | None = None
        location: str | None = None
        try:
            async with self._slot() as shard:
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(self.timeout_s):
                        status, raw, location = await self._post(
                            shard, url, soap_action, envelope, correlation_id, on_sent
                        )
                except TimeoutError:
                    raise CallTimeout(
                        f"no complete answer within {self.timeout_s:g} s of sending the request",
                        "The platform or producer is slow; raise timeout_s or retry later.",
                    ) from None
        except CallError as exc:
            exc.queued_ms = _ms(started - arrived)
            exc.message, exc.hint = self._redact(exc.message), self._redact(exc.hint)
            raise
        finally:
            if self._on_exchange is not None:
                self._on_exchange(
                    Exchange(url, soap_action, correlation_id, envelope, status, raw, tag, location)
                )
        assert status is not None and raw is not None
        elapsed, queued = _ms(time.perf_counter() - started), _ms(started - arrived)
        return Posted(status, raw, correlation_id, elapsed, queued, location)

    def _failure(self, exc: Exception, url: str) -> CallError:
        """A transport failure as the call's error, naming the proxy when it was the proxy."""
        if self._proxy is None:
            return transport_error(exc, url)
        proxy = host(str(self._proxy.url))
        if isinstance(exc, httpx.ProxyError):
            return TransportError(
                f"the proxy {proxy} refused to open a tunnel to {host(url)} ({plain(str(exc))})",
                "A 407 means the proxy wants other credentials (user:password@ in `proxy`); "
                "otherwise ask the proxy's owners whether it may reach the platform.",
            )
        tls = any(word in str(exc).upper() for word in ("SSL", "CERTIFICATE", "TLS"))
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) and not tls:
            return TransportError(
                f"could not reach the proxy {proxy} ({plain(str(exc)) or type(exc).__name__})",
                "Check the profile's proxy (BOKADE_PROXY) and that the proxy is up.",
            )
        return transport_error(exc, url)

    def _redact(self, text: str) -> str:
        """A message without the proxy's credentials (httpx may quote the proxy URL)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def call(
        self, url: str, soap_action: str, envelope: bytes, tag: tuple[str, ...] = ()
    ) -> tuple[SoapResponse, str]:
        """post() and interpret(): the parsed answer and the correlation id, or CallError."""
        posted = await self.post(url, soap_action, envelope, tag)
        response = interpret(posted.status_code, posted.body, posted.elapsed_ms, posted.location)
        return response, posted.correlation_id

    async def _post(
        self,
        shard: httpx.AsyncClient,
        url: str,
        soap_action: str,
        envelope: bytes,
        correlation_id: str,
        on_sent: Callable[[], None] | None = None,
    ) -> tuple[int, bytes, str | None]:
        headers = {
            "Content-Type": "text/xml; charset=UTF-8",
            "SOAPAction": f'"{soap_action}"',
            "x-skltp-correlation-id": correlation_id,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if self.consumer_hsa_id:
            headers["x-rivta-original-serviceconsumer-hsaid"] = self.consumer_hsa_id
        extensions = {"trace": _sent_trace(on_sent)} if on_sent is not None else None
        for attempt in range(CONNECT_RETRIES + 1):
            try:
                async with shard.stream(
                    "POST", url, content=envelope, headers=headers, extensions=extensions
                ) as resp:
                    location = resp.extensions.get(_LOCATION)
                    body = await read_capped(resp, self.max_response_bytes)
                    return resp.status_code, body, location
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt == CONNECT_RETRIES or is_dns_failure(exc):
                    raise self._failure(exc, url) from None
                delay = 0.1 * 2**attempt
                self._on_event(
                    f"connect to {url} failed ({plain(str(exc))}); retry {attempt + 1} in {delay:g} s"
                )
                await asyncio.sleep(delay)
            except UnicodeEncodeError:
                # A header httpx cannot encode (not ASCII): only configured values go into the
                # headers, so the configuration is at fault, never the network. config.py and
                # __init__ refuse such values; this is the last guard.
                raise _unsendable(self.consumer_hsa_id) from None
            except httpx.TimeoutException:
                raise CallTimeout(
                    f"the answer stalled for more than {self.timeout_s:g} s",
                    "The platform or producer is slow; raise timeout_s or retry later.",
                ) from None
            except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
                # NOTE: a TLS alert arriving mid-read can surface as a bare ssl.SSLError.
                raise self._failure(exc, url) from None
        raise AssertionError("unreachable")


def _unsendable(consumer_hsa_id: str | None) -> ConfigError:
    """The configuration error for a request whose headers cannot be sent as configured."""
    if consumer_hsa_id is not None and not _HEADER_VALUE.fullmatch(consumer_hsa_id):
        return ConfigError(
            "consumer_hsa_id cannot be sent as an HTTP header (only visible ASCII is allowed "
            "in a header value)",
            "Fix consumer_hsa_id in the profile or BOKADE_CONSUMER_HSA_ID; "
            "`bokade config check` names the problem.",
        )
    return ConfigError(
        "the request's HTTP headers cannot be sent as configured (only ASCII is allowed in a "
        "header value)",
        "Run `bokade config check`, which names a value that cannot be sent.",
    )


def _sent_trace(on_sent: Callable[[], None]) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """An httpcore trace hook that reports the moment the request body is fully sent."""

    async def trace(event: str, _info: dict[str, Any]) -> None:
        if event == "http11.send_request_body.complete":
            on_sent()

    return trace


_LOCATION = "bokade.location"  # where a redirect's Location waits, out of httpx's sight


async def _take_location_aside(response: httpx.Response) -> None:
    """Move a redirect's Location header out of the headers into the response's extensions.

    NOTE: httpx builds the redirect request for every 3xx with a Location even when it is not to
    follow it, so an invalid Location (`http://[::1/x`, a host IDNA refuses) failed the whole
    exchange, as a protocol error or an idna exception httpx does not wrap. bokade never follows
    a redirect; it only names where it pointed (interpret()), so httpx never needs to see it.
    """
    if response.is_redirect and "location" in response.headers:
        response.extensions[_LOCATION] = _utf8_header(response.headers, "location")
        del response.headers["location"]


def _utf8_header(headers: httpx.Headers, name: str) -> str:
    """A header's value read as UTF-8, a byte that is not as U+FFFD.

    NOTE: httpx reads a whole header as Latin-1 once one byte of it is not UTF-8, so a zero-width
    space between the digits of a number read as "\xe2\x80\x8b", a letter and two controls: no
    form of the number the output boundary masks, though anyone could read it (review 2, F8).
    """
    raw = b", ".join(value for key, value in headers.raw if key.lower() == name.encode())
    return raw.decode("utf-8", errors="replace")  # repeated, joined as httpx joins them


def _proxy(url: str | None) -> httpx.Proxy | None:
    """The profile's proxy; an https proxy is verified against the system's CA store."""
    if url is None:
        return None
    if not url.lower().startswith("https:"):
        return httpx.Proxy(url)
    context = ssl.create_default_context()
    context.keylog_filename = None  # type: ignore[assignment]  # SSLKEYLOGFILE is never honoured
    return httpx.Proxy(url, ssl_context=context)


def proxy_secrets(url: str | None) -> list[str]:
    """The credentials in a proxy URL, as written and decoded, longest first."""
    from urllib.parse import unquote

    if not url:
        return []
    userinfo = urlsplit(url).netloc.rpartition("@")[0]
    if not userinfo:
        return []
    user, _, password = userinfo.partition(":")
    found = {userinfo, unquote(userinfo), password, unquote(password)}
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def interpret(
    status: int | None, raw: bytes | None, elapsed_ms: int = 0, location: str | None = None
) -> SoapResponse:
    """Classify one HTTP answer: a redirect, a SOAP fault, an HTTP error, not SOAP, or a response."""
    assert status is not None and raw is not None
    if 300 <= status < 400:
        raise _not_followed(status, location)
    try:
        tree = parse_xml(raw)
    except InvalidResponse as exc:
        if status >= 400:
            raise HttpStatusError(
                f"HTTP {status} without a SOAP answer", _http_hint(status)
            ) from None
        raise exc from None
    envelope = child(tree, SOAP_ENV, "Envelope")
    _one_each(envelope)
    body = child(envelope, SOAP_ENV, "Body")
    if envelope is None or body is None:
        if status >= 400:
            raise HttpStatusError(f"HTTP {status} without a SOAP answer", _http_hint(status))
        raise InvalidResponse(
            "the response is XML but not a SOAP 1.1 envelope",
            "Check that base_url points at the platform's SOAP endpoint.",
        )
    notes = envelope_notes(envelope)
    fault = fault_of(body)
    if fault is not None:
        # NOTE: a fault fails the whole call, as it does for 1177 (its SOAP stack throws and
        # shows nothing of the call): a response beside it is received but not read.
        notes += fault_notes(body) + failed_body_notes(
            body, "a Fault beside it fails the call, and 1177 shows nothing of a failed call"
        )
        message = fault.message or "(no faultstring)"
        raise SoapFault(
            f"SOAP fault {fault.code}: {message}".replace("  ", " "),
            fault_hint(message),
            fault.code,
            notes=tuple(notes),
        )
    if status >= 400:
        notes += failed_body_notes(
            body, f"HTTP {status} fails the call, and 1177 shows nothing of a failed call"
        )
        raise HttpStatusError(
            f"HTTP {status} with a SOAP body but no fault", _http_hint(status), notes=tuple(notes)
        )
    return SoapResponse(child(envelope, SOAP_ENV, "Header"), body, status, elapsed_ms, tuple(notes))


_REDIRECTS = (301, 302, 303, 307, 308)  # the 3xx that send a client elsewhere (RFC 9110)


def _not_followed(status: int, location: str | None) -> HttpStatusError:
    """A 3xx answer named for what it is: a redirect (never followed), or a status that only
    shares its first digit with one (304, 300 without a choice, 305, unassigned codes)."""
    if status in _REDIRECTS:
        return HttpStatusError(
            f"HTTP {status}: a redirect {_redirect_target(location)}, not followed",
            "bokade never follows redirects (a certificate and a personnummer go to base_url "
            "only): point base_url at the platform's endpoint itself.",
        )
    if status == 304:
        # NOTE: 304 answers a conditional request (If-None-Match, If-Modified-Since); bokade
        # sends none, so a cache or proxy on the way answered for the platform.
        return HttpStatusError(
            "HTTP 304 Not Modified, the answer to a conditional request, which bokade never "
            "makes: no SOAP answer",
            "A cache or proxy between bokade and the platform probably answered in its place; "
            "check base_url and the proxy, and report the correlation id to whoever runs them.",
        )
    return HttpStatusError(f"HTTP {status} without a SOAP answer", _http_hint(status))


def _redirect_target(location: str | None) -> str:
    if not location:
        return "to no Location given"
    where = host(location)
    if where == INVALID_URL:
        return "with an invalid Location"
    return "to a path on the same server" if where == NO_HOST else f"to {where}"


def _one_each(envelope: Node) -> None:
    """SOAP 1.1 gives an envelope one Header at most and one Body: reading only the first of
    two would drop the second's records without a word, so such an answer is refused."""
    for part in ("Header", "Body"):
        found = children(envelope, SOAP_ENV, part)
        if len(found) > 1:
            raise InvalidResponse(
                f"the SOAP envelope holds {len(found)} {part} elements; SOAP 1.1 allows one",
                "The producer or platform sent a broken answer; report it with the correlation id.",
            )


def _http_hint(status: int) -> str:
    if status == 407:
        return "The proxy wants credentials: put them in the profile's proxy as user:password@."
    if status in (401, 403):
        return "The platform refused the client certificate or consumer; check the profile's tls and consumer_hsa_id."
    if status == 404:
        return "The URL path is wrong; check base_url and the profile's paths."
    if status >= 500:
        return (
            "The platform or producer had an internal error; retry, then report the correlation id."
        )
    return "Unexpected HTTP status; report the correlation id."
