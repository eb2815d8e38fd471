"""`bokade collect` (one personnummer against a profile) and `bokade demo` (the simulator)."""

from __future__ import annotations

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.helptext import Command, examples
from bokade_cli.commands.options import (
    EPILOG,
    AllowPartialOption,
    BaseUrlOption,
    ConfigOption,
    DebugOption,
    DocFormat,
    DocFormatOption,
    LogicChoice,
    LogicOption,
    NowOption,
    OutputOption,
    PnrArgument,
    ProfileOption,
    RelationOption,
    RelationsFileOption,
    SaveCaptureOption,
    ScenarioOption,
    UnmaskOption,
    VerboseOption,
)

COLLECT_EXAMPLES = examples(
    "bokade collect 19121212-1212 -r SE2321000016-A001 -r SE2321000016-F003",
    "bokade collect 19121212-1212 --relations relations.txt --format markdown > case-4711.md",
    "echo 191212121212 | bokade collect - --profile qa --save-capture case-4711.json",
)
DEMO_EXAMPLES = examples(
    "bokade demo",
    "bokade demo --scenario 20-producers --format json",
    "bokade demo --format html --output demo.html",
)


def collect(
    personnummer: PnrArgument,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    relation: RelationOption = None,
    relations_file: RelationsFileOption = None,
    logic: LogicOption = LogicChoice.current,
    now: NowOption = None,
    fmt: DocFormatOption = None,
    output: OutputOption = None,
    save_capture: SaveCaptureOption = None,
    allow_partial: AllowPartialOption = False,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the collection for one personnummer against a configured platform endpoint."""
    with guarded(fmt, DocFormat, debug=debug, unmask=unmask, verbose=verbose, output=output) as out:
        from bokade_cli.commands.session import collect_result, prepare_run
        from bokade_cli.output.boundary import View
        from bokade_cli.output.documents import collect_document

        run = prepare_run(
            personnummer,
            out,
            now=now,
            config=config,
            profile=profile,
            base_url=base_url,
            relation=relation,
            relations_file=relations_file,
            save_capture=save_capture,
        )
        result = collect_result(run, logic.value, out)
        out.emit(View("collect", collect_document(result), verbose=verbose))
        out.code = result.exit_code(allow_partial)


def demo(
    scenario: ScenarioOption = "demo",
    logic: LogicOption = LogicChoice.current,
    fmt: DocFormatOption = None,
    output: OutputOption = None,
    save_capture: SaveCaptureOption = None,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the collection against the built-in simulator: no config, no network."""
    with guarded(fmt, DocFormat, debug=debug, unmask=unmask, verbose=verbose, output=output) as out:
        from bokade_cli.commands.session import Run, collect_result, parse_now
        from bokade_cli.config import Profile
        from bokade_cli.output.boundary import View
        from bokade_cli.output.documents import collect_document
        from bokade_cli.output.files import check_writable
        from bokade_cli.personnummer import parse_personnummer
        from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

        loaded = load_scenario(scenario)
        pnr = parse_personnummer(loaded.citizen)
        out.protect(pnr.digits)
        if save_capture is not None:
            check_writable(save_capture, "capture file")
        moment = parse_now(None)
        with serve_in_thread(Simulator(loaded, now=moment)) as server:
            profile = Profile(
                name=f"simulator:{loaded.name}",
                base_url=server.base_url,
                aggregator_logical_address=loaded.aggregator,
                timeout_s=10.0,
                connect_timeout_s=2.0,
            )
            run = Run(profile, pnr, tuple(loaded.relations), moment, save_capture)
            result = collect_result(run, logic.value, out)
        out.emit(View("collect", collect_document(result), verbose=verbose))
        out.code = result.exit_code()


def register(app: typer.Typer) -> None:
    app.command(cls=Command, epilog=EPILOG + COLLECT_EXAMPLES)(collect)
    app.command(cls=Command, epilog=EPILOG + DEMO_EXAMPLES)(demo)
