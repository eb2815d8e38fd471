"""Every option and argument that more than one command takes, defined once (Typer `Annotated`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

EPILOG = (
    "Exit codes: 0 complete · 1 an expectation failed · 2 usage or input error · "
    "3 partial (some call or source failed; output still printed) · 4 nothing answered · "
    "5 configuration error · 70 internal error (a bug) · 130 interrupted."
)


class DocFormat(StrEnum):
    """Formats of collect, demo, explain, compare, replay and relations explain."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class LogicChoice(StrEnum):
    current = "current"
    target = "target"
    legacy = "legacy"


def _completable(names: list[str], incomplete: str) -> list[str]:
    """Names starting with what is typed, only those a shell can take back as they are.

    Completion candidates go straight to the shell (outside the output boundary): a profile
    name from a config file is untrusted, so only names no shell acts on are offered (ASCII
    letters, digits, '.', '_', '-'; see output/boundary.py shell_safe), never one holding a
    personnummer-shaped number.
    """
    from bokade_cli.output.boundary import shell_safe

    return [name for name in shell_safe(names) if name.startswith(incomplete)]


def complete_profile(ctx: typer.Context, incomplete: str) -> list[str]:
    """Profile names from the effective config: the user file and --config (or BOKADE_CONFIG)."""
    from bokade_cli.config import profile_names

    config = ctx.params.get("config")
    return _completable(profile_names(config if isinstance(config, Path) else None), incomplete)


def complete_scenario(incomplete: str) -> list[str]:
    """The bundled simulator scenarios (a scenario file's path works too)."""
    from bokade_cli.simulator.loader import list_scenarios

    return _completable(list_scenarios(), incomplete)


def format_option() -> Any:
    """--format/-f with this command's choices; BOKADE_FORMAT is read by the command itself."""
    return typer.Option(
        "--format",
        "-f",
        help="Output format (default: BOKADE_FORMAT if this command has it, else table).",
        case_sensitive=False,
        show_default=False,
    )


DocFormatOption = Annotated[DocFormat | None, format_option()]
PnrArgument = Annotated[
    str,
    typer.Argument(
        metavar="PERSONNUMMER",
        help="Personnummer or samordningsnummer in any written form; - reads it from stdin.",
        show_default=False,
    ),
]
OptionalPnrArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="PERSONNUMMER",
        help="Personnummer or samordningsnummer in any written form; - reads it from stdin "
        "(not with --capture).",
        show_default=False,
    ),
]
CaptureOption = Annotated[
    Path | None,
    typer.Option(
        "--capture",
        metavar="FILE",
        help="Answer offline from this capture file (--save-capture), exactly as the captured "
        "run would have; - reads stdin. Instead of a personnummer.",
        show_default=False,
    ),
]
UnmaskOption = Annotated[
    bool, typer.Option("--unmask", help="Show personnummer in clear (masked by default).")
]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Show correlation ids, retries and parser notes on stderr."
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        metavar="TIME",
        help="Judge as of this time (ISO 8601; naive = Stockholm local time).",
        show_default=False,
    ),
]
LogicOption = Annotated[
    LogicChoice,
    typer.Option("--logic", help="current (call1+call2+call3), target (call1 only) or legacy."),
]
RelationOption = Annotated[
    list[str] | None,
    typer.Option(
        "--relation",
        "-r",
        metavar="HSAID",
        help="A relation facility HSA-id (repeatable).",
        show_default=False,
    ),
]
RelationsFileOption = Annotated[
    Path | None,
    typer.Option(
        "--relations",
        metavar="FILE",
        help="File of relation HSA-ids (one per line; - reads stdin) or a TOML file of relation "
        "events (see `bokade relations explain`).",
        show_default=False,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        envvar="BOKADE_PROFILE",
        metavar="NAME",
        help="Profile name.",
        show_default=False,
        autocompletion=complete_profile,
    ),
]
ScenarioOption = Annotated[
    str,
    typer.Option(
        "--scenario",
        "-s",
        metavar="NAME",
        help="Bundled scenario name (`bokade simulator list`) or a TOML file.",
        autocompletion=complete_scenario,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="BOKADE_CONFIG",
        metavar="FILE",
        help="A config file (TOML).",
        show_default=False,
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url", metavar="URL", help="Override the profile's base_url.", show_default=False
    ),
]
SaveCaptureOption = Annotated[
    Path | None,
    typer.Option(
        "--save-capture",
        metavar="FILE",
        help="Write every request and answer of the run to this JSON file (no form of the "
        "personnummer in it), for a ticket or `bokade replay`.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the --format output to this file (owner-only); a table still goes to stdout.",
        show_default=False,
    ),
]
JUnitOption = Annotated[
    Path | None,
    typer.Option(
        "--junit",
        metavar="FILE",
        help="Also write a JUnit XML report to this file (for CI).",
        show_default=False,
    ),
]
AllowPartialOption = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        help="Exit 0 instead of 3 when some call or source failed (the output still says so).",
    ),
]
