"""Smoke's local checks and its step type: the client certificate and the TCP/TLS handshake."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from bokade_cli.config import Profile
from bokade_cli.errors import ConfigError
from bokade_cli.ops.smoke.certinfo import format_name, read_certificate
from bokade_cli.quoting import quote

StepVerdict = Literal["pass", "warn", "fail", "skip"]
EXPIRY_WARNING_DAYS = 30  # SITHS function certificates take weeks to renew: warn early


@dataclass(frozen=True)
class Step:
    key: str  # config, certificate, endpoint, call1, call2, call3-v3, call3-v2, ping:ADDRESS
    title: str
    verdict: StepVerdict
    elapsed_ms: int = 0
    detail: str = ""
    hint: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


TITLES = {
    "config": "configuration",
    "certificate": "client certificate",
    "endpoint": "TCP/TLS handshake",
    "call1": "call1 GetSubjectOfCareSchedule, aggregator",
    "call2": "call2 GetSubjectOfCareSchedule, facility",
    "call3-v3": "call3-v3 GetCareContacts v3, aggregator",
    "call3-v2": "call3-v2 GetCareContacts v2, aggregator",
}


def title(key: str) -> str:
    return TITLES.get(key) or f"PingForConfiguration {key.removeprefix('ping:')}"


def elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def certificate_step(profile: Profile) -> Step:
    """The certificate the platform will see: HSA-id (serialNumber), issuer, days to expiry."""
    started = time.perf_counter()
    name = title("certificate")
    cert_file = profile.tls.cert_file
    if cert_file is None:
        https = urlsplit(profile.base_url or "").scheme == "https"
        if https:
            return Step(
                "certificate",
                name,
                "warn",
                detail="no client certificate configured (tls.cert_file)",
                hint="The platform requires mutual TLS: set tls.cert_file to the SITHS function certificate.",
            )
        return Step("certificate", name, "skip", detail="no client certificate (plain HTTP)")
    try:
        info = read_certificate(cert_file)
    except ConfigError as exc:
        return Step("certificate", name, "fail", elapsed_ms(started), exc.message, exc.hint)
    now = datetime.now(UTC)
    days = info.days_left(now)
    data = {
        "serial_number": info.serial_number,
        "subject": format_name(info.subject),
        "issuer": format_name(info.issuer),
        "not_before": info.not_before.isoformat(),
        "not_after": info.not_after.isoformat(),
        "days_left": days,
    }
    detail = (
        f"serialNumber {info.serial_number or '(none)'}; subject {data['subject']}; "
        f"issuer {data['issuer']}; expires {info.not_after:%Y-%m-%d} ({days} days)"
    )
    verdict: StepVerdict = "pass"
    hint = None
    if now < info.not_before:
        verdict, hint = "fail", f"The certificate is not valid before {info.not_before:%Y-%m-%d}."
    elif now >= info.not_after:
        verdict, hint = "fail", "The certificate has expired: install the renewed one."
    elif info.serial_number is None:
        verdict = "warn"
        hint = "The platform takes the consumer HSA-id from the subject serialNumber (VP002 without it)."
    elif days < EXPIRY_WARNING_DAYS:
        verdict = "warn"
        hint = f"The certificate expires within {EXPIRY_WARNING_DAYS} days: order its renewal now."
    return Step("certificate", name, verdict, elapsed_ms(started), detail, hint, data)


async def endpoint_step(profile: Profile) -> Step:
    """TCP connect and, for https, the TLS handshake with the profile's own context; through
    the profile's proxy (a CONNECT tunnel for https) when it names one."""
    url = urlsplit(profile.base_url or "")
    https = url.scheme == "https"
    host, port = url.hostname or "", url.port or (443 if https else 80)
    via = f" via proxy {_proxy_host(profile.proxy)}" if profile.proxy else ""
    name = f"{'TLS handshake' if https else 'TCP connect'} {host}:{port}{via}"
    started = time.perf_counter()
    try:
        context = _client_context(profile) if https else None
        if profile.proxy:
            connect = _through_proxy(profile.proxy, host, port, context)
        else:
            connect = asyncio.open_connection(
                host, port, ssl=context, server_hostname=host if https else None
            )
        _reader, writer = await asyncio.wait_for(connect, profile.connect_timeout_s)
    except ConfigError as exc:
        return Step("endpoint", name, "fail", elapsed_ms(started), exc.message, exc.hint)
    except ProxyRefused as exc:
        hint = (
            "The proxy wants other credentials: user:password@ in the profile's proxy."
            if exc.status == 407
            else "Ask the proxy's owners whether it may reach the platform's host and port."
        )
        detail = f"the proxy answered {quote(exc.line, 120)} to CONNECT {host}:{port}"
        return Step("endpoint", name, "fail", elapsed_ms(started), detail, hint)
    except (OSError, TimeoutError) as exc:
        detail, hint = _connect_failure(exc, profile)
        return Step("endpoint", name, "fail", elapsed_ms(started), detail, hint)
    elapsed = elapsed_ms(started)
    try:
        if profile.proxy and https and context is None:
            detail = "tunnel open through the https proxy; the contract calls check TLS inside it"
            return Step("endpoint", name, "pass", elapsed, detail)
        return _connected(writer, https, name, elapsed, bool(profile.proxy))
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass  # a server that drops the connection first is not this step's concern


