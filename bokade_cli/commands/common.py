"""What every command shares: option types, error reporting, and running one collection."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from bokade_cli.errors import BokadeError, ExitCode, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from bokade_cli.config import Profile
    from bokade_cli.models import CollectionResult
    from bokade_cli.personnummer import Personnummer

EPILOG = (
    "Exit codes: 0 complete · 1 an expectation failed · 2 usage or input error · "
    "3 partial (some call or source failed; output still printed) · 4 nothing answered · "
    "5 configuration error · 70 internal error (a bug)."
)
INTERNAL_ERROR = 70


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
    typer.Option(
        "--relations",
        help="File of relation HSA-ids (one per line) or a TOML file of relation events "
        "(see `bokade relations explain`).",
    ),
]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", "-p", envvar="BOKADE_PROFILE", help="Profile name.")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", envvar="BOKADE_CONFIG", help="A config file (TOML)."),
]


@contextmanager
def errors(fmt: OutputFormat, debug: bool, scrub: Callable[[str], str] = str) -> Iterator[None]:
    """Turn every error into one line + hint (or the JSON error document) and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except BokadeError as exc:
        report(fmt, exc.code, scrub(exc.message), scrub(exc.hint))
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        report(fmt, "interrupted", "interrupted", "")
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            raise
        report(
            fmt,
            "internal",
            scrub(f"internal error: {type(exc).__name__}: {exc}"),
            "This is a bug in bokade; run again with --debug and report the traceback.",
        )
        raise typer.Exit(INTERNAL_ERROR) from None


def report(fmt: OutputFormat, code: str, message: str, hint: str) -> None:
    from rich.console import Console

    if fmt is OutputFormat.json:
        doc = {"error": {"code": code, "message": message, "hint": hint or None}}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    err.print(f"Error: {message}", markup=False)
    if hint:
        err.print(f"Hint: {hint}", markup=False)


def fail(message: str, hint: str) -> NoReturn:
    raise UsageError(message, hint)


def parse_now(value: str | None) -> datetime:
    from bokade_cli.rules import local_now

    if value is None:
        return local_now()
    hint = "Use e.g. --now 2026-11-26T12:00 or 2026-11-26T12:00:00+01:00."
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"--now {value!r} is not an ISO 8601 time", hint)
    try:
        return local_now(parsed)
    except ValueError as exc:
        fail(f"--now {value!r}: {exc}", hint)


def read_personnummer(value: str) -> Personnummer:
    from bokade_cli.personnummer import parse_personnummer

    if value == "-":
        value = sys.stdin.readline()
        if not value.strip():
            fail(
                "no personnummer on standard input",
                "Pipe one number, e.g. `echo 191212121212 | bokade collect -`.",
            )
    return parse_personnummer(value)


def relations_from(
    relation: list[str] | None, relations_file: Path | None, profile: Profile
) -> list[str]:
    from bokade_cli.relations import load_relations_file

    found = list(relation or [])
    path = relations_file or profile.relations_file
    if path is not None:
        found += load_relations_file(path)
    return found


def load_profile(config: Path | None, profile: str | None, overrides: dict[str, object]) -> Profile:
    """The profile to run with; a TLS file that is not there is an error naming where it was set."""
    from bokade_cli.config import load_settings
    from bokade_cli.config_report import TLS_FILE_KEYS, unusable_files
    from bokade_cli.errors import ConfigError

    settings = load_settings(config_file=config, profile=profile, overrides=overrides)
    for key, path, what, origin in unusable_files(settings, TLS_FILE_KEYS)[:1]:
        raise ConfigError(
            f"{key}: {path} {what} (set by {origin})",
            f"Fix {key} there, or run `bokade config check`.",
        )
    _warn_plain_http(settings.profile)
    return settings.profile


def _warn_plain_http(profile: Profile) -> None:
    """Plain http sends the personnummer in clear: fine on loopback, worth a word elsewhere."""
    from urllib.parse import urlsplit

    from rich.console import Console

    parts = urlsplit(profile.base_url or "")
    if parts.scheme != "http":
        return
    tls = profile.tls
    if tls.cert_file or tls.key_file or tls.ca_file:
        why = "the profile's TLS settings are not used over http"
    elif parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        why = "the personnummer crosses the network unencrypted"
    else:
        return
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"Warning: base_url {profile.base_url} is plain http: {why}; the platform wants https.",
        markup=False,
    )


