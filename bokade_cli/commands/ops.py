"""`bokade smoke` (check a profile step by step) and `bokade batch` (cases with expectations, for CI)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bokade_cli.commands.common import (
    ConfigOption,
    DebugOption,
    NowOption,
    OutputFormat,
    ProfileOption,
    UnmaskOption,
    VerboseOption,
    data_console,
    errors,
    event_printer,
    load_profile,
    parse_now,
)


class BatchFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


SMOKE_EPILOG = (
    "Exit codes: 0 every step passed (warnings allowed unless --strict) · 1 a step failed "
    "(a broken configuration is the failed `configuration` step, not exit 5) · "
    "2 usage error (bad --pnr, unwritable --junit/--output) · 70 internal error (a bug)."
)
BATCH_EPILOG = (
    "Exit codes: 0 every case passed and every call answered · 1 an expectation failed or a case "
    "could not run (e.g. an invalid personnummer) · 2 usage error or bad batch file (the message "
    "names file, case and key) · 3 all passed, but some call or source failed · 4 nothing answered "
    "in any case · 5 configuration error · 130 interrupted (Ctrl-C): the partial summary is printed "
    "and the JUnit file lists the cases not run as skipped."
)
BaseUrlOption = Annotated[
    str | None, typer.Option("--base-url", help="Override the profile's base_url.")
]
JUnitOption = Annotated[
    Path | None,
    typer.Option("--junit", help="Also write a JUnit XML report to this file (for CI)."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the --format output to this file; with json/jsonl the table still goes to stdout.",
    ),
]


def smoke(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    pnr: Annotated[
        str | None,
        typer.Option(
            "--pnr",
            envvar="BOKADE_SMOKE_PNR",
            help="Test personnummer for the four contract calls (skipped without it).",
        ),
    ] = None,
    facility: Annotated[
        str | None,
        typer.Option(
            "--facility", metavar="<hsa-id>", help="A facility HSA-id for the direct call (call2)."
        ),
    ] = None,
    ping: Annotated[
        list[str] | None,
        typer.Option(
            "--ping",
            metavar="<hsa-id>",
            help="PingForConfiguration this logical address (repeatable).",
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the run too.")] = False,
    junit: JUnitOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = (
        OutputFormat.table
    ),
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
    code = 0
    with errors(fmt, debug):
        from bokade_cli.ops.junit import junit_document, write_junit
        from bokade_cli.ops.reporting import open_output
        from bokade_cli.ops.smoke import SmokeRequest, run_smoke
        from bokade_cli.ops.smokereport import render_smoke, smoke_document, smoke_junit
        from bokade_cli.personnummer import mask_text, parse_personnummer
        from bokade_cli.rules import local_now

        number = parse_personnummer(pnr) if pnr else None

        def scrub(text: str) -> str:
            return text if unmask or number is None else mask_text(text, number)

        request = SmokeRequest(
            config, profile, {"base_url": base_url}, number, facility, tuple(ping or ())
        )
        report = run_smoke(request, on_event=event_printer(verbose, scrub)).scrubbed(scrub)
        with open_output(output) as out:
            if fmt is OutputFormat.json:
                out.write_line(
                    json.dumps(smoke_document(report, strict), ensure_ascii=False, indent=2)
                )
            else:
                render_smoke(report, out.file_console() if output else data_console(), strict)
        if output is not None and fmt is OutputFormat.json:
            render_smoke(report, data_console(), strict)
        if junit is not None:
            text = junit_document(
                "bokade smoke", smoke_junit(report, strict), "bokade.smoke", local_now()
            )
            write_junit(junit, text)
        code = 1 if report.failed(strict) else 0
    raise typer.Exit(code)


def batch(
    file: Annotated[Path, typer.Argument(help="The batch file (TOML); see the format above.")],
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=500, help="Cases run at once.")
    ] = 4,
    junit: JUnitOption = None,
    fmt: Annotated[BatchFormat, typer.Option("--format", "-f", help="Output format.")] = (
        BatchFormat.table
    ),
    output: OutputOption = None,
    now: NowOption = None,
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
    otherwise, nothing in json/jsonl mode unless --output or -v.
    """
    code = 0
    error_format = OutputFormat.table if fmt is BatchFormat.table else OutputFormat.json
    with errors(error_format, debug):
        from bokade_cli.ops.batch import CaseResult, run_batch
        from bokade_cli.ops.batchfile import load_batch
        from bokade_cli.ops.batchreport import batch_document, batch_junit, case_json, render_batch
        from bokade_cli.ops.junit import check_writable, junit_document, write_junit
        from bokade_cli.ops.reporting import BatchProgress, open_output

        plan = load_batch(file)
        moment = parse_now(now)
        settings = load_profile(config, profile, {"base_url": base_url})
        if junit is not None:
            check_writable(junit)
        quiet = fmt is not BatchFormat.table and output is None and not verbose
        with open_output(output) as out:
            with BatchProgress(len(plan.cases), quiet) as progress:

                def done(result: CaseResult) -> None:
                    progress.case_done(result)
                    if fmt is BatchFormat.jsonl:
                        out.write_line(case_json(result))

                run = run_batch(
                    plan,
                    settings,
                    moment,
                    concurrency,
                    unmask=unmask,
                    on_done=done,
                    on_event=progress.event if verbose else None,
                )
            if fmt is BatchFormat.json:
                out.write_line(json.dumps(batch_document(run), ensure_ascii=False, indent=2))
            elif fmt is BatchFormat.table:
                render_batch(run, out.file_console() if output else data_console())
        if output is not None and fmt is not BatchFormat.table:
            render_batch(run, data_console())
        if junit is not None:
            write_junit(
                junit, junit_document("bokade batch", batch_junit(run), "bokade.batch", moment)
            )
        code = run.exit_code()
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(epilog=SMOKE_EPILOG, short_help="Check a profile step by step (ops).")(smoke)
    app.command(epilog=BATCH_EPILOG, short_help="Run cases with expectations (CI).")(batch)
