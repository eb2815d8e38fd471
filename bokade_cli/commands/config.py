"""`bokade config path|show|check`: where the configuration is, what it says, whether it works."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from bokade_cli.commands.common import (
    ConfigOption,
    DebugOption,
    FormatOption,
    OutputFormat,
    ProfileOption,
    errors,
)
from bokade_cli.errors import ExitCode


def config_path() -> None:
    """Print the user config file's path."""
    from bokade_cli.config import user_config_file

    typer.echo(str(user_config_file()))


def config_show(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    debug: DebugOption = False,
) -> None:
    """Print the effective settings and where each came from (secrets redacted)."""
    from rich.console import Console

    with errors(fmt, debug):
        from bokade_cli.config import load_settings
        from bokade_cli.config_report import describe

        settings = load_settings(config_file=config, profile=profile)
        rows = describe(settings)
        if fmt is OutputFormat.json:
            doc: dict[str, Any] = {k: {"value": v, "origin": o} for k, v, o in rows}
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
            return
        from rich.table import Table
        from rich.text import Text

        table = Table("key", "value", "from", header_style="bold")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        Console(highlight=False).print(table)


def config_check(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Missing or unreadable files are errors too (exit 5)."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check the configuration: exit 5 when a value is wrong.

    Files the profile names (certificates, key, CA, relations) are checked too; a missing one is
    a warning, since a config is often checked where it is written, not where it runs. With
    --strict it is an error. `bokade smoke` checks the files on the machine that runs.
    """
    from rich.console import Console

    with errors(OutputFormat.table, debug):
        from bokade_cli.config import load_settings
        from bokade_cli.config_report import check_files, check_values

        settings = load_settings(config_file=config, profile=profile)
        problems = check_values(settings)
        file_problems = check_files(settings)
        if strict:
            problems, file_problems = problems + file_problems, []
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for problem in problems:
            err.print(f"Problem: {problem}", markup=False)
        for problem in file_problems:
            err.print(f"Warning: {problem}", markup=False)
        if problems:
            raise typer.Exit(ExitCode.CONFIG)
        files = ", ".join(str(f) for f in settings.files) or "no config file"
        warned = f"; {len(file_problems)} warning(s)" if file_problems else ""
        typer.echo(f"Configuration OK: profile {settings.profile.name} ({files}){warned}.")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Show and check the configuration.", no_args_is_help=True)
    group.command("path")(config_path)
    group.command("show")(config_show)
    group.command("check")(config_check)
    app.add_typer(group, name="config")
