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


# --- untrusted values on stdout (SPEC §7: configuration is untrusted) -------------------------

HOSTILE = "p\x1b[31m\u202e\n::error::pwned 194703239873"


def _assert_safe(text: str) -> None:
    assert "\x1b" not in text and "\u202e" not in text, repr(text)
    assert "194703239873" not in text and "19470323-9873" not in text, repr(text)
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), repr(line)


def test_config_check_prints_a_hostile_profile_name_masked_and_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "evil.toml"
    name = json.dumps(HOSTILE)
    path.write_text(
        f'default_profile = {name}\n[profiles.{name}]\nbase_url = "http://127.0.0.1:9/vp"\n'
        'proxy = "http://127.0.0.1:3128"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    _assert_safe(result.stdout + result.stderr)
    assert result.stdout.startswith(
        "Configuration OK: profile p\\u001b[31m\\u202e\\n::error::pwned"
    )
    assert "19470323-****" in result.stdout and result.stdout.count("\n") == 1


def test_config_init_prints_a_hostile_profile_name_masked_and_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    argv = ["config", "init", "--from-sample", "demo", "--config", str(path), "--profile"]
    # Controls cannot name a profile it writes (review 3, finding 5): refused, not echoed.
    refused = CliRunner().invoke(app, [*argv, HOSTILE])
    assert refused.exit_code == 2, refused.output
    _assert_safe(refused.stdout + refused.stderr)
    assert "--profile holds a line break and a control character" in refused.stderr
    assert not path.exists()
    # Printable but hostile: written, and every line printing it masked.
    result = CliRunner().invoke(app, [*argv, "::error::pwned 194703239873"])
    assert result.exit_code == 0, result.output
    _assert_safe(result.stdout + result.stderr)
    assert "Configuration OK: profile ::error::pwned 19470323-****" in result.stdout


def test_config_path_prints_a_hostile_folder_neutralised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "a\n::error::x\u202e"
    monkeypatch.setenv("BOKADE_CONFIG_DIR", str(folder))
    result = CliRunner().invoke(app, ["config", "path"])
    assert result.exit_code == 0, result.output
    _assert_safe(result.stdout)
    assert result.stdout == f"{tmp_path}/a\\n::error::x\\u202e/config.toml\n"
