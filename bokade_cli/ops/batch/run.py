"""Run a batch's cases concurrently, at most N at a time, through one shared client, and judge each.

One client serves the whole batch so connections are reused across cases (the throughput target
of SPEC §6 depends on it). N workers pull cases from one iterator, so a 10,000-case batch never
holds 10,000 pending tasks. Each case runs inside its own error boundary: whatever one case
meets, it fails that case (status `error`) and the batch goes on. Ctrl-C cancels the cases in
flight, starts no new ones and returns what finished, marked `interrupted`. Nothing here
masks: reports go through the output boundary.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from bokade_cli import clock
from bokade_cli.config import Profile
from bokade_cli.engine import Engine, Observer, make_client
from bokade_cli.engine.run import MAX_CONNECTIONS, Subject, calls_needed
from bokade_cli.errors import BokadeError, ExitCode
from bokade_cli.models import CollectionResult
from bokade_cli.ops.batch.expectations import unmet
from bokade_cli.ops.batch.file import Batch, Case
from bokade_cli.personnummer import parse_personnummer
from bokade_cli.rules import Stats, compute_stats, judged

CaseStatus = Literal["passed", "failed", "error", "not_run"]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    status: CaseStatus
    digits: str | None = None  # the case's number in clear, for the boundary to mask; None: invalid
    subject: str = "(invalid)"  # the number as reports write it (masked at the boundary)
    result: CollectionResult | None = None
    stats: Stats | None = None
    unmet: tuple[str, ...] = ()  # the expectations not met (status "failed")
    error: tuple[str, str, str] | None = None  # (code, message, hint) when status is "error"
    elapsed_ms: int = 0

    @property
    def partial(self) -> bool:
        return self.result is not None and not self.result.complete


@dataclass
class BatchRun:
    """The outcome so far; complete unless `interrupted`."""

    batch: Batch
    now: datetime
    concurrency: int
    results: dict[int, CaseResult] = field(default_factory=dict)
    interrupted: bool = False
    elapsed_s: float = 0.0

    def ordered(self) -> list[CaseResult]:
        """Every case in file order; the ones that did not run as `not_run`."""
        return [
            self.results.get(c.index) or CaseResult(c, "not_run", subject="(not run)")
            for c in self.batch.cases
        ]

    def exit_code(self, allow_partial: bool = False) -> int:
        """130 interrupted; 4 nothing answered in any case (an outage, not a regression);
        1 a case failed or could not run; 3 partial (0 with --allow-partial); 0 complete."""
        done = list(self.results.values())
        ran = [r.result for r in done if r.result is not None]
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if ran and not any(r.anything_answered for r in ran):
            return ExitCode.NOTHING_ANSWERED
        if any(r.status in ("failed", "error") for r in done):
            return ExitCode.EXPECTATION_FAILED
        if any(not r.complete for r in ran) and not allow_partial:
            return ExitCode.PARTIAL
        return ExitCode.COMPLETE


def run_batch(
    batch: Batch,
    profile: Profile,
    now: datetime,
    concurrency: int,
    *,
    on_done: Callable[[CaseResult], None] = lambda _r: None,
    observer: Observer | None = None,
) -> BatchRun:
    """Run every case; `on_done` sees each result as it finishes (in completion order)."""
    profile.url("GetSubjectOfCareSchedule")  # no base_url: a config error before any case runs
    run = BatchRun(batch, now, concurrency)
    started = time.perf_counter()
    try:
        asyncio.run(_run_all(run, profile, on_done, observer or Observer()))
    except KeyboardInterrupt:  # outside the loop's own SIGINT handling (not the main thread)
        run.interrupted = True
    run.elapsed_s = time.perf_counter() - started
    return run


class _CaseObserver(Observer):
    """Cases interleave: each verbose line names its case."""

    def __init__(self, inner: Observer, case: Case) -> None:
        self.inner, self.case = inner, case

    def event(self, message: str) -> None:
        self.inner.event(f"{self.case.name}: {message}")


async def _run_all(
    run: BatchRun, profile: Profile, on_done: Callable[[CaseResult], None], observer: Observer
) -> None:
    # The pool holds what the cases in flight need at most (3 calls plus their call2 fan-out),
    # as many connections as a run has always used (queueing is not counted against a deadline).
    widest = max((calls_needed(c.relations, c.logic) for c in run.batch.cases), default=3)
    pool = min(max(MAX_CONNECTIONS, 4 * run.concurrency), widest * run.concurrency)
    client = make_client(profile, observer, max_connections=pool)
    pending = iter(run.batch.cases)

    async def worker() -> None:
        for case in pending:  # shared: each case is taken by exactly one worker
            engine = Engine(client, profile, _CaseObserver(observer, case))
            result = reported(await run_case(case, engine, run.now), on_done)
            run.results[case.index] = result

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


def reported(result: CaseResult, on_done: Callable[[CaseResult], None]) -> CaseResult:
    """Hand a finished case on; if reporting it fails, that case is an `error`, not the batch.

    A BokadeError (standard output on a full disk) still ends the batch: nothing more can be
    reported anywhere.
    """
    try:
        on_done(result)
        return result
    except BokadeError:
        raise
    except Exception as exc:
        failed = replace(
            result,
            status="error",
            result=None,
            stats=None,
            unmet=(),
            error=(
                "internal",
                f"internal error while reporting the case: {type(exc).__name__}: {exc}",
                _BUG_HINT,
            ),
        )
        on_done(failed)
        return failed


_BUG_HINT = "This is a bug in bokade; run the case alone with `bokade collect --debug`."


async def run_case(case: Case, engine: Engine, now: datetime) -> CaseResult:
    """One case, start to verdict, inside its own error boundary."""
    started = time.perf_counter()

    def failed(code: str, message: str, hint: str, digits: str | None, subject: str) -> CaseResult:
        elapsed = round((time.perf_counter() - started) * 1000)
        return CaseResult(
            case, "error", digits, subject, error=(code, message, hint), elapsed_ms=elapsed
        )

    digits, subject = None, "(invalid)"
    try:
        pnr = parse_personnummer(case.personnummer)
        digits, subject = pnr.digits, pnr.written
        today = clock.local(now).date()
        calls = await engine.run(
            Subject(pnr.digits, pnr.type_oid), case.relations, case.logic, today
        )
        result = judged(calls, subject, case.logic, now, case.relations)
        stats = compute_stats(result)
        problems = tuple(unmet(case.expect, result, stats))
    except BokadeError as exc:  # an invalid personnummer: its message never holds it in clear
        return failed(exc.code, exc.message, exc.hint, digits, subject)
    except Exception as exc:  # one case's bug must not stop the other cases
        return failed(
            "internal", f"internal error: {type(exc).__name__}: {exc}", _BUG_HINT, digits, subject
        )
    elapsed = round((time.perf_counter() - started) * 1000)
    status: CaseStatus = "failed" if problems else "passed"
    return CaseResult(case, status, digits, subject, result, stats, problems, None, elapsed)
