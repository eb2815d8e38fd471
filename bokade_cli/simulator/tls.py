"""The simulator's server-side TLS: its own certificate, and optionally required client certificates."""

from __future__ import annotations

import ssl
from pathlib import Path

from bokade_cli.errors import UsageError


def server_context(
    cert_file: Path, key_file: Path | None, client_ca: Path | None
) -> ssl.SSLContext:
    """HTTPS like the platform's: with `client_ca`, a client certificate it signed is required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(
            f"cannot use {cert_file} as the simulator's certificate: {exc}",
            "Give a PEM certificate with --tls-cert and its key with --tls-key.",
        ) from None
    if client_ca is not None:
        try:
            context.load_verify_locations(cafile=client_ca)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot use {client_ca} as the client CA: {exc}",
                "Give the PEM CA certificate that signed the clients' certificates.",
            ) from None
        context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS, as the platform requires
    return context
