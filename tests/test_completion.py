"""Shell completion: scripts for bash, zsh and fish, and what they complete, through the very
environment variables the scripts set (`_BOKADE_COMPLETE`, COMP_WORDS/COMP_CWORD for bash,
_TYPER_COMPLETE_ARGS for zsh and fish), as Typer's own tests do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import list_scenarios

CONFIG = """
default_profile = "qa"
[profiles.qa]
base_url = "https://qa.example.se/vp"
[profiles.production]
base_url = "https://vp.example.se/vp"
[profiles."two words"]
[profiles."evil\\u001b[31m"]
[profiles."pnr-19121212-1212"]
"""


@pytest.fixture
def user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = Path(os.environ["BOKADE_CONFIG_DIR"]) / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def bash(line: str) -> list[str]:
    """What bash's completion asks bokade for the last word of `line` (a trailing space: a new one)."""
    words = line.split(" ")
    env = {"_BOKADE_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}  # fmt: skip
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def zsh(line: str) -> str:
    env = {"_BOKADE_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def fish(line: str) -> list[str]:
    env = {"_BOKADE_COMPLETE": "complete_fish", "_TYPER_COMPLETE_ARGS": line}
    env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    return [line.split("\t")[0] for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("shell", "marks"),
    [
        (
            "bash",
            ["_BOKADE_COMPLETE=complete_bash", "complete -o default -F _bokade_completion bokade"],
        ),  # fmt: skip
        ("zsh", ["#compdef bokade", "_BOKADE_COMPLETE=complete_zsh"]),
        ("fish", ["complete --command bokade", "_BOKADE_COMPLETE=complete_fish"]),
    ],
)
def test_completion_scripts_for_each_shell(
    monkeypatch: pytest.MonkeyPatch, shell: str, marks: list[str]
) -> None:
    # Typer's switch to name the shell instead of detecting it; read when the app is built.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = CliRunner().invoke(app, ["--show-completion", shell])
    assert result.exit_code == 0, result.output
    for mark in marks:
        assert mark in result.stdout


def test_install_completion_writes_into_the_users_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["--install-completion", "bash"])
    assert result.exit_code == 0, result.output
    script = tmp_path / ".bash_completions" / "bokade.sh"
    assert "_BOKADE_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_profile_names_come_from_the_user_config(user_config: Path) -> None:
    # Names a shell could not take back as they are, or that hold a number, are never offered.
    assert bash("bokade collect --profile ") == ["qa", "production"]
    assert bash("bokade smoke -p pr") == ["production"]
    assert "production" in zsh("bokade config show --profile p")
    assert fish("bokade explain --profile q") == ["qa"]


def test_profile_names_follow_config_on_the_line_and_bokade_config(
    user_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "lab.toml"
    other.write_text('[profiles.lab]\nbase_url = "http://127.0.0.1:8080"\n', encoding="utf-8")
    assert bash(f"bokade collect --config {other} --profile ") == ["qa", "production", "lab"]
    monkeypatch.setenv("BOKADE_CONFIG", str(other))
    assert bash("bokade batch cases.toml -p l") == ["lab"]


def test_a_broken_config_completes_nothing_and_says_nothing(user_config: Path) -> None:
    user_config.write_text("this is = = not toml", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [],
        env={
            "_BOKADE_COMPLETE": "complete_bash",
            "COMP_WORDS": "bokade collect -p ",
            "COMP_CWORD": "3",
        },  # fmt: skip
    )
    assert result.exit_code == 0 and result.stdout.strip() == "" and result.stderr == ""


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_scenarios_formats_logics_and_commands() -> None:
    assert bash("bokade demo --scenario one-of") == [
        name for name in list_scenarios() if name.startswith("one-of")
    ]
    assert bash("bokade simulator serve -s ") == list_scenarios()
    assert bash("bokade collect --format ") == ["table", "json", "markdown", "html"]
    assert bash("bokade smoke --format ") == ["table", "json", "openmetrics"]
    assert bash("bokade batch x.toml -f j") == ["json", "jsonl"]
    assert bash("bokade replay case.json --logic ") == ["current", "target", "legacy"]
    assert bash("bokade co") == ["collect", "compare", "config"]
    assert bash("bokade config ") == ["path", "show", "check", "init"]
    assert bash("bokade config init --from-sample ") == ["test", "qa", "production", "demo"]


BASH = shutil.which("bash")


@pytest.mark.skipif(BASH is None, reason="no bash")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_bash_itself_completes_a_profile(user_config: Path, tmp_path: Path) -> None:
    """The installed script, sourced by a real bash, asking the real `bokade` (a subprocess)."""
    bokade = Path(sys.executable).parent / "bokade"
    if not bokade.exists():
        pytest.skip("no bokade console script next to this Python")
    script = subprocess.run(
        [str(bokade), "--show-completion", "bash"],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    program = (
        f"{script}\nCOMP_WORDS=(bokade collect --profile pr); COMP_CWORD=3\n"
        '_bokade_completion bokade; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env: dict[str, Any] = {
        "PATH": f"{bokade.parent}:/usr/bin:/bin",
        "BOKADE_CONFIG_DIR": os.environ["BOKADE_CONFIG_DIR"],
        "HOME": str(tmp_path),
    }
    shown = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", program],  # type: ignore[list-item]
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.splitlines() == ["production"]
