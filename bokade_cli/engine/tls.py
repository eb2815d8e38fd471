"""Build the client's ssl.SSLContext from the profile's [tls] files: verification always on."""

from __future__ import annotations

import getpass
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bokade_cli.errors import ConfigError

if TYPE_CHECKING:
    from bokade_cli.config import TlsSettings

_TLS_KEYS = ("cert_file", "key_file", "key_password_file", "ca_file")


class _NoPassword(Exception):
    """Raised from the password callback so OpenSSL itself never prompts."""


def _tls_error(key: str, what: str) -> ConfigError:
    env = f"BOKADE_{key.rpartition('.')[2].upper()}"
    return ConfigError(f"{key}: {what}", f"Fix {key} in the profile's [tls] table or {env}.")


def _read_tls_file(path: Path, key: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _tls_error(key, f"cannot read {path} ({exc.strerror})") from None


def build_ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    """A client context that always verifies the server and presents `tls`' certificate."""
    for key in _TLS_KEYS:
        path = getattr(tls, key)
        if path is not None and not path.is_file():
            raise _tls_error(f"tls.{key}", f"{path} does not exist")
    if tls.cert_file is None and (tls.key_file or tls.key_password_file):
        given = "tls.key_file" if tls.key_file else "tls.key_password_file"
        raise _tls_error("tls.cert_file", f"not set, but {given} is")
    # NOTE: not ssl.create_default_context, which honours SSLKEYLOGFILE (it opens that file the
    # moment it builds the context): an environment variable must never make patient traffic
    # decryptable (SPEC §7). PROTOCOL_TLS_CLIENT verifies the server and its host name.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if tls.ca_file is not None:
            context.load_verify_locations(cafile=tls.ca_file)
        else:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    except (ssl.SSLError, OSError) as exc:
        raise _tls_error("tls.ca_file", f"{tls.ca_file} holds no usable CA certificate") from exc
    # Say it again so no later edit can drop it.
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    if tls.cert_file is not None:
        _load_client_cert(context, tls.cert_file, tls.key_file, tls.key_password_file)
    return context


def _load_client_cert(
    context: ssl.SSLContext, cert: Path, key_file: Path | None, password_file: Path | None
) -> None:
    key, key_name = (key_file, "tls.key_file") if key_file else (cert, "tls.cert_file")
    cert_text = _read_tls_file(cert, "tls.cert_file")
    key_text = _read_tls_file(key, key_name)
    password = (
        _read_tls_file(password_file, "tls.key_password_file").strip() if password_file else None
    )
    try:
        # Parse the certificate on its own first: OpenSSL's "PEM lib" error does not say
        # whether the certificate or the key was bad, so a later failure is the key's.
        probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        probe.load_verify_locations(cadata=cert_text.decode("ascii", errors="replace"))
    except (ssl.SSLError, ValueError):  # ValueError: an empty file
        raise _tls_error("tls.cert_file", f"{cert} holds no PEM certificate") from None

    def _password() -> bytes:
        if password is not None:
            return password
        # Only a person at a terminal is asked; never a flag (it would land in shell history).
        if sys.stdin.isatty() and sys.stderr.isatty():
            return getpass.getpass(f"Password for the private key {key}: ").encode()
        raise _NoPassword

    callback: Callable[[], bytes] = _password
    try:
        context.load_cert_chain(cert, key, password=callback)
    except _NoPassword:
        missing = "encrypted, but tls.key_password_file is not set (and no terminal to ask on)"
        raise _tls_error("tls.key_password_file", f"{key} is {missing}") from None
    except ssl.SSLError as exc:
        if exc.reason == "KEY_VALUES_MISMATCH":
            raise _tls_error(key_name, f"{key} does not match the certificate {cert}") from None
        if password is not None and b"ENCRYPTED" in key_text:
            wrong = f"the password in {password_file} does not decrypt {key}"
            raise _tls_error("tls.key_password_file", wrong) from None
        raise _tls_error(key_name, f"{key} holds no usable PEM private key") from None
