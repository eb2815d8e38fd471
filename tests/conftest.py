"""Fixtures only: isolated config dir, no BOKADE_* leaking in, fixed-width output (constants and
shared checks live in tests/helpers.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import BASE_URL, FakePlatform
from tests.helpers import NOW, PNR, assert_conserved


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
