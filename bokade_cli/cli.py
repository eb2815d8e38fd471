"""The Typer app: options → settings → collection → rules → rendering; errors → exit codes.

Heavy modules (httpx, xmltodict, the contracts, the simulator) are imported inside the
commands that need them, so `bokade --help` and `bokade --version` start fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from bokade_cli import __version__
from bokade_cli.errors import BokadeError, ExitCode, UsageError

if TYPE_CHECKING:
    from bokade_cli.config import Profile
    from bokade_cli.models import CollectionResult
    from bokade_cli.personnummer import Personnummer

EPILOG = (
    "Exit codes: 0 complete · 1 an expectation failed · 2 usage or input error · "
    "3 partial (some call or source failed; output still printed) · 4 nothing answered · "
    "5 configuration error · 70 internal error (a bug)."
)
INTERNAL_ERROR = 70

app = typer.Typer(
    name="bokade",
    help="Diagnose 1177 Bokade tider: run the booked-appointments collection for one "
    "personnummer and account for every appointment received.",
    epilog=EPILOG,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
config_app = typer.Typer(help="Show and check the configuration.", no_args_is_help=True)
simulator_app = typer.Typer(help="The embedded platform simulator.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(simulator_app, name="simulator")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class LogicChoice(StrEnum):
    current = "current"
    target = "target"
    legacy = "legacy"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", envvar="BOKADE_FORMAT", help="Output format.")
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
    typer.Option("--now", help="Judge as of this time (ISO 8601; naive = Stockholm local time)."),
]
LogicOption = Annotated[
    LogicChoice,
    typer.Option("--logic", help="current (call1+call2+call3), target (call1 only) or legacy."),
]
RelationOption = Annotated[
    list[str] | None,
    typer.Option("--relation", "-r", help="A relation facility HSA-id (repeatable)."),
]
RelationsFileOption = Annotated[
    Path | None,
    typer.Option("--relations", help="File of relation HSA-ids, one per line."),
]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", "-p", envvar="BOKADE_PROFILE", help="Profile name.")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", envvar="BOKADE_CONFIG", help="A config file (TOML)."),
]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"bokade {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = None,
) -> None:
    """Diagnose 1177 Bokade tider."""


def main() -> None:
    app()


# --- errors -------------------------------------------------------------------------------


class _Failure(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@contextmanager
def _errors(fmt: OutputFormat, debug: bool, scrub: Callable[[str], str] = str) -> Iterator[None]:
    """Turn every error into one line + hint (or the JSON error document) and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except BokadeError as exc:
        _report(fmt, exc.code, scrub(exc.message), scrub(exc.hint))
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        _report(fmt, "interrupted", "interrupted", "")
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            raise
        _report(
            fmt,
            "internal",
            scrub(f"internal error: {type(exc).__name__}: {exc}"),
            "This is a bug in bokade; run again with --debug and report the traceback.",
        )
        raise typer.Exit(INTERNAL_ERROR) from None


def _report(fmt: OutputFormat, code: str, message: str, hint: str) -> None:
    if fmt is OutputFormat.json:
        doc = {"error": {"code": code, "message": message, "hint": hint or None}}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    err.print(f"Error: {message}", markup=False)
    if hint:
        err.print(f"Hint: {hint}", markup=False)


def _fail(message: str, hint: str) -> NoReturn:
    raise UsageError(message, hint)


# --- shared parsing -------------------------------------------------------------------------


def parse_now(value: str | None) -> datetime:
    from bokade_cli.rules import local_now

    if value is None:
        return local_now()
    try:
        return local_now(datetime.fromisoformat(value.strip()))
    except ValueError:
        _fail(
            f"--now {value!r} is not an ISO 8601 time",
            "Use e.g. --now 2026-11-26T12:00 or 2026-11-26T12:00:00+01:00.",
        )


def read_personnummer(value: str) -> Personnummer:
    from bokade_cli.personnummer import parse_personnummer

    if value == "-":
        value = sys.stdin.readline()
        if not value.strip():
            _fail(
                "no personnummer on standard input",
                "Pipe one number, e.g. `echo 191212121212 | bokade collect -`.",
            )
    return parse_personnummer(value)


def _relations(
    relation: list[str] | None, relations_file: Path | None, profile: Profile
) -> list[str]:
    from bokade_cli.relations import load_relations_file

    found = list(relation or [])
    path = relations_file or profile.relations_file
    if path is not None:
        found += load_relations_file(path)
    return found


def _load_profile(
    config: Path | None, profile: str | None, overrides: dict[str, object]
) -> Profile:
    from bokade_cli.config import load_settings

    return load_settings(config_file=config, profile=profile, overrides=overrides).profile


def _exit_code(result: CollectionResult) -> int:
    if result.complete:
        return ExitCode.COMPLETE
    return ExitCode.PARTIAL if result.anything_answered else ExitCode.NOTHING_ANSWERED


def _event_printer(verbose: bool, scrub: Callable[[str], str]) -> Callable[[str], None] | None:
    if not verbose:
        return None
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    return lambda message: err.print(scrub(message), markup=False, style="dim")


