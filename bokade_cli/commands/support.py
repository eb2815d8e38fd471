"""Support commands: `explain` a missing appointment, `compare` the logics, `relations explain`, `replay`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.helptext import Command, examples
from bokade_cli.commands.options import (
    EPILOG,
    BaseUrlOption,
    CaptureOption,
    ConfigOption,
    DebugOption,
    DocFormat,
    DocFormatOption,
    LogicChoice,
    NowOption,
    OptionalPnrArgument,
    OutputOption,
    ProfileOption,
    RelationOption,
    RelationsFileOption,
    SaveCaptureOption,
    UnmaskOption,
    VerboseOption,
)
from bokade_cli.errors import InputError, UsageError
from bokade_cli.quoting import quote

ECHO_SUBJECT: tuple[str, ...] = (
    "subject_of_care",
)  # a capture's subject: masked with any serial of its date
# explain writes the question back (--booking-id, --facility): argv may hold anyone's number.
ECHO_QUESTION = ("question", "query", "findings")
EXPLAIN_EXAMPLES = examples(
    "bokade explain 19121212-1212 --relations relations.txt --booking-id 81347",
    "bokade explain 19121212-1212 -r SE2321000016-F003 --facility SE2321000016-F003 --start 2026-12-01",
    "bokade explain --capture case-4711.json --booking-id 81347 --format markdown",
)
COMPARE_EXAMPLES = examples(
    "bokade compare 19121212-1212 --relations relations.txt",
    "bokade compare 19121212-1212 --relations relations.txt --save-capture all.json",
    "bokade compare --capture all.json --format html --output compare.html",
)
REPLAY_EXAMPLES = examples(
    "bokade replay case-4711.json",
    "bokade replay all.json --logic target --format json",
    "bokade replay case-4711.json --now 2026-12-02T09:00",
)
_QUERY_HINT = "E.g. --booking-id 81347, or --facility SE2321000016-1234 --start 2026-12-01T10:00."


def explain(
    personnummer: OptionalPnrArgument = None,
    booking_id: Annotated[
        str | None,
        typer.Option(
            "--booking-id",
            metavar="ID",
            help="The bookingId (or documentId) asked about, or the table's row id (r3).",
            show_default=False,
        ),
    ] = None,
    facility: Annotated[
        str | None,
        typer.Option(
            "--facility",
            metavar="HSAID",
            help="The facility's HSA-id asked about.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            metavar="TIME",
            help="With --facility: its start (ISO 8601) or just its date.",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    relation: RelationOption = None,
    relations_file: RelationsFileOption = None,
    now: NowOption = None,
    save_capture: SaveCaptureOption = None,
    capture: CaptureOption = None,
    fmt: DocFormatOption = None,
    output: OutputOption = None,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Explain why an appointment is or is not shown, with a coded finding per check.

    With --capture FILE it answers offline from a capture, exactly as the captured run would
    have: the next support line can re-examine a ticket's case without the platform.
    """
    with guarded(fmt, DocFormat, debug=debug, unmask=unmask, verbose=verbose, output=output) as out:
        from bokade_cli.commands.session import (
            collect_result,
            load_case,
            prepare_run,
            refuse_beside_capture,
        )
        from bokade_cli.output.boundary import View
        from bokade_cli.output.documents import explanation_document
        from bokade_cli.support.explain import Query
        from bokade_cli.support.explain import explain as explain_result

        if not booking_id and not facility:
            raise UsageError("say which appointment: give --booking-id or --facility", _QUERY_HINT)
        query = Query(booking_id, facility and facility.strip(), *_parse_start(start))
        if capture is not None:
            refuse_beside_capture(personnummer, base_url=base_url, relation=relation, relations=relations_file, save_capture=save_capture)  # fmt: skip
            case = load_case(out, capture, now)
            result, relations = case.judged("current"), case.relations
            echoes = ECHO_SUBJECT + ECHO_QUESTION
        else:
            run = prepare_run(
                _needed(personnummer, "explain"),
                out,
                now=now,
                config=config,
                profile=profile,
                base_url=base_url,
                relation=relation,
                relations_file=relations_file,
                save_capture=save_capture,
            )
            result, relations = collect_result(run, "current", out), run.relations
            echoes = ECHO_QUESTION
        explanation = explain_result(result, relations, query)
        document = explanation_document(explanation)
        out.emit(View("explain", document, echoes=echoes, verbose=verbose))
        out.code = result.exit_code()


def _needed(personnummer: str | None, command: str) -> str:
    if personnummer is None:
        # A placeholder, not the test number: the output boundary would mask that as a number.
        query = " --booking-id 81347" if command == "explain" else ""
        raise UsageError(
            "give a personnummer (or --capture FILE to answer from a capture)",
            f"E.g. `bokade {command} YYYYMMDD-NNNN{query}`, or "
            f"`bokade {command} --capture case-4711.json{query}`.",
        )
    return personnummer


def _parse_start(value: str | None) -> tuple[datetime | None, bool]:
    """(start as an instant, whole_day): a bare date asks about the whole day."""
    if value is None:
        return None, False
    from bokade_cli import clock

    text = value.strip()
    whole_day = len(text) == 10
    try:
        if whole_day:
            wall = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            wall = clock.parse_iso(text)
    except ValueError:
        raise UsageError(
            f"--start {quote(value)} is not an ISO 8601 date or time", _QUERY_HINT
        ) from None
    try:
        return clock.now_instant(wall), whole_day
    except ValueError as exc:  # valid ISO 8601, outside the years the rules handle (as --now)
        raise UsageError(f"--start: {exc}", _QUERY_HINT) from None


