"""`bokade simulator serve` as a stand-alone endpoint in its own process, stopped with Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import load_scenario

pytestmark = pytest.mark.slow  # subprocesses


def test_serve_answers_a_profile_pointing_at_it_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", "simulator", "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", banner)
        assert match, banner
        config = tmp_path / "sim.toml"
        config.write_text(f'[profiles.sim]\nbase_url = "{match.group(1)}"\n')
        scenario = load_scenario("demo")
        args = [
            "collect",
            scenario.citizen,
            "--config",
            str(config),
            "--profile",
            "sim",
            "-f",
            "json",
        ]
        for relation in scenario.relations:
            args += ["-r", relation]
        result = CliRunner().invoke(app, args)
        doc = json.loads(result.stdout)
        assert result.exit_code == 3
        assert doc["summary"]["received"] == 30
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Simulator stopped." in rest
    assert "Traceback" not in rest


def test_serve_refuses_a_client_ca_without_a_certificate() -> None:
    result = CliRunner().invoke(app, ["simulator", "serve", "--client-ca", "ca.pem"])
    assert result.exit_code == 2 and "--tls-cert" in result.stderr


def test_serve_with_tls_makes_a_throwaway_pki_and_a_profile_that_connects(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bokade_cli",
            "simulator",
            "serve",
            "--port",
            "0",
            "--tls",
            "--tls-dir",
            str(tmp_path / "pki"),
            "--scenario",
            "one-of-three-empty",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        banner = process.stderr.readline()
        # The ready-made profile is data to paste into a file: it goes to stdout.
        lines = [process.stdout.readline()]
        while "ca_file" not in lines[-1] and lines[-1]:
            lines.append(process.stdout.readline())
        snippet = "".join(lines)
        assert "https://127.0.0.1:" in snippet and "client certificate required" in banner
        config = tmp_path / "sim.toml"
        config.write_text("\n".join(line.strip() for line in snippet.splitlines()) + "\n")
        scenario = load_scenario("one-of-three-empty")
        result = CliRunner().invoke(
            app, ["collect", scenario.citizen, "--config", str(config), "-f", "json"]
        )
        assert result.exit_code == 0, result.output
        assert {c["outcome"] for c in json.loads(result.stdout)["calls"]} == {"ok"}
        no_cert = tmp_path / "nocert.toml"
        no_cert.write_text(
            config.read_text().split("cert_file")[0]
            + f'ca_file = "{tmp_path / "pki" / "ca.pem"}"\n'
        )
        refused = CliRunner().invoke(
            app, ["collect", scenario.citizen, "--config", str(no_cert), "-f", "json"]
        )
        assert refused.exit_code == 4
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_the_tls_profile_quotes_a_hostile_folder_as_toml(tmp_path: Path) -> None:
    """The ready-made profile is pasted into a config file: a folder name with a quote, a newline
    and CI commands (`::` after a newline, `##[` anywhere) stays one TOML string per key that
    reads back as the folder."""
    import tomllib

    pki = tmp_path / 'pk"i\\\n::error::x##[error]y\u202e'
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", "simulator", "serve", "--port", "0", "--tls"]
        + ["--tls-dir", str(pki), "--scenario", "one-of-three-empty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while "ca_file" not in lines[-1] and lines[-1]:
            lines.append(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    snippet = "".join(lines)
    assert "\u202e" not in snippet and "##[" not in snippet
    assert not any(line.startswith("::") for line in lines), snippet
    tls = tomllib.loads(snippet)["profiles"]["sim"]["tls"]
    assert tls["cert_file"] == str(pki.resolve() / "client.pem")
    assert tls["ca_file"] == str(pki.resolve() / "ca.pem")
