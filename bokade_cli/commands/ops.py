"""`bokade smoke` (check a profile step by step) and `bokade batch` (cases with expectations, for CI)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.helptext import Command, examples
from bokade_cli.commands.options import (
    AllowPartialOption,
    BaseUrlOption,
    ConfigOption,
    DebugOption,
    JUnitOption,
    NowOption,
    OutputOption,
    ProfileOption,
    UnmaskOption,
    VerboseOption,
    format_option,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from bokade_cli.ops.batch.file import Case


class SmokeFormat(StrEnum):
    table = "table"
    json = "json"
    openmetrics = "openmetrics"


class BatchFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


SMOKE_EPILOG = (
    "Exit codes: 0 every step passed (warnings allowed unless --strict) · 1 a step failed "
    "(a broken configuration is the failed `configuration` step, not exit 5) · "
    "2 usage error (bad --pnr, unwritable --junit/--output) · 70 internal error (a bug)."
)
SMOKE_EXAMPLES = examples(
    "bokade smoke --profile qa --pnr 19121212-1212 --facility SE2321000016-A001",
    "bokade smoke --profile qa --strict --junit smoke.xml",
    "bokade smoke --profile prod --format openmetrics -o /var/lib/prometheus/node-exporter/bokade.prom",
)
BATCH_EXAMPLES = examples(
    "bokade batch cases.toml --profile qa --junit batch.xml",
    "bokade batch cases.toml --concurrency 16 --format jsonl > results.jsonl",
)
BATCH_EPILOG = (
    "Exit codes: 0 every case passed and every call answered · 1 an expectation failed or a case "
    "could not run (e.g. an invalid personnummer) · 2 usage error or bad batch file (the message "
    "names file, case and key) · 3 all passed, but some call or source failed (0 with "
    "--allow-partial) · 4 nothing answered in any case (an outage, before 1) · 5 configuration "
    "error · 130 interrupted (Ctrl-C): the partial summary is printed and the JUnit file lists "
    "the cases not run as skipped."
)


def smoke(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    pnr: Annotated[
        str | None,
        typer.Option(
            "--pnr",
            envvar="BOKADE_SMOKE_PNR",
            metavar="PERSONNUMMER",
            help="Test personnummer for the four contract calls (not checked without it).",
            show_default=False,
        ),
    ] = None,
    facility: Annotated[
        str | None,
        typer.Option(
            "--facility", metavar="HSAID", help="A facility HSA-id for the direct call (call2)."
        ),
    ] = None,
    ping: Annotated[
        list[str] | None,
        typer.Option(
            "--ping",
            metavar="HSAID",
            help="PingForConfiguration this logical address (repeatable).",
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the run too.")] = False,
    junit: JUnitOption = None,
    fmt: Annotated[SmokeFormat | None, format_option()] = None,
    output: OutputOption = None,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Smoke-test a profile: config and certificate files, the client certificate (HSA-id in
    its serialNumber, issuer, days to expiry), the TCP/TLS handshake, the four contracts for a
    test personnummer (with their ProcessingStatus) and optional PingForConfiguration calls.

    Each step passes, warns, fails or is skipped, with its latency and a hint. Warnings (a
    source failing behind an answer, a certificate expiring within 30 days, no answer to
    PingForConfiguration, which is no longer mandatory) fail the run only with --strict.
    """
    with guarded(
        fmt, SmokeFormat, debug=debug, unmask=unmask, verbose=verbose, output=output
    ) as out:
        from bokade_cli import clock
        from bokade_cli.commands.session import RunObserver
        from bokade_cli.ops.smoke.run import SmokeRequest, run_smoke
        from bokade_cli.output.boundary import View
        from bokade_cli.output.files import check_writable
        from bokade_cli.output.junit import junit_document
        from bokade_cli.output.smokeview import smoke_document, smoke_junit
        from bokade_cli.personnummer import parse_personnummer
        from bokade_cli.relations import check_relation

        number = parse_personnummer(pnr) if pnr else None
        if number is not None:
            out.protect(number.digits)
        where = check_relation(facility, "--facility") if facility else None
        pinged = _distinct_pings([check_relation(p, "--ping") for p in ping or ()], out.warn)
        if junit is not None:
            check_writable(junit, "JUnit file")
        request = SmokeRequest(config, profile, {"base_url": base_url}, number, where, pinged)
        report = run_smoke(request, RunObserver(out))
        instant = clock.now_instant()
        moment = clock.local(instant)
        document = smoke_document(report, strict, clock.iso(instant))
        # The profile's name, its base_url and the configuration step echo the config file.
        view = View("smoke", document, echoes=("profile", "base_url", "steps"), verbose=verbose)
        out.emit(view)
        if junit is not None:
            out.write_private(
                junit,
                view,
                lambda doc: junit_document(
                    "bokade smoke", smoke_junit(doc), "bokade.smoke", moment
                ),
                "JUnit file",
            )
        out.code = 1 if report.failed(strict) else 0