class ProxyRefused(Exception):
    """The proxy answered CONNECT with something other than 2xx."""

    def __init__(self, status: int, line: str) -> None:
        super().__init__(line)
        self.status, self.line = status, line


def _proxy_host(proxy: str | None) -> str:
    parts = urlsplit(proxy or "")
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.hostname}:{parts.port or default}"


async def _through_proxy(
    proxy: str, host: str, port: int, context: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to the proxy; for https open a CONNECT tunnel and do the handshake inside it.

    Inside an https proxy's own TLS the inner handshake is left to the contract calls (asyncio
    does not layer TLS on TLS), so `context` comes back as given and the caller says so.
    """
    import base64
    from urllib.parse import unquote

    parts = urlsplit(proxy)
    outer = None
    if parts.scheme == "https":
        outer = ssl.create_default_context()
        outer.keylog_filename = None  # type: ignore[assignment]
    proxy_host, proxy_port = _proxy_host(proxy).rsplit(":", 1)
    reader, writer = await asyncio.open_connection(
        proxy_host, int(proxy_port), ssl=outer, server_hostname=proxy_host if outer else None
    )
    if context is None:
        return reader, writer  # plain http goes through a forward proxy as it is
    request = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        request += f"Proxy-Authorization: Basic {base64.b64encode(pair.encode()).decode()}\r\n"
    writer.write((request + "\r\n").encode("latin-1"))
    # UTF-8 (bad bytes as U+FFFD), not Latin-1: a number split by a zero-width space read as
    # Latin-1 becomes digits around "â\x80\x8b", a letter the masking cannot see through.
    line = (await reader.readline()).decode("utf-8", "replace").strip()
    while (await reader.readline()).strip():
        pass  # the proxy's headers: nothing in them matters here
    fields = line.split(" ", 2)
    # isascii: int() refuses the superscript digits isdigit() accepts ("²00").
    code = fields[1] if len(fields) > 1 else ""
    status = int(code) if code.isascii() and code.isdigit() else 0
    if not 200 <= status < 300:
        writer.close()
        raise ProxyRefused(status, line)
    if outer is None:
        await writer.start_tls(context, server_hostname=host)
    return reader, writer


def _client_context(profile: Profile) -> ssl.SSLContext:
    from bokade_cli.engine.tls import build_ssl_context

    return build_ssl_context(profile.tls)


def _connected(
    writer: asyncio.StreamWriter, https: bool, name: str, elapsed: int, proxied: bool = False
) -> Step:
    if not https:
        detail = "connected; plain HTTP: no TLS and no client certificate"
        if proxied:
            detail = "connected to the proxy; plain HTTP goes through it unencrypted"
        return Step("endpoint", name, "pass", elapsed, detail)
    tls: ssl.SSLObject | None = writer.get_extra_info("ssl_object")
    try:
        if tls is None:
            raise ValueError("no TLS connection")
        peer = tls.getpeercert() or {}
    except ValueError:
        # NOTE: under TLS 1.3 a server that refuses the client certificate closes the
        # connection just after the client's side of the handshake, and the ssl object can be
        # gone (ValueError "handshake not done yet") before it is read here.
        return Step(
            "endpoint",
            name,
            "fail",
            elapsed,
            "the TLS connection was closed right after the handshake: the server probably "
            "refused the client certificate",
            "Check tls.cert_file/tls.key_file: issued by a CA the platform trusts, valid today.",
        )
    rdns = cast(tuple[tuple[tuple[str, str], ...], ...], peer.get("subject", ()))
    subject = ", ".join(f"{k}={v}" for rdn in rdns for k, v in rdn)
    not_after = peer.get("notAfter")
    days = None
    if isinstance(not_after, str):
        days = int((ssl.cert_time_to_seconds(not_after) - time.time()) // 86400)
    cipher = tls.cipher()
    detail = f"{tls.version()} {cipher[0] if cipher else ''}; server {subject or '(no subject)'}"
    data = {"tls_version": tls.version(), "server_subject": subject, "server_days_left": days}
    if days is not None and days < EXPIRY_WARNING_DAYS:
        hint = "The platform's server certificate expires soon; expect a new CA chain."
        return Step(
            "endpoint", name, "warn", elapsed, f"{detail}; expires in {days} days", hint, data
        )
    return Step("endpoint", name, "pass", elapsed, detail, None, data)


def _connect_failure(exc: BaseException, profile: Profile) -> tuple[str, str]:
    if (
        profile.proxy
        and isinstance(exc, ConnectionRefusedError | TimeoutError | OSError)
        and not (isinstance(exc, ssl.SSLError))
    ):
        return (
            f"cannot connect through the proxy {_proxy_host(profile.proxy)} "
            f"({exc or type(exc).__name__})",
            "Check the profile's proxy (BOKADE_PROXY) and that the proxy is up.",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the server certificate is not trusted: {exc.verify_message}",
            "Set tls.ca_file to the CA that issued the platform's certificate.",
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS handshake failed: {exc.reason or exc}",
            "Check the client certificate and key, and that the endpoint speaks TLS.",
        )
    if isinstance(exc, TimeoutError):
        return (
            f"no connection within {profile.connect_timeout_s:g} s",
            "Check base_url, firewalls on the way and connect_timeout_s.",
        )
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused", "Check base_url's host and port, and that the endpoint is up."
    return f"cannot connect: {exc}", "Check base_url's host name and the network path."
