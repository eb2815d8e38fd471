"""`bokade config path|show|check` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "sample_configs").glob("*.toml"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_config_check_accepts_every_sample(sample: Path) -> None:
    result = CliRunner().invoke(app, ["config", "check", "--config", str(sample)])
    assert result.exit_code == 0, result.stderr
    assert "Configuration OK" in result.stdout
    assert "Problem:" not in result.stderr


def test_missing_certificate_files_are_warnings_unless_strict() -> None:
    qa = next(p for p in SAMPLES if p.name == "qa.toml")
    relaxed = CliRunner().invoke(app, ["config", "check", "--config", str(qa)])
    assert relaxed.exit_code == 0 and "Warning: tls.cert_file" in relaxed.stderr
    strict = CliRunner().invoke(app, ["config", "check", "--config", str(qa), "--strict"])
    assert strict.exit_code == 5 and "Problem: tls.cert_file" in strict.stderr


def test_config_check_fails_on_a_bad_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[profiles.x]\nbase_url = "ftp://vp.example"\n')
    result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 5 and "profiles.x.base_url: " in result.stderr
    assert "must start with http:// or https://" in result.stderr


def test_config_path_and_show_name_where_each_value_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    user_file = Path(runner.invoke(app, ["config", "path"]).stdout.strip())
    assert user_file.parent == Path(str(tmp_path / "config"))
    user_file.write_text(
        'default_profile = "qa"\n[profiles.qa]\nbase_url = "https://vp.example/vp"\n'
        'timeout_s = 20\n[profiles.qa.tls]\nkey_password_file = "pw.txt"\n'
    )
    (user_file.parent / "pw.txt").write_text("hunter2\n")
    monkeypatch.setenv("BOKADE_TIMEOUT_S", "12")
    result = runner.invoke(app, ["config", "show", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["timeout_s"]["origin"] == "env BOKADE_TIMEOUT_S"
    assert shown["base_url"]["origin"].startswith("user config")
    assert "secret" not in result.stdout and "hunter2" not in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["config", "show"],
        ["config", "show", "-f", "json"],
        ["config", "check"],
        ["collect", "191212121212", "-v"],
        ["collect", "191212121212", "-f", "json", "-v"],
        ["smoke", "-f", "json"],
    ],
)
def test_a_password_in_base_url_is_a_config_error_printed_nowhere(
    tmp_path: Path, args: list[str]
) -> None:
    """SPEC §5: the platform authenticates by certificate; a password in a URL ends up in logs."""
    config = tmp_path / "c.toml"
    config.write_text('[profiles.qa]\nbase_url = "https://svc:s3cret@vp.example/vp"\n')
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == (1 if args[0] == "smoke" else 5), result.output
    assert "s3cret" not in result.stdout + result.stderr
    assert "user information" in result.stdout + result.stderr