def exit_code_of(result: CollectionResult) -> int:
    if result.complete:
        return ExitCode.COMPLETE
    return ExitCode.PARTIAL if result.anything_answered else ExitCode.NOTHING_ANSWERED


def event_printer(verbose: bool, scrub: Callable[[str], str]) -> Callable[[str], None] | None:
    from rich.console import Console

    if not verbose:
        return None
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    return lambda message: err.print(scrub(message), markup=False, style="dim")


def data_console() -> Console:
    """stdout for tables: on a terminal its width; in a file or pipe wide enough to read."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=140)
    return console


def print_result(result: CollectionResult, fmt: OutputFormat, verbose: bool) -> None:
    from bokade_cli.render import render_json, render_table

    if fmt is OutputFormat.json:
        sys.stdout.write(render_json(result) + "\n")
    else:
        render_table(result, data_console(), verbose=verbose)


def subject_label(pnr: Personnummer, unmask: bool) -> str:
    return pnr.shown(unmask)


def scrubber(pnr: Personnummer, unmask: bool) -> Callable[[str], str]:
    """Masks every written form of the number in a text, unless the user asked --unmask."""
    from bokade_cli.personnummer import mask_text

    return (lambda text: text) if unmask else (lambda text: mask_text(text, pnr))


def note_capture(path: Path | None, fmt: OutputFormat) -> None:
    from rich.console import Console

    if path is not None and fmt is not OutputFormat.json:
        Console(stderr=True, highlight=False).print(
            f"Capture written to {path} (personnummer masked).", markup=False
        )


@dataclass(frozen=True)
class Run:
    """What a collection-based command runs: who, against what, as of when, and how to show it."""

    profile: Profile
    pnr: Personnummer
    relations: list[str]
    now: datetime
    fmt: OutputFormat
    unmask: bool = False
    verbose: bool = False
    save_capture: Path | None = None

    @property
    def scrub(self) -> Callable[[str], str]:
        return scrubber(self.pnr, self.unmask)

    @property
    def label(self) -> str:
        return subject_label(self.pnr, self.unmask)


def prepare_run(
    personnummer: str,
    *,
    now: str | None,
    config: Path | None,
    profile: str | None,
    base_url: str | None,
    relation: list[str] | None,
    relations_file: Path | None,
    fmt: OutputFormat,
    unmask: bool,
    verbose: bool,
    save_capture: Path | None = None,
) -> Run:
    """Read and check every input of a collect-like command, in the order errors should show."""
    pnr = read_personnummer(personnummer)
    moment = parse_now(now)
    settings = load_profile(config, profile, {"base_url": base_url})
    relations = relations_from(relation, relations_file, settings)
    if save_capture is not None:
        _check_writable(save_capture)
    return Run(settings, pnr, relations, moment, fmt, unmask, verbose, save_capture)


def _check_writable(path: Path) -> None:
    """Refuse an output file that cannot be written before any call is made, not after."""
    import os

    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        fail(f"cannot write {path}", "Give a file in an existing, writable folder.")


def collect_result(run: Run, logic: LogicChoice) -> CollectionResult:
    """One collection, judged, with producers' texts masked too; the capture file if asked."""
    from bokade_cli.collect import scrubbed
    from bokade_cli.support.capture import collect_captured

    on_event = event_printer(run.verbose, run.scrub)
    result = collect_captured(
        run.profile,
        run.pnr,
        run.label,
        run.relations,
        logic.value,
        run.now,
        run.save_capture,
        on_event,
    )
    note_capture(run.save_capture, run.fmt)
    # NOTE: a producer's fault text may quote the number; it is masked like everything else.
    return scrubbed(result, run.scrub)


def run_collect(run: Run, logic: LogicChoice) -> int:
    """Collect, judge, print; return the exit code. Shared by `collect` and `demo`."""
    result = collect_result(run, logic)
    print_result(result, run.fmt, run.verbose)
    return exit_code_of(result)
