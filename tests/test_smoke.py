"""`bokade smoke` through the CLI: against the simulator over HTTP and over mutual TLS."""

from __future__ import annotations

import json
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.errors import ConfigError
from bokade_cli.ops.smoke.certinfo import parse_der, read_certificate
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from tests.helpers import PNR

SCENARIO = str(Path(__file__).parent / "data" / "batch" / "ops-scenario.toml")
FAILING, SLOW = "197707070707", "198505058514"
HSA_ID = "SE2321000016-B0KD"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(Simulator(load_scenario(SCENARIO))) as running:
        yield running


def _smoke(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, ["smoke", *args])
    assert "Traceback" not in result.output
    return result


def _steps(result: Any) -> dict[str, dict[str, Any]]:
    return {step["step"]: step for step in json.loads(result.stdout)["steps"]}


def _verdicts(result: Any) -> dict[str, str]:
    return {key: step["verdict"] for key, step in _steps(result).items()}


def test_a_healthy_profile_passes_every_step(runner: CliRunner, server: RunningServer) -> None:
    args = ["--base-url", server.base_url, "--pnr", PNR, "--facility", "SE2321000016-D001"]
    result = _smoke(runner, *args, "-f", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert _verdicts(result) == {
        "config": "pass",
        "certificate": "skip",  # plain HTTP: no certificate to check
        "endpoint": "pass",
        "call1": "pass",
        "call2": "pass",
        "call3-v3": "pass",
        "call3-v2": "pass",
    }
    steps = _steps(result)
    assert steps["call1"]["data"]["records"] == 3
    assert "1 of 1 sources answered" in steps["call1"]["detail"]
    assert steps["call2"]["data"]["logical_address"] == "SE2321000016-D001"
    assert json.loads(result.stdout)["passed"] is True


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_failing_producer_warns_behind_the_aggregator_and_fails_a_direct_call(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    junit = tmp_path / "smoke.xml"
    args = ["--base-url", server.base_url, "--pnr", FAILING, "--facility", "SE2321000016-F001"]
    result = _smoke(runner, *args, "-f", "json", "--junit", str(junit))
    assert result.exit_code == 1
    steps = _steps(result)
    assert steps["call1"]["verdict"] == "warn"
    assert "SE2321000016-F001 NoDataSynchFailed" in steps["call1"]["detail"]
    assert "correlation id" in steps["call1"]["hint"]
    assert steps["call2"]["verdict"] == "fail"
    assert steps["call2"]["detail"].startswith("soap_fault: ")
    assert "Booking database unavailable (patient 19770707-****)" in steps["call2"]["detail"]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("7", "1", "1")
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("message", "").startswith("soap_fault: ")
    assert FAILING not in junit.read_text() and FAILING not in result.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_warnings_fail_only_with_strict(runner: CliRunner, server: RunningServer) -> None:
    args = ["--base-url", server.base_url, "--pnr", FAILING]
    assert _smoke(runner, *args).exit_code == 0
    strict = _smoke(runner, *args, "--strict")
    assert strict.exit_code == 1
    assert "FAILED (--strict: warnings count)" in strict.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_slow_producer_is_a_504_source_and_a_direct_timeout(
    runner: CliRunner, server: RunningServer, tmp_path: Path
) -> None:
    config = tmp_path / "bokade.toml"
    config.write_text(f'[profiles.fast]\nbase_url = "{server.base_url}"\ntimeout_s = 0.25\n')
    args = ["--config", str(config), "--pnr", SLOW, "--facility", "SE2321000016-S001", "-f", "json"]
    result = _smoke(runner, *args)
    assert result.exit_code == 1
    steps = _steps(result)
    assert steps["config"]["detail"].startswith("profile fast (the only profile in")
    assert steps["call1"]["verdict"] == "warn" and "504" in steps["call1"]["detail"]
    assert steps["call2"]["verdict"] == "fail"
    assert steps["call2"]["data"]["outcome"] == "timeout"
    assert steps["call2"]["hint"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_ping_for_configuration_without_a_route_is_only_a_warning(
    runner: CliRunner, server: RunningServer
) -> None:
    result = _smoke(runner, "--base-url", server.base_url, "--ping", "SE2321000016-A001")
    assert result.exit_code == 0
    unrouted = "SE2321000016-X999"
    args = ["--base-url", server.base_url, "--ping", unrouted, "-f", "json"]
    verdicts = _verdicts(_smoke(runner, *args))
    assert verdicts[f"ping:{unrouted}"] == "warn"
    # Without --pnr the contracts are not checked: a warning (so --strict fails), never a pass.
    assert {verdicts[k] for k in ("call1", "call2", "call3-v3", "call3-v2")} == {"warn"}
    strict = _smoke(runner, *args, "--strict")
    assert strict.exit_code == 1 and "--pnr" in strict.stdout
    assert "VP004" in result.stdout and "no longer mandatory" in result.stdout


def test_ping_for_configuration_that_answers_passes(runner: CliRunner, httpx_mock: Any) -> None:
    answer = (
        '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
        '<p:PingForConfigurationResponse xmlns:p="urn:riv:itintegration:monitoring:'
        'PingForConfigurationResponder:1"><p:version>2.1</p:version>'
        "<p:pingDateTime>20261126120000</p:pingDateTime></p:PingForConfigurationResponse>"
        "</S:Body></S:Envelope>"
    )
    requests: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, text=answer, headers={"Content-Type": "text/xml"})

    httpx_mock.add_callback(reply)
    with socket.create_server(("127.0.0.1", 0)) as listener:  # the TCP step needs a listener
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        result = _smoke(runner, "--base-url", base_url, "--ping", "SE2321000016-A001", "-f", "json")
    assert result.exit_code == 0, result.output
    step = _steps(result)["ping:SE2321000016-A001"]
    assert step["verdict"] == "pass" and step["data"]["version"] == "2.1"
    request = requests[0]
    assert request.url.path == "/itintegration/monitoring/PingForConfiguration/1/rivtabp21"
    assert "PingForConfiguration" in request.headers["SOAPAction"]
    body = request.content.decode()
    assert ">SE2321000016-A001</" in body and "GetSubjectOfCareScheduleResponder:1" in body


def test_a_broken_config_is_the_failed_first_step(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[profiles.x]\nbase_url = "http://127.0.0.1:1"\ntimout_s = 3\n')
    junit = tmp_path / "smoke.xml"
    result = _smoke(runner, "--config", str(config), "--junit", str(junit), "-f", "json")
    assert result.exit_code == 1
    steps = _steps(result)
    assert steps["config"]["verdict"] == "fail" and "timout_s" in steps["config"]["detail"]
    assert "timeout_s" in steps["config"]["hint"]
    assert {s["verdict"] for k, s in steps.items() if k != "config"} == {"skip"}
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    assert _smoke(runner).exit_code == 1  # no base_url at all


def test_an_unreachable_endpoint_fails_and_skips_the_calls(runner: CliRunner) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _smoke(runner, "--base-url", f"http://127.0.0.1:{port}", "--pnr", PNR, "-f", "json")
    assert result.exit_code == 1
    steps = _steps(result)
    assert steps["endpoint"]["verdict"] == "fail"
    assert steps["endpoint"]["detail"] == "connection refused"
    assert steps["call1"]["verdict"] == "skip"


def test_table_output_has_no_ansi_codes(runner: CliRunner, server: RunningServer) -> None:
    result = _smoke(runner, "--base-url", server.base_url, "--pnr", PNR)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout + result.stderr
    assert (
        "7 steps: 5 passed, 1 warning(s), 0 failed, 1 skipped. PASSED with warnings"
        in result.stdout
    )  # call2 was not checked: no --facility


def test_invalid_pnr_is_a_usage_error(runner: CliRunner) -> None:
    result = _smoke(runner, "--base-url", "http://127.0.0.1:1", "--pnr", "19121212-1213")
    assert result.exit_code == 2 and "check digit" in result.stderr


# --- the client certificate, over mutual TLS ----------------------------------------------


class Pki:
    """A client CA and certificates with a SITHS-like subject; a trustme CA for the server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.ca_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Inera"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Test Function CA"),
            ]
        )
        now = datetime.now(UTC)
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(self.ca_name)
            .issuer_name(self.ca_name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.client_ca = folder / "client-ca.pem"
        self.client_ca.write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))
        self.server_ca = trustme.CA()
        self.server_ca_file = folder / "server-ca.pem"
        self.server_ca.cert_pem.write_to_path(self.server_ca_file)

    def client(self, name: str, days: int, serial: str | None = HSA_ID) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "SE")]
        if serial is not None:
            attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, "bokade smoke åäö"))
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(self.ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=400))
            .not_valid_after(now + timedelta(days=days, hours=1))
            .sign(self.key, hashes.SHA256())
        )
        cert_file, key_file = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_file, key_file

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_ca.issue_cert("127.0.0.1").configure_cert(context)
        context.load_verify_locations(cafile=self.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS, as the platform
        return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_server(pki: Pki) -> Iterator[RunningServer]:
    with serve_in_thread(Simulator(load_scenario(SCENARIO)), ssl_context=pki.server_context()) as s:
        yield s


def _tls_config(tmp_path: Path, url: str, cert: Path, key: Path, ca: Path | None) -> Path:
    config = tmp_path / "tls.toml"
    ca_line = f'ca_file = "{ca}"\n' if ca else ""
    config.write_text(
        f'[profiles.tls]\nbase_url = "{url}"\n[profiles.tls.tls]\n'
        f'cert_file = "{cert}"\nkey_file = "{key}"\n{ca_line}'
    )
    return config


def test_mutual_tls_shows_the_hsa_id_and_the_handshake(
    runner: CliRunner, pki: Pki, tls_server: RunningServer, tmp_path: Path
) -> None:
    cert, key = pki.client("valid", days=400)
    config = _tls_config(tmp_path, tls_server.base_url, cert, key, pki.server_ca_file)
    result = _smoke(runner, "--config", str(config), "--pnr", PNR, "-f", "json")
    assert result.exit_code == 0, result.output
    steps = _steps(result)
    certificate = steps["certificate"]
    assert certificate["verdict"] == "pass"
    assert certificate["data"]["serial_number"] == HSA_ID
    assert certificate["data"]["issuer"] == "C=SE, O=Test Inera, CN=Test Function CA"
    assert certificate["data"]["days_left"] == 400
    assert f"serialNumber {HSA_ID}" in certificate["detail"] and "åäö" in certificate["detail"]
    assert steps["endpoint"]["verdict"] == "pass"
    assert steps["endpoint"]["detail"].startswith("TLSv1.")
    assert steps["call1"]["verdict"] == "pass"  # the platform accepted the client certificate


@pytest.mark.parametrize(
    ("days", "serial", "verdict", "needle"),
    [
        (10, HSA_ID, "warn", "expires within 30 days"),
        (-2, HSA_ID, "fail", "has expired"),
        (400, None, "warn", "serialNumber"),
    ],
)
def test_certificate_expiry_and_missing_serial_number(
    runner: CliRunner,
    pki: Pki,
    tls_server: RunningServer,
    tmp_path: Path,
    days: int,
    serial: str | None,
    verdict: str,
    needle: str,
) -> None:
    cert, key = pki.client(f"c{days}", days=days, serial=serial)
    config = _tls_config(tmp_path, tls_server.base_url, cert, key, pki.server_ca_file)
    result = _smoke(runner, "--config", str(config), "-f", "json")
    step = _steps(result)["certificate"]
    assert step["verdict"] == verdict
    assert needle in step["hint"]
    assert result.exit_code == (1 if verdict == "fail" else 0)


def test_an_untrusted_server_certificate_fails_the_handshake(
    runner: CliRunner, pki: Pki, tls_server: RunningServer, tmp_path: Path
) -> None:
    cert, key = pki.client("valid", days=400)
    config = _tls_config(tmp_path, tls_server.base_url, cert, key, None)  # system roots only
    result = _smoke(runner, "--config", str(config), "--pnr", PNR, "-f", "json")
    assert result.exit_code == 1
    steps = _steps(result)
    assert steps["endpoint"]["verdict"] == "fail"
    assert steps["endpoint"]["detail"].startswith("the server certificate is not trusted")
    assert "tls.ca_file" in steps["endpoint"]["hint"]
    assert steps["call1"]["verdict"] == "skip"


# --- the DER reader behind the certificate step -------------------------------------------


def test_certinfo_agrees_with_cryptography(pki: Pki) -> None:
    cert_file, _ = pki.client("agree", days=3)
    parsed = x509.load_pem_x509_certificate(cert_file.read_bytes())
    info = read_certificate(cert_file)
    assert info.serial_number == HSA_ID
    assert info.common_name == "bokade smoke åäö"
    assert info.not_after == parsed.not_valid_after_utc.replace(microsecond=0)
    assert info.not_before == parsed.not_valid_before_utc.replace(microsecond=0)
    assert [value for _, value in info.issuer] == ["SE", "Test Inera", "Test Function CA"]


def test_certinfo_reads_generalized_time_and_a_combined_file(tmp_path: Path) -> None:
    issued = trustme.CA().issue_cert("client.example")  # valid until the year 3000
    combined = tmp_path / "combined.pem"
    issued.private_key_and_cert_chain_pem.write_to_path(combined)
    info = read_certificate(combined)
    assert info.not_after.year == 3000 and info.serial_number is None
    assert dict(info.subject)["O"].startswith("trustme")


@pytest.mark.parametrize("content", ["not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_certinfo_refuses_what_is_not_a_certificate(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.pem"
    path.write_text(content + "-----END CERTIFICATE-----\n" if "BEGIN" in content else content)
    with pytest.raises(ConfigError) as info:
        read_certificate(path)
    assert info.value.message.startswith("tls.cert_file: ")
    with pytest.raises(ValueError):
        parse_der(b"\x30\x82\xff\xff")
