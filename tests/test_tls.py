"""Real mutual TLS against the simulator: the right certificate connects, wrong ones fail clearly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from bokade_cli.simulator.tls import server_context

pytestmark = pytest.mark.slow  # TLS handshakes over loopback

PNR = "191212121212"


@dataclass
class Pki:
    folder: Path
    ca: trustme.CA

    def client(self, name: str, ca: trustme.CA | None = None, **kw: Any) -> tuple[Path, Path]:
        cert = (ca or self.ca).issue_cert(f"{name}.client.test", **kw)
        cert_path, key_path = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        for blob in cert.cert_chain_pems:
            blob.write_to_path(str(cert_path), append=cert_path.exists())
        cert.private_key_pem.write_to_path(str(key_path))
        return cert_path, key_path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return Pki(tmp_path, ca)


@pytest.fixture
def https_server(pki: Pki) -> Iterator[Any]:
    """The demo platform over HTTPS, requiring a client certificate signed by the test CA."""
    server_cert = pki.ca.issue_cert("127.0.0.1", "localhost")
    cert, key = pki.folder / "server.pem", pki.folder / "server.key"
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))
    context = server_context(cert, key, client_ca=pki.folder / "ca.pem")
    with serve_in_thread(Simulator(load_scenario("one-of-three-empty")), ssl_context=context) as s:
        yield s


def _config(pki: Pki, base_url: str, cert: Path | None, key: Path | None, ca: Path | None) -> Path:
    lines = ["[profiles.mtls]", f'base_url = "{base_url}"', "timeout_s = 5", "[profiles.mtls.tls]"]
    for name, value in (("cert_file", cert), ("key_file", key), ("ca_file", ca)):
        if value is not None:
            lines.append(f'{name} = "{value}"')
    path = pki.folder / "bokade.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _collect(config: Path) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["collect", PNR, "--config", str(config), "-f", "json"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_the_right_client_certificate_connects(pki: Pki, https_server: Any) -> None:
    cert, key = pki.client("good")
    code, doc, _ = _collect(_config(pki, https_server.base_url, cert, key, pki.folder / "ca.pem"))
    assert code == 0, doc
    assert {c["outcome"] for c in doc["calls"]} == {"ok"}


def test_patient_traffic_is_never_made_decryptable_by_sslkeylogfile(
    pki: Pki, https_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §7: an environment variable must not make TLS session keys land in a file."""
    keys = pki.folder / "keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keys))
    cert, key = pki.client("good")
    code, _doc, _ = _collect(_config(pki, https_server.base_url, cert, key, pki.folder / "ca.pem"))
    assert code == 0
    assert not keys.exists()


@pytest.mark.parametrize("case", ["no-client-cert", "foreign-ca-client", "expired-client"])
def test_a_missing_wrong_or_expired_client_certificate_fails_with_a_tls_hint(
    pki: Pki, https_server: Any, case: str
) -> None:
    cert = key = None
    if case == "foreign-ca-client":
        cert, key = pki.client("foreign", ca=trustme.CA())
    elif case == "expired-client":
        past = datetime.now(UTC) - timedelta(days=30)
        cert, key = pki.client("expired", not_before=past - timedelta(days=1), not_after=past)
    code, doc, _ = _collect(_config(pki, https_server.base_url, cert, key, pki.folder / "ca.pem"))
    assert code == 4
    for call in doc["calls"]:
        assert call["outcome"] == "transport_error", call["message"]
        assert "TLS" in call["message"] or "SSL" in call["message"].upper()


def test_an_unknown_server_ca_is_refused_and_verification_cannot_be_switched_off(
    pki: Pki, https_server: Any
) -> None:
    cert, key = pki.client("good")
    code, doc, _ = _collect(_config(pki, https_server.base_url, cert, key, ca=None))
    assert code == 4
    assert all("CERTIFICATE_VERIFY_FAILED" in c["message"] for c in doc["calls"])
    path = pki.folder / "off.toml"
    path.write_text(
        f'[profiles.x]\nbase_url = "{https_server.base_url}"\n[profiles.x.tls]\nverify = false\n'
    )
    result = CliRunner().invoke(app, ["collect", PNR, "--config", str(path)])
    assert result.exit_code == 5 and "verify" in result.stderr


def test_missing_certificate_file_is_a_configuration_error(pki: Pki, https_server: Any) -> None:
    config = _config(pki, https_server.base_url, pki.folder / "absent.pem", None, None)
    result = CliRunner().invoke(app, ["collect", PNR, "--config", str(config), "-f", "json"])
    assert result.exit_code == 5
    error = json.loads(result.stdout)["error"]
    assert "tls.cert_file" in error["message"] and error["hint"]


def test_an_empty_certificate_file_is_a_configuration_error(pki: Pki, https_server: Any) -> None:
    empty = pki.folder / "empty.pem"
    empty.write_text("")
    config = _config(pki, https_server.base_url, empty, None, pki.folder / "ca.pem")
    result = CliRunner().invoke(app, ["collect", PNR, "--config", str(config), "-f", "json"])
    assert result.exit_code == 5
    assert "holds no PEM certificate" in json.loads(result.stdout)["error"]["message"]


def test_a_missing_tls_file_names_where_it_was_set(pki: Pki, https_server: Any) -> None:
    config = _config(pki, https_server.base_url, pki.folder / "gone.pem", None, None)
    result = CliRunner().invoke(app, ["collect", PNR, "--config", str(config)])
    assert result.exit_code == 5
    assert (
        f"tls.cert_file: {pki.folder / 'gone.pem'} does not exist (set by --config {config})"
        in result.stderr
    )
