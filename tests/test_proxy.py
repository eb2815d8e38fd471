"""The egress proxy: only the profile's `proxy` (or BOKADE_PROXY) is used, never HTTP(S)_PROXY;
its credentials are redacted in every output; collect, config and smoke go through it.

The proxy is a real one on loopback (tests/loopproxy.py): CONNECT tunnels for https, forwarded
requests for http, optionally requiring Basic credentials.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread
from bokade_cli.simulator.tls import server_context
from tests.loopproxy import RunningProxy, loopback_proxy

PNR = "191212121212"
SECRET = "pr0xy-S3cret"
DEAD = "http://127.0.0.1:1"  # nothing listens there
RELATIONS = ["-r", "SE2321000016-A001", "-r", "SE2321000016-R004"]


@pytest.fixture(scope="module")
def plain() -> Iterator[RunningServer]:
    with serve_in_thread(Simulator(load_scenario("demo"))) as server:
        yield server


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, trustme.CA]:
    folder = tmp_path_factory.mktemp("proxy-pki")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    return folder, ca


@pytest.fixture(scope="module")
def https(pki: tuple[Path, trustme.CA]) -> Iterator[RunningServer]:
    folder, ca = pki
    issued = ca.issue_cert("127.0.0.1")
    issued.cert_chain_pems[0].write_to_path(str(folder / "server.pem"))
    issued.private_key_pem.write_to_path(str(folder / "server.key"))
    context = server_context(folder / "server.pem", folder / "server.key", None)
    with serve_in_thread(Simulator(load_scenario("demo")), ssl_context=context) as server:
        yield server


@pytest.fixture
def guarded_proxy() -> Iterator[RunningProxy]:
    with loopback_proxy(f"ops:{SECRET}") as proxy:
        yield proxy


def _config(tmp_path: Path, base_url: str, proxy: str, ca: Path | None = None) -> Path:
    lines = ["[profiles.p]", f'base_url = "{base_url}"', f'proxy = "{proxy}"', "timeout_s = 5"]
    if ca is not None:
        lines += ["[profiles.p.tls]", f'ca_file = "{ca}"']
    path = tmp_path / "bokade.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _collect(*args: str) -> Any:
    result = CliRunner().invoke(app, ["collect", PNR, *RELATIONS, "-f", "json", *args])
    result.doc = json.loads(result.stdout) if result.stdout.strip() else None
    return result


def _environment_proxies(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_environment_proxies_are_never_used(
    plain: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with loopback_proxy() as proxy:
        _environment_proxies(monkeypatch, proxy.url)
        result = _collect("--base-url", plain.base_url)
        assert result.exit_code == 3, result.output  # the demo's failing sources: partial
        assert {c["outcome"] for c in result.doc["calls"]} <= {"ok", "skipped"}
        assert proxy.log.lines == []  # nothing went through the environment's proxy


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_bokade_proxy_forwards_plain_http_with_its_credentials(
    plain: RunningServer, guarded_proxy: RunningProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment_proxies(monkeypatch, DEAD)  # would break every call if it were used
    monkeypatch.setenv("BOKADE_PROXY", guarded_proxy.with_credentials("ops", SECRET))
    result = _collect("--base-url", plain.base_url)
    assert result.exit_code == 3, result.output
    made = [c for c in result.doc["calls"] if c["outcome"] != "skipped"]
    assert {c["outcome"] for c in made} == {"ok"}
    assert len(guarded_proxy.log.lines) == len(made)
    assert all(line.startswith(f"POST {plain.base_url}/") for line in guarded_proxy.log.lines)
    token = "Basic " + base64.b64encode(f"ops:{SECRET}".encode()).decode()
    assert set(guarded_proxy.log.auth) == {token}


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_https_goes_through_a_connect_tunnel_and_a_capture_holds_no_credentials(
    https: RunningServer,
    pki: tuple[Path, trustme.CA],
    guarded_proxy: RunningProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _environment_proxies(monkeypatch, DEAD)
    proxy = guarded_proxy.with_credentials("ops", SECRET)
    config = _config(tmp_path, https.base_url, proxy, pki[0] / "ca.pem")
    capture = tmp_path / "case.json"
    result = _collect("--config", str(config), "--save-capture", str(capture), "-v")
    assert result.exit_code == 3, result.output
    assert {c["outcome"] for c in result.doc["calls"]} <= {"ok", "skipped"}
    port = https.base_url.rsplit(":", 1)[1]
    assert f"CONNECT 127.0.0.1:{port} HTTP/1.1" in guarded_proxy.log.lines
    written = result.stdout + result.stderr + capture.read_text()
    assert SECRET not in written and "ops:" not in written


def test_wrong_credentials_are_a_407_naming_the_proxy_never_the_password(
    https: RunningServer,
    pki: tuple[Path, trustme.CA],
    guarded_proxy: RunningProxy,
    tmp_path: Path,
) -> None:
    wrong = "n0t-the-Secret"
    config = _config(
        tmp_path, https.base_url, guarded_proxy.with_credentials("ops", wrong), pki[0] / "ca.pem"
    )
    result = _collect("--config", str(config))
    assert result.exit_code == 4  # nothing answered
    call1 = result.doc["calls"][0]
    assert call1["outcome"] == "transport_error"
    assert f"the proxy 127.0.0.1:{guarded_proxy.port} refused" in call1["message"]
    assert "407" in call1["message"] and "credentials" in call1["hint"]
    assert wrong not in result.stdout + result.stderr


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_proxy_that_is_down_is_named(plain: RunningServer, tmp_path: Path) -> None:
    config = _config(tmp_path, plain.base_url, DEAD)
    result = CliRunner().invoke(app, ["collect", PNR, "--config", str(config), "-f", "table"])
    assert result.exit_code == 4
    assert "could not reach the proxy 127.0.0.1:1" in result.stdout
    assert "BOKADE_PROXY" in result.stdout  # the hint says where to fix it


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_config_show_and_check_redact_the_credentials(
    guarded_proxy: RunningProxy, tmp_path: Path
) -> None:
    config = _config(
        tmp_path, "https://qa.example.se/vp", guarded_proxy.with_credentials("ops", SECRET)
    )
    runner = CliRunner()
    shown = runner.invoke(app, ["config", "show", "--config", str(config), "-f", "json"])
    assert shown.exit_code == 0
    value = json.loads(shown.stdout)["proxy"]
    assert value == {
        "value": f"http://***@127.0.0.1:{guarded_proxy.port}",
        "origin": f"--config {config}",
    }
    table = runner.invoke(app, ["config", "show", "--config", str(config)])
    assert f"http://***@127.0.0.1:{guarded_proxy.port}" in table.stdout
    checked = runner.invoke(app, ["config", "check", "--config", str(config)])
    assert checked.exit_code == 0, checked.output
    assert f"through the proxy http://***@127.0.0.1:{guarded_proxy.port}" in checked.stdout
    assert SECRET not in shown.output + table.output + checked.output


@pytest.mark.parametrize(
    ("proxy", "needle"),
    [
        ("socks5://127.0.0.1:1080", "must start with http:// or https://"),
        (f"http://ops:{SECRET}@127.0.0.1:3128/path", "holds a path, query or fragment"),
        ("http://127.0.0.1:99999", "is not a valid URL"),
        ("http://:3128", "names no host"),
    ],
)
def test_a_bad_proxy_is_a_configuration_error_naming_file_and_key(
    tmp_path: Path, proxy: str, needle: str
) -> None:
    config = _config(tmp_path, "https://qa.example.se/vp", proxy)
    for argv in (["config", "check"], ["collect", PNR]):
        result = CliRunner().invoke(app, [*argv, "--config", str(config)])
        assert result.exit_code == 5
        assert f"{config}: profiles.p.proxy" in result.stderr and needle in result.stderr
        assert "HTTPS_PROXY are never used" in result.stderr  # the hint
        assert SECRET not in result.output and "Traceback" not in result.output


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_smoke_checks_the_tunnel_through_the_proxy(
    https: RunningServer,
    pki: tuple[Path, trustme.CA],
    guarded_proxy: RunningProxy,
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path, https.base_url, guarded_proxy.with_credentials("ops", SECRET), pki[0] / "ca.pem"
    )
    result = CliRunner().invoke(app, ["smoke", "--config", str(config), "--pnr", PNR, "-f", "json"])
    assert result.exit_code == 0, result.output  # warnings (failing demo sources) only
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    endpoint = steps["endpoint"]
    assert endpoint["verdict"] == "pass"
    assert f"via proxy 127.0.0.1:{guarded_proxy.port}" in endpoint["title"]
    assert endpoint["data"]["tls_version"].startswith("TLS")
    assert "through the proxy http://***@" in steps["config"]["detail"]
    assert steps["call1"]["verdict"] in ("pass", "warn")
    assert SECRET not in result.output


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_smoke_reports_a_proxy_refusing_the_tunnel(
    https: RunningServer, pki: tuple[Path, trustme.CA], guarded_proxy: RunningProxy, tmp_path: Path
) -> None:
    config = _config(
        tmp_path, https.base_url, guarded_proxy.with_credentials("ops", "bad"), pki[0] / "ca.pem"
    )
    result = CliRunner().invoke(app, ["smoke", "--config", str(config), "-f", "json"])
    assert result.exit_code == 1
    endpoint = {s["step"]: s for s in json.loads(result.stdout)["steps"]}["endpoint"]
    assert endpoint["verdict"] == "fail"
    assert "407" in endpoint["detail"] and "credentials" in endpoint["hint"]