def compare(
    personnummer: OptionalPnrArgument = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    relation: RelationOption = None,
    relations_file: RelationsFileOption = None,
    now: NowOption = None,
    save_capture: SaveCaptureOption = None,
    capture: CaptureOption = None,
    fmt: DocFormatOption = None,
    output: OutputOption = None,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Show which logic (current, target, legacy) shows each appointment, and what target loses.

    With --capture FILE it compares offline from a capture. A logic whose calls the capture lacks
    is not judged, and the output says why: a `collect` capture has no direct call to the
    facilities call1 already called, which the legacy logic makes (capture with `compare
    --save-capture` to judge every logic).
    """
    with guarded(fmt, DocFormat, debug=debug, unmask=unmask, verbose=verbose, output=output) as out:
        from bokade_cli.commands.session import (
            load_case,
            prepare_run,
            refuse_beside_capture,
            run_calls,
        )
        from bokade_cli.output.boundary import Format, View
        from bokade_cli.output.documents import comparison_document
        from bokade_cli.support.compare import LOGICS
        from bokade_cli.support.compare import compare as compare_calls
        from bokade_cli.support.replay import cannot_judge

        if capture is not None:
            refuse_beside_capture(personnummer, base_url=base_url, relation=relation, relations=relations_file, save_capture=save_capture)  # fmt: skip
            case = load_case(out, capture, now)
            unjudged: dict[str, str] = {
                logic: why
                for logic in LOGICS
                if (why := cannot_judge(case.document, case.calls, logic)) is not None
            }
            if len(unjudged) == len(LOGICS):
                raise InputError(
                    f"the capture cannot be compared: {unjudged['current']}",
                    "Capture with `bokade compare --save-capture` (or collect) and try again.",
                )
            if out.fmt is Format.table:  # the other formats carry it in the document
                for logic, why in unjudged.items():
                    out.warn(f"the {logic} logic is not judged: {why}.")
            comparison = compare_calls(case.calls, case.relations, case.subject_of_care, case.now, unjudged)  # fmt: skip
            echoes: tuple[str, ...] = ECHO_SUBJECT
        else:
            run = prepare_run(
                _needed(personnummer, "compare"),
                out,
                now=now,
                config=config,
                profile=profile,
                base_url=base_url,
                relation=relation,
                relations_file=relations_file,
                save_capture=save_capture,
            )
            calls = run_calls(run, "all", out)
            comparison = compare_calls(calls, run.relations, run.subject_of_care, run.now)
            echoes = ()
        document = comparison_document(comparison)
        out.emit(View("compare", document, echoes=echoes, verbose=verbose))
        out.code = comparison.union.exit_code()


def replay(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A capture file (--save-capture); - reads stdin.",
            show_default=False,
        ),
    ],
    now: NowOption = None,
    logic: Annotated[
        LogicChoice | None,
        typer.Option("--logic", help="Judge as this logic (default: the captured run's)."),
    ] = None,
    fmt: DocFormatOption = None,
    output: OutputOption = None,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Re-run the rules and output offline from a capture (default: the captured --now)."""
    with guarded(fmt, DocFormat, debug=debug, verbose=verbose, output=output) as out:
        from bokade_cli.commands.session import load_case
        from bokade_cli.models import Logic
        from bokade_cli.output.boundary import View
        from bokade_cli.output.documents import collect_document

        case = load_case(out, file, now)
        captured = logic.value if logic else case.document.get("logic")
        # A compare capture ("all") replays as current unless a logic is asked for.
        chosen: Logic = (
            "target" if captured == "target" else "legacy" if captured == "legacy" else "current"
        )
        result = case.judged(chosen)
        out.emit(View("collect", collect_document(result), echoes=ECHO_SUBJECT, verbose=verbose))
        out.code = result.exit_code()


relations_app = typer.Typer(
    name="relations",
    help="The citizen's relation list (mottagningsrelation).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@relations_app.command(
    "explain",
    cls=Command,
    epilog=EPILOG
    + examples(
        "bokade relations explain relation-events.toml",
        "bokade relations explain relation-events.toml --as-of 2021-12-31 --format markdown",
    ),
)
def relations_explain(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A TOML file of dated relation events; - reads stdin.",
            show_default=False,
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="Apply only events up to this date.", show_default=False
        ),
    ] = None,
    fmt: DocFormatOption = None,
    output: OutputOption = None,
    debug: DebugOption = False,
) -> None:
    """Show which relations exist after a citizen's relation events, and the rule behind each."""
    with guarded(fmt, DocFormat, debug=debug, output=output) as out:
        from bokade_cli.inputs import display_name
        from bokade_cli.output.boundary import View
        from bokade_cli.output.documents import relations_document
        from bokade_cli.relation_events import relations_from_events
        from bokade_cli.relations import load_events

        day = None
        if as_of is not None:
            try:
                day = date.fromisoformat(as_of.strip())
            except ValueError:
                raise UsageError(
                    f"--as-of {quote(as_of)} is not a date", "Write it as 2026-11-26."
                ) from None
        relations = relations_from_events(load_events(file), day)
        document = relations_document(relations, display_name(file), day)
        # All of it comes from the file (names, notes, its path): any number in it is masked.
        out.emit(View("relations", document, echoes=tuple(document)))


def register(app: typer.Typer) -> None:
    app.command(cls=Command, epilog=EPILOG + EXPLAIN_EXAMPLES)(explain)
    app.command(cls=Command, epilog=EPILOG + COMPARE_EXAMPLES)(compare)
    app.command(cls=Command, epilog=EPILOG + REPLAY_EXAMPLES)(replay)
    app.add_typer(relations_app, name="relations")
