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


def throwaway_pki(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA, a server certificate for 127.0.0.1/localhost and a client certificate.

    Writes ca.pem, server.pem, server.key, client.pem and client.key into `folder`; returns
    (server cert, server key, CA). Needs the `trustme` package (in the test extra).
    """
    try:
        import trustme
    except ImportError:
        raise UsageError(
            "--tls without --tls-cert needs the trustme package to make test certificates",
            "pip install trustme, or give --tls-cert/--tls-key (and --client-ca) yourself.",
        ) from None
    from bokade_cli.output.files import write_private

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="bokade simulator test CA")
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("bokade-client.test", common_name="SE5565594230-BOKADE")
    # Owner-only like every file bokade writes: throwaway or not, these are private keys.
    for name, blob in (
        ("ca.pem", ca.cert_pem),
        ("server.pem", server.cert_chain_pems[0]),
        ("server.key", server.private_key_pem),
        ("client.pem", client.cert_chain_pems[0]),
        ("client.key", client.private_key_pem),
    ):
        write_private(folder / name, blob.bytes().decode("ascii"), "test certificate file")
    return folder / "server.pem", folder / "server.key", folder / "ca.pem"