def _print_result(result: CollectionResult, fmt: OutputFormat, verbose: bool) -> None:
    from bokade_cli.render import render_json, render_table

    if fmt is OutputFormat.json:
        sys.stdout.write(render_json(result) + "\n")
    else:
        render_table(result, Console(highlight=False), verbose=verbose)


def run_collect(
    profile: Profile,
    pnr: Personnummer,
    relations: list[str],
    logic: LogicChoice,
    now: datetime,
    fmt: OutputFormat,
    unmask: bool,
    verbose: bool,
) -> int:
    """Collect, judge, print; return the exit code. Shared by `collect` and `demo`."""
    from bokade_cli.collect import Subject, collect_once
    from bokade_cli.personnummer import mask_text

    def scrub(text: str) -> str:
        return text if unmask else mask_text(text, pnr)

    label = pnr.digits[:8] + "-" + pnr.digits[8:] if unmask else pnr.masked
    result = collect_once(
        profile,
        Subject(pnr.digits, pnr.type_oid),
        label,
        relations,
        logic.value,
        now,
        on_event=_event_printer(verbose, scrub),
    )
    _print_result(result, fmt, verbose)
    return _exit_code(result)


# --- commands -------------------------------------------------------------------------------


@app.command(epilog=EPILOG)
def collect(
    personnummer: Annotated[
        str, typer.Argument(help="Personnummer or samordningsnummer; - reads stdin.")
    ],
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Override the profile's base_url.")
    ] = None,
    relation: RelationOption = None,
    relations_file: RelationsFileOption = None,
    logic: LogicOption = LogicChoice.current,
    now: NowOption = None,
    fmt: FormatOption = OutputFormat.table,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the collection for one personnummer against a configured platform endpoint."""
    code = 0
    with _errors(fmt, debug):
        pnr = read_personnummer(personnummer)
        moment = parse_now(now)
        settings = _load_profile(config, profile, {"base_url": base_url})
        relations = _relations(relation, relations_file, settings)
        code = run_collect(settings, pnr, relations, logic, moment, fmt, unmask, verbose)
    raise typer.Exit(code)


@app.command(epilog=EPILOG)
def demo(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Bundled scenario name or a TOML file.")
    ] = "demo",
    logic: LogicOption = LogicChoice.current,
    fmt: FormatOption = OutputFormat.table,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the collection against the built-in simulator: no config, no network."""
    code = 0
    with _errors(fmt, debug):
        from bokade_cli.config import Profile
        from bokade_cli.personnummer import parse_personnummer
        from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

        loaded = load_scenario(scenario)
        moment = parse_now(None)
        simulator = Simulator(loaded, now=moment)
        with serve_in_thread(simulator) as server:
            profile = Profile(
                name=f"simulator:{loaded.name}",
                base_url=server.base_url,
                aggregator_logical_address=loaded.aggregator,
                timeout_s=10.0,
                connect_timeout_s=2.0,
            )
            pnr = parse_personnummer(loaded.citizen)
            code = run_collect(
                profile, pnr, list(loaded.relations), logic, moment, fmt, unmask, verbose
            )
    raise typer.Exit(code)


@simulator_app.command("serve")
def simulator_serve(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Bundled scenario name or a TOML file.")
    ] = "demo",
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0 picks a free one).")] = 8080,
    debug: DebugOption = False,
) -> None:
    """Serve a scenario as a stand-alone platform endpoint until Ctrl-C."""
    with _errors(OutputFormat.table, debug):
        from bokade_cli.simulator import Simulator, load_scenario, serve_forever

        loaded = load_scenario(scenario)
        err = Console(stderr=True, highlight=False)
        err.print(
            f"Simulating scenario {loaded.name} on http://{host}:{port} "
            f"(aggregator {loaded.aggregator}); Ctrl-C stops.",
            markup=False,
        )
        serve_forever(Simulator(loaded), host, port)
        err.print("Simulator stopped.", markup=False)


@simulator_app.command("list")
def simulator_list() -> None:
    """List the bundled scenarios."""
    from bokade_cli.simulator import list_scenarios, load_scenario

    for name in list_scenarios():
        typer.echo(f"{name}\t{load_scenario(name).description}")


@config_app.command("path")
def config_path() -> None:
    """Print the user config file's path."""
    from bokade_cli.config import user_config_file

    typer.echo(str(user_config_file()))


@config_app.command("show")
def config_show(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    debug: DebugOption = False,
) -> None:
    """Print the effective settings and where each came from (secrets redacted)."""
    with _errors(fmt, debug):
        from bokade_cli.config import describe, load_settings

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


@config_app.command("check")
def config_check(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Check the configuration; exit 5 when something is wrong."""
    with _errors(OutputFormat.table, debug):
        from bokade_cli.config import check, load_settings

        settings = load_settings(config_file=config, profile=profile)
        problems = check(settings)
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for problem in problems:
            err.print(f"Problem: {problem}", markup=False)
        if problems:
            raise typer.Exit(ExitCode.CONFIG)
        files = ", ".join(str(f) for f in settings.files) or "no config file"
        typer.echo(f"Configuration OK: profile {settings.profile.name} ({files}).")
