"""What `bokade batch --by-facility` adds to a 500-case batch's wall time (target: < 5 %).

    python benchmarks/facilities.py            # 500 cases, 5 runs of each measurement
    python benchmarks/facilities.py --quick    # 100 cases, one run each: proves the script works

A generated scenario gives every case its own citizen, with bookings at facilities of every
kind (indexed, relation-only, care-contacts-only, failing in call1) spread over 200
facilities, served by `bokade simulator serve` in its own process. Two figures, each printed as
a ratio:

1. judged: the batch run in process (best of 5), then the report's own work on its results
   (best of 5: the aggregation and the boundary's masking, plus the table section, the JSON
   list or the CSV): (batch + report) ÷ batch, per format;
2. information: `bokade batch FILE -f table|json` as whole processes, with and without
   --by-facility, alternated, best ÷ best (noisy: a whole batch run varies by more than the
   report costs when other work shares the machine).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bokade_cli.clock import now_instant
from bokade_cli.config import Profile
from bokade_cli.ops.batch.facilities import by_facility
from bokade_cli.ops.batch.file import load_batch
from bokade_cli.ops.batch.run import run_batch
from bokade_cli.output.batchview import facility_documents, render_facilities, render_facilities_csv
from bokade_cli.output.boundary import Output
from bokade_cli.output.console import make_console
from bokade_cli.output.privacy import dumps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import simulator  # noqa: E402

BOKADE = [sys.executable, "-m", "bokade_cli"]
FACILITIES = 200  # I: indexed, R: relation-only, C: care-contacts-only, F: failing in call1
CONCURRENCY = 20
TARGET = 1.05


def _luhn(nine: str) -> str:
    total = 0
    for i, char in enumerate(nine):
        digit = int(char) * (2 - i % 2)
        total += digit // 10 + digit % 10
    return str(-total % 10)


def citizens(count: int) -> list[str]:
    """`count` distinct valid personnummer (born 1940-1999, day 1-28)."""
    found = []
    for n in range(count):
        date = f"19{40 + n % 60:02d}{1 + n // 60 % 12:02d}{1 + n // 720 % 28:02d}"
        serial = f"{1 + n % 997:03d}"  # birth number 000 is never issued
        found.append(date + serial + _luhn(date[2:] + serial))
    return found


PER_KIND = FACILITIES // 4


def _facility(kind: str, n: int) -> str:
    return f"SE2321000016-{kind}{n % PER_KIND:03d}"


def _plan(n: int) -> tuple[list[str], list[str]]:
    """Citizen n's engagement index (two indexed facilities, one failing) and relation list
    (two relation-only facilities, and the failing one, which call2 then skips)."""
    indexed = [_facility("I", n), _facility("I", n + 7), _facility("F", n)]
    return indexed, [_facility("R", n), _facility("R", n + 11), _facility("F", n)]


def write_scenario(folder: Path, numbers: list[str]) -> Path:
    lines = [
        'description = "benchmark: target readiness by facility"',
        "[platform]",
        "latency_ms = 20",
        "aggregation_timeout_ms = 20000",
    ]
    for kind in "IRCF":
        for i in range(PER_KIND):
            contracts = '["GetCareContacts"]' if kind == "C" else '["GetSubjectOfCareSchedule"]'
            lines += [
                "[[producers]]",
                f'hsa_id = "SE2321000016-{kind}{i:03d}"',
                f'name = "Mottagning {kind}{i:03d}"',
                f"contracts = {contracts}",
                "latency_ms = 30",
            ]
            if kind == "F":
                lines.append('fault = "Tidboken kunde inte nås"')
    for n, pnr in enumerate(numbers):
        indexed, related = _plan(n)
        care = _facility("C", n)
        lines += ["[[citizens]]", f'personnummer = "{pnr}"', f"relations = {related}"]
        lines += [
            "[[engagements]]",
            f"logical_addresses = {indexed}",
            'contracts = ["GetSubjectOfCareSchedule"]',
            f'citizen = "{pnr}"',
            "[[engagements]]",
            f'logical_address = "{care}"',
            'contracts = ["GetCareContacts"]',
            f'citizen = "{pnr}"',
        ]
        # Two bookings at each indexed facility, one at each relation facility (the failing
        # facility's are never received).
        for day, producer in enumerate([*indexed, *indexed, *related], start=1):
            lines += [
                "[[bookings]]",
                f'producer = "{producer}"',
                f'citizen = "{pnr}"',
                f'start = "+{day}d 10:00"',
                f'booking_id = "B{n}-{day}"',
            ]
        lines += [
            "[[care_contacts]]",
            f'source = "{care}"',
            f'citizen = "{pnr}"',
            "versions = [2, 3]",  # shown from call3-v3; the v2 copy is a duplicate
            f'document_id = "D{n}"',
            f'org_unit = "{care}"',
            'start = "+20d 10:00"',
        ]
    path = folder / "facilities-scenario.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_batch(folder: Path, numbers: list[str]) -> Path:
    lines = []
    for n, pnr in enumerate(numbers):
        lines += ["[[cases]]", f'personnummer = "{pnr}"', f"relations = {_plan(n)[1]}"]
    path = folder / "facilities-batch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def in_process(
    batch_file: Path, base_url: str, runs: int
) -> tuple[float, dict[str, float], int, int]:
    """The batch run in process (the best wall of `runs`), then the report's own work on its
    results, step by step (the best of 5): each the least disturbed run on a shared machine:
    (batch wall s, {step: s}, facilities, shown)."""
    profile = Profile(name="bench", base_url=base_url, timeout_s=30.0)
    batch = load_batch(batch_file)
    walls = []
    for _ in range(runs):
        run = run_batch(batch, profile, now_instant(), CONCURRENCY)
        walls.append(run.elapsed_s)
    results = [r.result for r in run.ordered() if r.result is not None]
    report = by_facility(results)
    facilities = Output().anonymous(facility_documents(report))
    steps = {
        "aggregate": lambda: Output().anonymous(facility_documents(by_facility(results))),
        "table": lambda: render_facilities(facilities, make_console(io.StringIO())),
        "json": lambda: dumps({"facilities": facilities}, indent=2),
        "csv": lambda: render_facilities_csv({"facilities": facilities}),
    }
    spent = {name: min(_timed(step) for _ in range(5)) for name, step in steps.items()}
    return min(walls), spent, len(report.facilities), report.shown


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def whole_runs(batch_file: Path, base_url: str, runs: int, fmt: str) -> tuple[float, float]:
    """The best wall time of `bokade batch -f FMT` without and with --by-facility, alternated
    (the least disturbed run of each: other work on a shared machine only ever adds time)."""
    argv = [*BOKADE, "batch", str(batch_file), "--base-url", base_url, "-f", fmt]
    argv += ["--concurrency", str(CONCURRENCY)]
    plain: list[float] = []
    flagged: list[float] = []
    for _ in range(runs):
        for extra, times in (([], plain), (["--by-facility"], flagged)):
            started = time.perf_counter()
            done = subprocess.run([*argv, *extra], capture_output=True, check=False)
            times.append(time.perf_counter() - started)
            if done.returncode not in (0, 3):
                raise RuntimeError(f"the batch failed ({done.returncode}): {done.stderr[-300:]!r}")
    return min(plain), min(flagged)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 cases, one run; no verdict")
    args = parser.parse_args()
    cases, runs = (100, 1) if args.quick else (500, 5)
    print(f"Target readiness by facility: {cases} cases at concurrency {CONCURRENCY}")
    numbers = citizens(cases)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        batch_file = write_batch(folder, numbers)
        with simulator(write_scenario(folder, numbers)) as base_url:
            wall, steps, count, shown = in_process(batch_file, base_url, runs)
            whole = {fmt: whole_runs(batch_file, base_url, runs, fmt) for fmt in ("table", "json")}
    print(
        f"  batch run in process: {wall:.2f} s (best of {runs}); "
        f"the report on {count} facilities ({shown} shown), best of 5:"
    )
    print(f"    aggregation and masking {steps['aggregate'] * 1000:7.1f} ms")
    failed = False
    for fmt in ("table", "json", "csv"):
        ratio = (wall + steps["aggregate"] + steps[fmt]) / wall
        ok = ratio < TARGET
        failed = failed or not ok
        verdict = "(not judged)" if args.quick else ("PASS" if ok else "FAIL")
        print(
            f"    + {fmt:<5} {steps[fmt] * 1000:7.1f} ms   (batch + report) ÷ batch "
            f"{ratio:.4f}   target < {TARGET}  {verdict}"
        )
    print(f"  whole processes, best of {runs} alternated runs (info: noisy on a shared machine):")
    for fmt, (plain, flagged) in whole.items():
        print(
            f"    -f {fmt:<5} with ÷ without --by-facility {flagged / plain:.4f}"
            f"   ({flagged:.2f} s vs {plain:.2f} s)"
        )
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    raise SystemExit(main())
