"""Every command has help text, the exit codes are in the epilog, and --version answers."""

from __future__ import annotations

import re
import shlex
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
        "config init",
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


# --- help that teaches -----------------------------------------------------------------------

_TYPE_NAMES = re.compile(r"<(?:str|int|float|bool|path|list\[|int range|float range|datetime)")
_BRACED = re.compile(r"\{[A-Z][A-Z_]*\}|\[\[[A-Z]")


def _help(path: list[str], columns: str = "200") -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return str(result.stdout)


@pytest.mark.parametrize("path", [[], *_commands()], ids=lambda p: " ".join(p) or "bokade")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_help_names_values_in_words_not_python_types(path: list[str]) -> None:
    text = _help(path)
    assert not _TYPE_NAMES.findall(text), text
    assert not _BRACED.findall(text), text
    # The only <...> left are the choices of an option, e.g. <table|json>.
    assert all("|" in shown for shown in re.findall(r"<[^>]*>", text)), text


def _examples(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("  Examples:")
    examples = [line.strip() for line in lines[start + 1 :] if line.strip()]
    assert all(line.startswith("$ ") for line in examples), examples
    return [line[2:] for line in examples]


def _parse(example: str) -> None:
    """Parse an example's bokade command line like the shell and Click would (without running)."""
    words = shlex.split(example)
    while "=" in words[0]:  # VAR=value before the command
        words = words[1:]
    for stop in ("|", ">"):  # the bokade part of a pipeline
        if stop in words:
            words = words[words.index(stop) + 1 :] if stop == "|" else words[: words.index(stop)]
    assert words[0] == "bokade", example
    command: Any = typer.main.get_command(app)
    args = words[1:]
    while getattr(command, "commands", None) and args and args[0] in command.commands:
        command, args = command.commands[args[0]], args[1:]
    assert not getattr(command, "commands", None) or not args, example
    command.make_context(words[0], list(args), resilient_parsing=False)


@pytest.mark.parametrize("path", [[], *_commands()], ids=lambda p: " ".join(p) or "bokade")
def test_help_ends_with_real_examples_kept_whole(path: list[str]) -> None:
    text = _help(path, columns="60")  # a narrow terminal still shows each example on one line
    found = _examples(text)
    assert 2 <= len(found) <= 3, found
    for example in found:
        _parse(example)


def test_a_long_example_is_not_rewrapped_on_a_narrow_terminal() -> None:
    (long,) = [e for e in _examples(_help(["explain"], columns="60")) if "--start" in e]
    assert len(long) > 60  # so the test above saw it whole on one line


@pytest.mark.parametrize("argv", [[], ["config"], ["simulator"]])
def test_a_group_alone_prints_its_help_as_lines_and_exits_2(argv: list[str]) -> None:
    """`bokade` alone is a usage error that shows the help: as lines, not one escaped line."""
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: bokade") and "\\n" not in result.stderr
    assert "Commands:" in lines and not any(line.startswith("Error:") for line in lines)
