"""Support commands: `explain` a missing appointment, `compare` the logics, `relations explain`, `replay`."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bokade_cli.commands.common import (
    EPILOG,
    ConfigOption,
    DebugOption,
    FormatOption,
    LogicChoice,
    NowOption,
    OutputFormat,
    ProfileOption,
    RelationOption,
    RelationsFileOption,
    Run,
    UnmaskOption,
    VerboseOption,
    collect_result,
    data_console,
    errors,
    event_printer,
    exit_code_of,
    fail,
    note_capture,
    parse_now,
    prepare_run,
    print_result,
)

if TYPE_CHECKING:
    from bokade_cli.models import CallResult, Logic

PnrArgument = Annotated[
    str, typer.Argument(help="Personnummer or samordningsnummer; - reads stdin.")
]
BaseUrlOption = Annotated[
    str | None, typer.Option("--base-url", help="Override the profile's base_url.")
]
SaveCaptureOption = Annotated[
    Path | None,
    typer.Option(
        "--save-capture",
        help="Write every request and response of the run to this JSON file (personnummer "
        "masked), for a ticket or `bokade replay`.",
    ),
]


def explain(
    personnummer: PnrArgument,
    booking_id: Annotated[
        str | None, typer.Option("--booking-id", help="The bookingId (or documentId) asked about.")
    ] = None,
    facility: Annotated[
        str | None, typer.Option("--facility", help="The facility's HSA-id asked about.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="With --facility: its start (ISO 8601) or just its date."),
    ] = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    relation: RelationOption = None,
    relations_file: RelationsFileOption = None,
    now: NowOption = None,
    save_capture: SaveCaptureOption = None,
    fmt: FormatOption = OutputFormat.table,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Explain why an appointment is or is not shown, with a coded finding per check."""
    code = 0
    with errors(fmt, debug):
        from bokade_cli.collect import unique_relations
        from bokade_cli.support.explain import Query
        from bokade_cli.support.explain import explain as explain_result
        from bokade_cli.support.render import explanation_document, render_explanation

        if not booking_id and not facility:
            fail("say which appointment: give --booking-id or --facility", _QUERY_HINT)
        query = Query(booking_id, facility and facility.strip(), *_parse_start(start))
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
        result = collect_result(run, LogicChoice.current)
        explanation = explain_result(result, unique_relations(run.relations), query)
        if fmt is OutputFormat.json:
            _write_json(explanation_document(explanation))
        else:
            render_explanation(explanation, data_console())
        code = exit_code_of(result)
    raise typer.Exit(code)


_QUERY_HINT = "E.g. --booking-id 81347, or --facility SE2321000016-1234 --start 2026-12-01T10:00."


def _parse_start(value: str | None) -> tuple[datetime | None, bool]:
    """(start, whole_day): a bare date asks about the whole day."""
    if value is None:
        return None, False
    from bokade_cli.rules import local_now

    text = value.strip()
    try:
        if len(text) == 10:
            return local_now(datetime.combine(date.fromisoformat(text), datetime.min.time())), True
        return local_now(datetime.fromisoformat(text)), False
    except ValueError:
        fail(f"--start {value!r} is not an ISO 8601 date or time", _QUERY_HINT)


def compare(
    personnummer: PnrArgument,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    relation: RelationOption = None,
    relations_file: RelationsFileOption = None,
    now: NowOption = None,
    save_capture: SaveCaptureOption = None,
    fmt: FormatOption = OutputFormat.table,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Show which logic (current, target, legacy) shows each appointment, and what target loses."""
    code = 0
    with errors(fmt, debug):
        from bokade_cli.support.compare import compare as compare_calls
        from bokade_cli.support.render import comparison_document, render_comparison

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
        calls = _all_calls(run)
        comparison = compare_calls(calls, run.relations, run.label, run.now)
        if fmt is OutputFormat.json:
            _write_json(comparison_document(comparison))
        else:
            render_comparison(comparison, data_console())
        code = exit_code_of(comparison.union)
    raise typer.Exit(code)


def replay(
    file: Annotated[Path, typer.Argument(help="A capture file (collect --save-capture).")],
    now: NowOption = None,
    logic: Annotated[
        LogicChoice | None,
        typer.Option("--logic", help="Judge as this logic (default: the captured run's)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Re-run the rules and output offline from a capture (default: the captured --now)."""
    code = 0
    with errors(fmt, debug):
        from bokade_cli.collect import judged
        from bokade_cli.rules import local_now
        from bokade_cli.support.replay import captured_now, load_capture, replay_calls

        document = load_capture(file)
        captured = logic.value if logic else document.get("logic")
        # A compare capture ("compare") replays as current unless a logic is asked for.
        chosen: Logic = (
            "target" if captured == "target" else "legacy" if captured == "legacy" else "current"
        )
        moment = parse_now(now) if now else local_now(captured_now(document))
        calls = replay_calls(document, chosen)
        from bokade_cli.personnummer import mask_numbers

        # A capture is masked when written; a label edited by hand is masked here all the same.
        label = mask_numbers(document["subject_of_care"])
        result = judged(calls, label, chosen, moment)
        print_result(result, fmt, verbose)
        code = exit_code_of(result)
    raise typer.Exit(code)


relations_app = typer.Typer(
    name="relations",
    help="The citizen's relation list (mottagningsrelation).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@relations_app.command("explain", epilog=EPILOG)
def relations_explain(
    file: Annotated[Path, typer.Argument(help="A TOML file of dated relation events.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Apply only events up to this date.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    debug: DebugOption = False,
) -> None:
    """Show which relations exist after a citizen's relation events, and the rule behind each."""
    with errors(fmt, debug):
        from bokade_cli.relations import load_events
        from bokade_cli.support.relation_events import relations_from_events
        from bokade_cli.support.render import relations_document, render_relations

        day = None
        if as_of is not None:
            try:
                day = date.fromisoformat(as_of.strip())
            except ValueError:
                fail(f"--as-of {as_of!r} is not a date", "Write it as 2026-11-26.")
        relations = relations_from_events(load_events(file), day)
        if fmt is OutputFormat.json:
            _write_json(relations_document(relations, str(file), day))
        else:
            render_relations(relations, str(file), data_console())


def _all_calls(run: Run) -> tuple[CallResult, ...]:
    from bokade_cli.collect import scrubbed_calls
    from bokade_cli.support.capture import collect_all_captured

    on_event = event_printer(run.verbose, run.scrub)
    calls = collect_all_captured(
        run.profile, run.pnr, run.relations, run.now, run.save_capture, on_event
    )
    note_capture(run.save_capture, run.fmt)
    return scrubbed_calls(calls, run.scrub)


def _write_json(document: object) -> None:
    import json

    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.command(epilog=EPILOG)(explain)
    app.command(epilog=EPILOG)(compare)
    app.command(epilog=EPILOG)(replay)
    app.add_typer(relations_app, name="relations")
