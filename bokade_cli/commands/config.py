"""`bokade config path|show|check`: where the configuration is, what it says, whether it works."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.options import ConfigOption, DebugOption, ProfileOption, format_option
from bokade_cli.errors import ExitCode


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


def config_path(debug: DebugOption = False) -> None:
    """Print the user config file's path."""
    with guarded(None, ShowFormat, debug=debug) as out:
        from bokade_cli.config import user_config_file

        out.write_text(f"{user_config_file()}\n")


def config_show(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    fmt: Annotated[ShowFormat | None, format_option()] = None,
    debug: DebugOption = False,
) -> None:
    """Print the effective settings and where each came from (secrets redacted)."""
    with guarded(fmt, ShowFormat, debug=debug) as out:
        from bokade_cli.config import load_settings
        from bokade_cli.config_report import describe
        from bokade_cli.output.boundary import View

        settings = load_settings(config_file=config, profile=profile)
        document = {k: {"value": v, "origin": o} for k, v, o in describe(settings)}
        out.emit(View("config", document, echoes=tuple(document)))


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
    with guarded(None, ShowFormat, debug=debug) as out:
        from bokade_cli.config import load_settings
        from bokade_cli.config_report import check_files, check_values

        settings = load_settings(config_file=config, profile=profile)
        problems = check_values(settings)
        file_problems = check_files(settings)
        if strict:
            problems, file_problems = problems + file_problems, []
        for problem in problems:
            out.say(f"Problem: {problem}")
        for problem in file_problems:
            out.warn(problem)
        if problems:
            out.code = ExitCode.CONFIG
            return
        files = ", ".join(str(f) for f in settings.files) or "no config file"
        warned = f"; {len(file_problems)} warning(s)" if file_problems else ""
        out.write_text(f"Configuration OK: profile {settings.profile.name} ({files}){warned}.\n")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Show and check the configuration.", no_args_is_help=True)
    group.command("path")(config_path)
    group.command("show")(config_show)
    group.command("check")(config_check)
    app.add_typer(group, name="config")
