"""What a collect-like command runs, prepared from its inputs (no Typer here): who, against what,
as of when, with which relations; and the run itself, capture included."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bokade_cli import clock
from bokade_cli.config import Profile
from bokade_cli.engine import Observer, RunLogic, Subject, collect_calls
from bokade_cli.engine.soap import Exchange
from bokade_cli.errors import UsageError
from bokade_cli.models import CallResult, CollectionResult, Logic
from bokade_cli.output.boundary import Output
from bokade_cli.personnummer import Personnummer, parse_personnummer
from bokade_cli.process import Beside

NOW_HINT = "Use e.g. --now 2026-11-26T12:00 or 2026-11-26T12:00:00+01:00."


@dataclass(frozen=True)
class Run:
    """One collection to make: the number (in clear: the engine needs it), profile, relations, now."""

    profile: Profile
    pnr: Personnummer
    relations: tuple[str, ...]
    now: datetime  # an instant (clock.now_instant): the `now` that judges and is printed
    save_capture: Path | None = None

    @property
    def today(self) -> date:
        """Stockholm's date at `now`: GetCareContacts asks for today .. today + 3 years."""
        return clock.local(self.now).date()

    @property
    def subject(self) -> Subject:
        return Subject(self.pnr.digits, self.pnr.type_oid)

    @property
    def subject_of_care(self) -> str:
        """The number as reports write it; the output boundary masks it (unless --unmask)."""
        return self.pnr.written


