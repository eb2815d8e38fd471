"""Shared by the support-command tests: serve a tests/data/support scenario, run the CLI on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.helpers import NOW, PNR, PNR_FORMS  # noqa: F401 - re-exported for the support tests

DATA = Path(__file__).parent / "data" / "support"

CLINIC_RELATIONS = ["SE2321000016-A001", "SE2321000016-F002", "SE2321000016-R003"]
CLINIC_RELATIONS += ["SE2321000016-D004"]


@contextmanager
def serving(name: str) -> Iterator[str]:
    """The scenario tests/data/support/NAME.toml on loopback, its clock fixed at NOW."""
    scenario = load_scenario(str(DATA / f"{name}.toml"))
    with serve_in_thread(Simulator(scenario, now=datetime.fromisoformat(NOW))) as server:
        yield server.base_url


def relation_args(relations: list[str]) -> list[str]:
    return [arg for r in relations for arg in ("--relation", r)]


def invoke(*args: str, fmt: str = "json", now: str | None = NOW) -> Any:
    """`bokade ARGS --format FMT [--now NOW]`; the JSON document (if any) as `.doc`."""
    argv = [*args, "--format", fmt] + (["--now", now] if now else [])
    result = CliRunner().invoke(app, argv)
    text = result.stdout.strip()
    result.doc = json.loads(text) if fmt == "json" and text else None
    return result
