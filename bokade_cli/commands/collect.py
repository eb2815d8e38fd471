"""`bokade collect` (one personnummer against a profile) and `bokade demo` (the simulator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bokade_cli.commands.common import (
    EPILOG,
    ConfigOption,
    DebugOption,
    FormatOption,
    LogicChoice,
    LogicOption,
    NowOption,
    OutputFormat,
    ProfileOption,
    RelationOption,
    RelationsFileOption,
    Run,
    UnmaskOption,
    VerboseOption,
    errors,
    parse_now,
    prepare_run,
    run_collect,
)
from bokade_cli.commands.support import SaveCaptureOption

if TYPE_CHECKING:
    pass


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
    save_capture: SaveCaptureOption = None,
) -> None:
    """Run the collection for one personnummer against a configured platform endpoint."""
    code = 0
    with errors(fmt, debug):
        run = prepare_run(
            personnummer,
            now=now,
            config=config,
            profile=profile,
            base_url=base_url,
            relation=relation,
            relations_file=relations_file,
            fmt=fmt,
            unmask=unmask,
            verbose=verbose,
            save_capture=save_capture,
        )
        code = run_collect(run, logic)
    raise typer.Exit(code)


def demo(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Bundled scenario name or a TOML file.")
    ] = "demo",
    logic: LogicOption = LogicChoice.current,
    fmt: FormatOption = OutputFormat.table,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
    save_capture: SaveCaptureOption = None,
) -> None:
    """Run the collection against the built-in simulator: no config, no network."""
    code = 0
    with errors(fmt, debug):
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
            run = Run(
                profile, pnr, list(loaded.relations), moment, fmt, unmask, verbose, save_capture
            )
            code = run_collect(run, logic)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(epilog=EPILOG)(collect)
    app.command(epilog=EPILOG)(demo)
