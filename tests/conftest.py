"""Hermetic test set-up: isolated config dir, no BOKADE_* leaking in, fixed-width output."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import BASE_URL, FakePlatform

PNR = "191212121212"
PNR_MASKED = "19121212-****"
NOW = "2026-11-26T12:00:00+01:00"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BOKADE_"):
            monkeypatch.delenv(name)
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    monkeypatch.setenv("BOKADE_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def platform(httpx_mock: Any) -> Iterator[FakePlatform]:
    fake = FakePlatform()
    httpx_mock.add_callback(fake, is_reusable=True, is_optional=True)
    yield fake


Invoke = Callable[..., Any]


@pytest.fixture
def collect(runner: CliRunner) -> Invoke:
    """Run `bokade collect` against the fake platform, as JSON unless told otherwise."""

    def run(*args: str, fmt: str = "json", pnr: str = PNR) -> Any:
        argv = ["collect", pnr, "--base-url", BASE_URL, "--now", NOW, "--format", fmt, *args]
        result = runner.invoke(app, argv)
        result.doc = json.loads(result.stdout) if fmt == "json" and result.stdout.strip() else None
        if result.doc is not None and "summary" in result.doc:
            assert_conserved(result.doc)
        return result

    return run


def assert_conserved(doc: dict[str, Any]) -> None:
    """Every record received appears exactly once with one verdict; counts agree."""
    received = sum(c["records"] for c in doc["calls"])
    summary = doc["summary"]
    assert summary["received"] == received == len(doc["appointments"])
    assert summary["received"] == summary["shown"] + summary["duplicate"] + summary["filtered"]
    ids = [a["id"] for a in doc["appointments"]]
    assert len(ids) == len(set(ids))
    shown = {a["id"] for a in doc["appointments"] if a["verdict"] == "shown"}
    for a in doc["appointments"]:
        assert (a["reason"] is not None) == (a["verdict"] == "filtered")
        if a["verdict"] == "duplicate":
            assert a["duplicate_of"] in shown and a["match"]


def by_booking(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["booking_id"]: a for a in doc["appointments"]}
