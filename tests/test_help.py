"""Every command has help text, the exit codes are in the epilog, and --version answers."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bokade_cli import __version__
from bokade_cli.cli import app


def _commands() -> list[list[str]]:
    group = typer.main.get_command(app)
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)  # a group (typer vendors click)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            found.append(path)

    walk(group, [])
    return found


def test_the_commands_are_all_there() -> None:
    names = {" ".join(path) for path in _commands()}
    assert names == {
        "collect",
        "demo",
        "explain",
        "compare",
        "replay",
        "relations explain",
        "smoke",
        "batch",
        "config path",
        "config show",
        "config check",
        "simulator serve",
        "simulator list",
    }


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_every_command_has_help(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    usage = next(i for i, line in enumerate(lines) if line.startswith("Usage:"))
    assert any(line.strip() for line in lines[usage + 1 : usage + 4]), result.stdout


def test_top_level_help_lists_the_exit_codes_and_version_answers() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert "Exit codes: 0 complete" in result.stdout and "5 configuration error" in result.stdout
    assert CliRunner().invoke(app, ["--version"]).stdout.strip() == f"bokade {__version__}"
