"""Generated simulator scenarios with injected latencies, and the critical path each implies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

AGGREGATOR_MS = 50  # the aggregator's own work, before its fan-out


@dataclass
class Case:
    name: str
    behind_aggregator: list[tuple[str, int, int]]  # (hsa_id, latency ms, bookings)
    relations: list[tuple[str, int]]  # direct-only facilities: (hsa_id, latency ms)
    care_sources: list[tuple[str, int]]  # GetCareContacts sources: (hsa_id, latency ms)
    extra_relations: list[str] = field(default_factory=list)
    aggregator_ms: int = AGGREGATOR_MS

    @property
    def relation_ids(self) -> list[str]:
        return [h for h, _ in self.relations] + self.extra_relations

    @property
    def critical_path_s(self) -> float:
        """max(call1 + slowest call2, slowest call3), from the injected latencies alone."""
        call1 = self.aggregator_ms + max((ms for _, ms, _ in self.behind_aggregator), default=0)
        call2 = max((ms for _, ms in self.relations), default=0)
        call3 = self.aggregator_ms + max((ms for _, ms in self.care_sources), default=0)
        return max(call1 + call2, call3) / 1000


def collection_cases(quick: bool) -> list[Case]:
    """Latencies of the order the platform shows (hundreds of ms per producer); quick: a quarter."""
    scale = 0.25 if quick else 1.0

    def ms(value: int) -> int:
        return int(value * scale)

    care = [("SE2321000016-S001", ms(450)), ("SE2321000016-S002", ms(600))]
    return [
        Case(
            "3 relation facilities",
            behind_aggregator=[
                ("SE2321000016-A001", ms(300), 3),
                ("SE2321000016-A002", ms(500), 3),
            ],
            relations=[(f"SE2321000016-R00{i}", ms(200 + 100 * (i - 1))) for i in range(1, 4)],
            care_sources=care,
        ),
        Case(
            "20 facilities behind the aggregator, 5 bookings each",
            behind_aggregator=[
                (f"SE2321000016-F{i:03d}", ms(150 + 15 * i), 5) for i in range(1, 21)
            ],
            relations=[("SE2321000016-R001", ms(300))],
            care_sources=care,
            extra_relations=["SE2321000016-F001", "SE2321000016-F002"],  # excluded from call2
        ),
        Case(
            "1,000 bookings from one producer",
            behind_aggregator=[("SE2321000016-L001", ms(600), 1000)],
            relations=[],
            care_sources=care,
        ),
    ]


def write_scenario(folder: Path, case: Case) -> Path:
    """The case as a scenario TOML file (format: bokade_cli/simulator/scenario.py)."""
    lines = [
        f'description = "benchmark: {case.name}"',
        "[platform]",
        f"latency_ms = {case.aggregator_ms}",
        "aggregation_timeout_ms = 20000",
        "[[citizens]]",
        'personnummer = "191212121212"',
    ]
    for hsa_id, latency, count in case.behind_aggregator:
        lines += _producer(hsa_id, latency, "GetSubjectOfCareSchedule")
        lines += [
            "[[engagements]]",
            f'logical_address = "{hsa_id}"',
            'contracts = ["GetSubjectOfCareSchedule"]',
        ]
        lines += [
            "[[generate]]",
            f'producer = "{hsa_id}"',
            f"count = {count}",
            'start = "+1d 08:00"',
            'step = "+30min"',
        ]
    for hsa_id, latency in case.relations:
        lines += _producer(hsa_id, latency, "GetSubjectOfCareSchedule")
        lines += [
            "[[generate]]",
            f'producer = "{hsa_id}"',
            "count = 3",
            'start = "+2d 08:00"',
            'step = "+1h"',
        ]
    for hsa_id, latency in case.care_sources:
        lines += _producer(hsa_id, latency, "GetCareContacts")
        lines += [
            "[[engagements]]",
            f'logical_address = "{hsa_id}"',
            'contracts = ["GetCareContacts"]',
        ]
        lines += [
            "[[care_contacts]]",
            f'source = "{hsa_id}"',
            "versions = [2, 3]",
            f'document_id = "DOC-{hsa_id[-4:]}"',
            f'org_unit = "{hsa_id}"',
            'start = "+5d 10:00"',
        ]
    path = folder / f"bench-{abs(hash(case.name))}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _producer(hsa_id: str, latency: int, contracts: str) -> list[str]:
    return [
        "[[producers]]",
        f'hsa_id = "{hsa_id}"',
        f'contracts = ["{contracts}"]',
        f"latency_ms = {latency}",
    ]


@contextmanager
def simulator(scenario_file: Path) -> Iterator[str]:
    """`bokade simulator serve` (this checkout's) in a child process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", "simulator", "serve", "--port", "0"]
        + ["--scenario", str(scenario_file)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", banner)
        if not match:
            raise RuntimeError(f"the simulator did not start: {banner}")
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