def batch(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The batch file (TOML; - reads stdin); see the format above.",
            show_default=False,
        ),
    ],
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", "-c", metavar="N", min=1, max=500, help="Cases run at once (1-500)."
        ),
    ] = 4,
    by_facility: Annotated[
        bool,
        typer.Option(
            "--by-facility",
            help="Add the target readiness by facility: per facility the shown appointments "
            "by call, those the target logic would lose, the cases affected, and whether "
            "call1 listed it or it failed there (--format csv writes just this report).",
        ),
    ] = False,
    junit: JUnitOption = None,
    fmt: Annotated[BatchFormat | None, format_option()] = None,
    output: OutputOption = None,
    now: NowOption = None,
    allow_partial: AllowPartialOption = False,
    unmask: UnmaskOption = False,
    verbose: VerboseOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the cases of a batch file concurrently and check each one's expectations.

    \b
    Batch file (TOML; relative paths are read from its folder):
      [defaults]                          # optional, inherited by every case
      logic = "current"                   # current | target | legacy
      relations = ["SE2321000016-A001"]   # and/or relations_file = "relations.txt"
      [defaults.expect]
      no_failed_sources = true
      [[cases]]
      name = "demo citizen"               # default "case N"
      personnummer = "19121212-1212"      # or personnummer_file = "numbers.txt"
      relations = ["SE2321000016-R004"]   # replaces the defaults' relations
      [cases.expect]
      min_shown = 1                       # max_shown = 20
      shown = ["A-1000"]                  # booking ids (or documentIds) shown
      not_shown = ["A-1004"]
      reasons = { "A-1004" = "start_passed", "F-3000" = "not_received" }
      no_failed_sources = true            # no call and no source failed
      min_target_readiness = 0.5          # share of shown from call1
    A reason is a filter code, shown, duplicate or not_received.

    Output: table (one row per case, summed per-call statistics, totals), json (one document)
    or jsonl (one line per case as it finishes: case, status, unmet, error, and the collect
    document under "result"). Progress goes to stderr: a bar on a terminal, one line per case
    otherwise, nothing in json/jsonl/csv mode unless --output or -v.

    --by-facility adds "Target readiness by facility" (the facilities whose appointments only
    call2 or call3 find, most lost first): a table section, a "facilities" list in json, a
    last "facilities" line in jsonl; csv is that report alone, one row per facility (a text
    cell starting with = + - @ gets a leading ' so no spreadsheet runs it as a formula).
    """
    with guarded(
        fmt, BatchFormat, debug=debug, unmask=unmask, verbose=verbose, output=output
    ) as out:
        from bokade_cli import clock
        from bokade_cli.commands.session import RunObserver, load_profile, parse_now
        from bokade_cli.ops.batch.file import load_batch
        from bokade_cli.ops.batch.run import CaseResult, run_batch
        from bokade_cli.output.batchview import (
            batch_document,
            batch_junit,
            case_document,
            facilities_line,
            facility_documents,
        )
        from bokade_cli.output.boundary import Format, View
        from bokade_cli.output.files import check_writable
        from bokade_cli.output.junit import junit_document
        from bokade_cli.output.progress import BatchProgress

        plan = load_batch(file)
        # Every case's number is masked in the whole batch view, not just in its own case: a
        # producer may write one case's number into another's answer, a facility name in the
        # by-facility report, or the batch file's name.
        out.protect(*_case_numbers(plan.cases))
        moment = parse_now(now)
        settings = load_profile(out, config, profile, {"base_url": base_url})
        if junit is not None:
            check_writable(junit, "JUnit file")
        quiet = out.fmt is not Format.table and output is None and not verbose
        # When the suite ran, in local time with its offset, as smoke writes it (--now is the
        # instant the rules judge against, not when the run happened).
        started = clock.local(clock.now_instant())
        cases: dict[int, dict[str, object]] = {}
        with BatchProgress(len(plan.cases), quiet, out.err_console()) as progress:

            def done(result: CaseResult) -> None:
                numbers = (result.digits,) if result.digits else ()
                case = out.masked(case_document(result), numbers, echoes=("case",))
                cases[result.case.index] = case
                progress.case_done(out.human(case))
                if out.fmt is Format.jsonl:
                    out.line(View("batch-case", case))

            run = run_batch(
                plan, settings, moment, concurrency, on_done=done, observer=RunObserver(out)
            )
        ordered = [
            cases.get(r.case.index) or out.masked(case_document(r), echoes=("case",))
            for r in run.ordered()
        ]
        report = facilities = None
        if by_facility or out.fmt is Format.csv:  # csv is this report, with or without the flag
            from bokade_cli.ops.batch.facilities import by_facility as aggregate

            report = aggregate(r.result for r in run.ordered() if r.result is not None)
            # Names and ids come from answers: any number in them is masked, whichever case's
            # answer wrote it, and even with --unmask (the report is about facilities).
            facilities = out.anonymous(facility_documents(report))
        document = batch_document(run, ordered, facilities)
        view = View("batch", document, echoes=("file",), verbose=verbose)  # file: local input
        if junit is not None:  # first: CI keeps the file even when stdout cannot take the report
            out.write_private(
                junit,
                view,
                lambda doc: junit_document(
                    "bokade batch", batch_junit(doc), "bokade.batch", started
                ),
                "JUnit file",
            )
        if out.fmt is not Format.jsonl:
            out.emit(view)
        else:
            if report is not None and facilities is not None:
                out.line(View("batch-facilities", facilities_line(report, facilities)))
            if output is not None:
                out.show_table(view)
        out.code = run.exit_code(allow_partial)


def _distinct_pings(addresses: list[str], warn: Callable[[str], None]) -> tuple[str, ...]:
    """Each address pinged once, as first written: a repeat (in any case: HSA-ids compare
    without it) would be a second series with the same labels, which Prometheus rejects."""
    from bokade_cli.hsa import hsa_key

    first: dict[str, str] = {}
    for address in addresses:
        if hsa_key(address) in first:
            warn(f"--ping {address} repeats {first[hsa_key(address)]}: it is pinged once.")
        else:
            first[hsa_key(address)] = address
    return tuple(first.values())


def _case_numbers(cases: Sequence[Case]) -> list[str]:
    """The digits of every case's valid number (an invalid one fails its case, unsent)."""
    from bokade_cli.errors import BokadeError
    from bokade_cli.personnummer import parse_personnummer

    found = []
    for case in cases:
        try:
            found.append(parse_personnummer(case.personnummer).digits)
        except BokadeError:
            pass
    return found


def register(app: typer.Typer) -> None:
    app.command(
        cls=Command,
        epilog=SMOKE_EPILOG + SMOKE_EXAMPLES,
        short_help="Check a profile step by step (ops).",
    )(smoke)
    app.command(
        cls=Command,
        epilog=BATCH_EPILOG + BATCH_EXAMPLES,
        short_help="Run cases with expectations (CI).",
    )(batch)
