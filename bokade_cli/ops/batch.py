"""Run a batch's cases concurrently, at most N at a time, through one shared client, and judge each.

One httpx client serves the whole batch so connections are reused across cases (the throughput
target of SPEC §6 depends on it). N workers pull cases from one iterator, so a 10,000-case batch
never holds 10,000 pending tasks. Ctrl-C cancels the cases in flight, starts no new ones and
returns what finished, marked `interrupted`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bokade_cli.collect import Subject, collector_for, judged, make_client, scrubbed
from bokade_cli.config import Profile
from bokade_cli.errors import BokadeError, ExitCode, InvalidPersonnummer
from bokade_cli.models import CollectionResult
from bokade_cli.ops.batchfile import Batch, Case
from bokade_cli.ops.expectations import unmet
from bokade_cli.personnummer import Personnummer, mask_numbers, mask_text, parse_personnummer
from bokade_cli.soap import SoapClient
from bokade_cli.stats import Stats, compute_stats

INTERRUPTED = 130  # what a shell reports for SIGINT; scripts tell "stopped" from "failed" by it
CaseStatus = Literal["passed", "failed", "error", "not_run"]
# Anything shaped like a personnummer in a case name: names are free text and may hold one.


@dataclass(frozen=True)
class CaseResult:
    case: Case
    status: CaseStatus
    name: str  # the case name, masked unless --unmask
    subject: str  # the personnummer as reports show it (masked), or "(invalid)"
    result: CollectionResult | None = None
    stats: Stats | None = None
    unmet: tuple[str, ...] = ()  # the expectations not met (status "failed")
    error: tuple[str, str, str] | None = None  # (code, message, hint) when status is "error"
    elapsed_ms: int = 0
    mask_with: Personnummer | None = (
        None  # the number to scrub from producer texts; None = --unmask
    )

    @property
    def partial(self) -> bool:
        return self.result is not None and not self.result.complete


@dataclass
class BatchRun:
    """The outcome so far; complete unless `interrupted`."""

    batch: Batch
    now: datetime
    concurrency: int
    unmask: bool = False
    results: dict[int, CaseResult] = field(default_factory=dict)
    interrupted: bool = False
    elapsed_s: float = 0.0

    def ordered(self) -> list[CaseResult]:
        """Every case in file order; the ones that did not run as `not_run`."""
        return [self.results.get(c.index) or self._not_run(c) for c in self.batch.cases]

    def _not_run(self, case: Case) -> CaseResult:
        return CaseResult(case, "not_run", mask_name(case.name, self.unmask), "(not run)")

    def exit_code(self) -> int:
        """130 interrupted; 1 a case failed; 4 nothing answered at all; 3 partial; 0 complete."""
        done = list(self.results.values())
        ran = [r.result for r in done if r.result is not None]
        if self.interrupted:
            return INTERRUPTED
        if any(r.status in ("failed", "error") for r in done):
            return ExitCode.EXPECTATION_FAILED
        if ran and not any(r.anything_answered for r in ran):
            return ExitCode.NOTHING_ANSWERED
        if any(not r.complete for r in ran):
            return ExitCode.PARTIAL
        return ExitCode.COMPLETE


def mask_name(name: str, unmask: bool) -> str:
    return name if unmask else mask_numbers(name)


def run_batch(
    batch: Batch,
    profile: Profile,
    now: datetime,
    concurrency: int,
    *,
    unmask: bool = False,
    on_done: Callable[[CaseResult], None] = lambda _r: None,
    on_event: Callable[[str], None] | None = None,
) -> BatchRun:
    """Run every case; `on_done` sees each result as it finishes (in completion order)."""
    profile.url("GetSubjectOfCareSchedule")  # no base_url: a config error before any case runs
    run = BatchRun(batch, now, concurrency, unmask)
    started = time.perf_counter()
    try:
        asyncio.run(_run_all(run, profile, on_done, on_event))
    except KeyboardInterrupt:  # outside the loop's own SIGINT handling (not the main thread)
        run.interrupted = True
    run.elapsed_s = time.perf_counter() - started
    return run


async def _run_all(
    run: BatchRun,
    profile: Profile,
    on_done: Callable[[CaseResult], None],
    on_event: Callable[[str], None] | None,
) -> None:
    # Each case makes up to 3 calls at once plus its call2 fan-out; a pool smaller than that
    # would make cases queue for connections and count the wait against their timeout.
    client = make_client(profile, on_event=on_event, max_connections=max(100, 4 * run.concurrency))
    pending = iter(run.batch.cases)

    async def worker() -> None:
        for case in pending:  # shared: each case is taken by exactly one worker
            result = await _run_case(case, client, profile, run, on_event)
            run.results[case.index] = result
            on_done(result)

    async with client:
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(run.concurrency, len(run.batch.cases))):
                    group.create_task(worker())
        except asyncio.CancelledError:
            # asyncio.run turns Ctrl-C into this cancellation; returning normally (instead of
            # re-raising) keeps the finished results and lets the caller print them.
            run.interrupted = True
        except ExceptionGroup as group:  # e.g. stdout closed under us: report that, not a group
            raise group.exceptions[0] from None


async def _run_case(
    case: Case,
    client: SoapClient,
    profile: Profile,
    run: BatchRun,
    on_event: Callable[[str], None] | None,
) -> CaseResult:
    started = time.perf_counter()
    name = mask_name(case.name, run.unmask)

    def failed(code: str, message: str, hint: str, subject: str = "(invalid)") -> CaseResult:
        elapsed = round((time.perf_counter() - started) * 1000)
        return CaseResult(
            case, "error", name, subject, error=(code, message, hint), elapsed_ms=elapsed
        )

    try:
        pnr = parse_personnummer(case.personnummer)
    except InvalidPersonnummer as exc:  # its message never holds the number in clear
        return failed(exc.code, exc.message, exc.hint)

    def scrub(text: str) -> str:
        return text if run.unmask else mask_text(text, pnr)

    label = pnr.shown(run.unmask)

    def events(message: str) -> None:  # cases interleave: each line names its case
        if on_event is not None:
            on_event(scrub(f"{name}: {message}"))

    collector = collector_for(client, profile, events if on_event else None)
    try:
        calls = await collector.collect(
            Subject(pnr.digits, pnr.type_oid), case.relations, case.logic, run.now.date()
        )
    except BokadeError as exc:
        return failed(exc.code, scrub(exc.message), scrub(exc.hint), label)
    except Exception as exc:  # one case's bug must not stop the other cases
        hint = "This is a bug in bokade; run the case alone with `bokade collect --debug`."
        text = scrub(f"internal error: {type(exc).__name__}: {exc}")
        return failed("internal", text, hint, label)
    result = judged(calls, label, case.logic, run.now)
    stats = compute_stats(result)
    problems = tuple(scrub(p) for p in unmet(case.expect, result, stats))
    # Judged on the data as received; every report then sees it masked, as `collect` does.
    result = scrubbed(result, scrub)
    elapsed = round((time.perf_counter() - started) * 1000)
    status: CaseStatus = "failed" if problems else "passed"
    masker = None if run.unmask else pnr
    return CaseResult(case, status, name, label, result, stats, problems, None, elapsed, masker)