class RunObserver(Observer):
    """Verbose events go to the output boundary (masked there); while the run waits on the
    network, what judging and rendering its answers needs is prepared beside it."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.beside = Beside(lambda: prepare_answers(out))

    def event(self, message: str) -> None:
        self.out.event(message)

    def waiting(self) -> None:
        self.beside.start()

    def exchange(self, exchange: Exchange) -> None:
        pass


def parse_now(value: str | None) -> datetime:
    if value is None:
        return clock.now_instant()
    try:
        return clock.now_instant(clock.parse_iso(value))
    except ValueError as exc:
        raise UsageError(f"--now: {exc}", NOW_HINT) from None


def read_personnummer(value: str, out: Output) -> Personnummer:
    """The number from the argument, or from stdin for `-` (asking on a terminal)."""
    if value == "-":
        if sys.stdin.isatty():
            out.say("Personnummer (not echoed to any log; Enter when done):")
        value = sys.stdin.readline()
        if not value.strip():
            raise UsageError(
                "no personnummer on standard input",
                # A placeholder, not the test number: hints pass the masking of echoes, which
                # would mask the well-known test number as if it were a real one.
                "Pipe one number (YYYYMMDD-NNNN or 12 digits), e.g. "
                "`bokade collect - < number.txt`; a file keeps it out of the shell's history.",
            )
    pnr = parse_personnummer(value)
    out.protect(pnr.digits)
    return pnr


def load_profile(
    out: Output, config: Path | None, profile: str | None, overrides: dict[str, object]
) -> Profile:
    """The profile to run with; a TLS file that is not there is an error naming where it was set."""
    from bokade_cli.config import load_settings
    from bokade_cli.config_report import TLS_FILE_KEYS, plain_http_warning, unusable_files
    from bokade_cli.errors import ConfigError

    settings = load_settings(config_file=config, profile=profile, overrides=overrides)
    for key, path, what, origin in unusable_files(settings, TLS_FILE_KEYS)[:1]:
        raise ConfigError(
            f"{key}: {path} {what} (set by {origin})",
            f"Fix {key} there, or run `bokade config check`.",
        )
    warning = plain_http_warning(settings.profile)
    if warning:
        out.warn(warning)
    return settings.profile


def prepare_run(
    personnummer: str,
    out: Output,
    *,
    now: str | None,
    config: Path | None,
    profile: str | None,
    base_url: str | None,
    relation: list[str] | None,
    relations_file: Path | None,
    save_capture: Path | None = None,
) -> Run:
    """Read and check every input of a collect-like command, in the order errors should show."""
    from bokade_cli.output.files import check_writable
    from bokade_cli.relations import relations_from

    if personnummer == "-" and relations_file is not None and str(relations_file) == "-":
        # Read in turn, the number would be the relation file's first line (or the reverse).
        raise UsageError(
            "the personnummer and --relations both read standard input (-)",
            "Standard input is read once: give the number as an argument, or the relation "
            "list as a file.",
        )
    pnr = read_personnummer(personnummer, out)
    moment = parse_now(now)
    settings = load_profile(out, config, profile, {"base_url": base_url})
    relations = relations_from(relation, relations_file, settings.relations_file)
    settings.url("GetSubjectOfCareSchedule")  # no base_url: exit 5 before anything runs
    if save_capture is not None:
        check_writable(save_capture, "capture file")
    return Run(settings, pnr, tuple(relations), moment, save_capture)


@dataclass(frozen=True)
class Case:
    """A captured run read back (untrusted input, checked): its calls as the live run made them."""

    document: dict[str, Any]
    calls: tuple[CallResult, ...]
    now: datetime  # the captured now, or --now

    @property
    def subject_of_care(self) -> str:
        """As the capture names it: masked already."""
        return str(self.document["subject_of_care"])

    @property
    def relations(self) -> tuple[str, ...]:
        return tuple(self.document["relations"])

    def calls_for(self, logic: Logic) -> tuple[CallResult, ...]:
        """The calls `logic` makes; an input error if the capture lacks call1 or call3 for it."""
        from bokade_cli.support.replay import replay_calls

        return replay_calls(self.document, logic, self.calls)

    def judged(self, logic: Logic) -> CollectionResult:
        """What the live run would have shown under `logic`."""
        from bokade_cli.rules import judged

        return judged(self.calls_for(logic), self.subject_of_care, logic, self.now, self.relations)


def load_case(out: Output, capture: Path, now: str | None) -> Case:
    """Read a capture for an offline answer; a hand-edited number with its birth date is masked."""
    from bokade_cli.support.replay import captured_now, load_capture, rebuild_calls

    document = load_capture(capture)
    out.protect_birth_date(document["subject_of_care"])
    moment = parse_now(now) if now else captured_now(document)
    return Case(document, rebuild_calls(document), moment)


def refuse_beside_capture(personnummer: str | None, **given: object) -> None:
    """--capture answers from the file alone: a number or a live run's inputs beside it is a usage
    error, never silently ignored (the answer would not be about what the user typed)."""
    named = (["a personnummer"] if personnummer is not None else []) + [
        "--" + name.replace("_", "-") for name, value in given.items() if value
    ]
    if named:
        raise UsageError(
            f"--capture cannot be combined with {' or '.join(named)}",
            "The capture holds the (masked) personnummer, the relation list and every answer: "
            "give only --capture FILE, or drop --capture to call the platform.",
        )


def run_calls(run: Run, logic: RunLogic, out: Output) -> tuple[CallResult, ...]:
    """Make the run's calls; with --save-capture a Recorder observes them and writes the capture."""
    watcher = RunObserver(out)
    observer: Observer = watcher
    if run.save_capture is not None:
        from bokade_cli.support.capture import Captured, Recorder

        about = Captured(run.subject_of_care, clock.iso(run.now), run.relations)
        observer = Recorder(watcher, out, run.save_capture, about)
    try:
        return collect_calls(run.profile, run.subject, run.relations, logic, run.today, observer)
    finally:
        watcher.beside.wait()


def prepare_answers(out: Output) -> None:
    """Import what turning answers into the output takes (SPEC §6: start-up behind the network)."""
    import bokade_cli.output.documents
    import bokade_cli.rules  # noqa: F401

    out.prepare()


def collect_result(run: Run, logic: Logic, out: Output) -> CollectionResult:
    """One collection, judged."""
    from bokade_cli.rules import judged

    calls = run_calls(run, logic, out)
    return judged(calls, run.subject_of_care, logic, run.now, run.relations)
