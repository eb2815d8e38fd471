"""Smoke-test a profile step by step: configuration, client certificate, endpoint, contracts, pings.

Each step gets a verdict (pass, warn, fail, skip), its latency and, when it did not pass, a
hint. A step that cannot run because an earlier one failed is skipped rather than left to time
out, so a broken profile gives one clear failure instead of a cascade.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bokade_cli.config import Settings, load_settings, redact_url
from bokade_cli.config_report import check, describe
from bokade_cli.engine import Observer
from bokade_cli.errors import ConfigError
from bokade_cli.ops.smoke.calls import call_steps
from bokade_cli.ops.smoke.steps import (
    TITLES,
    Step,
    certificate_step,
    elapsed_ms,
    endpoint_step,
    title,
)
from bokade_cli.personnummer import Personnummer


@dataclass(frozen=True)
class SmokeReport:
    profile: str
    base_url: str | None  # redacted
    steps: tuple[Step, ...]

    def failed(self, strict: bool = False) -> bool:
        bad = ("fail", "warn") if strict else ("fail",)
        return any(s.verdict in bad for s in self.steps)


@dataclass(frozen=True)
class SmokeRequest:
    config_file: Path | None
    profile: str | None
    overrides: Mapping[str, object]
    pnr: Personnummer | None
    facility: str | None
    ping: tuple[str, ...]


def run_smoke(request: SmokeRequest, observer: Observer | None = None) -> SmokeReport:
    """Run every step in order; never raises for what it finds, only reports it."""
    started = time.perf_counter()
    try:
        settings = load_settings(
            config_file=request.config_file, profile=request.profile, overrides=request.overrides
        )
        problems = check(settings)
    except ConfigError as exc:
        step = Step("config", title("config"), "fail", elapsed_ms(started), exc.message, exc.hint)
        return SmokeReport(request.profile or "(none)", None, (step, *_skipped(request, "config")))
    base_url = next(value for key, value, _ in describe(settings) if key == "base_url")
    config = _config_step(settings, problems, started)
    if config.verdict == "fail":
        return SmokeReport(settings.profile.name, base_url, (config, *_skipped(request, "config")))
    profile = settings.profile
    steps = [config, certificate_step(profile), asyncio.run(endpoint_step(profile))]
    if steps[-1].verdict == "fail":
        steps += _skipped(request, "endpoint")
    else:
        calls = call_steps(
            profile, request.pnr, request.facility, request.ping, observer or Observer()
        )
        steps += asyncio.run(calls)
    return SmokeReport(profile.name, base_url, tuple(steps))


def _skipped(request: SmokeRequest, failed: str) -> list[Step]:
    """The steps after the `failed` one that need it, skipped instead of left to time out."""
    keys = ["certificate", "endpoint", "call1", "call2", "call3-v3", "call3-v2"]
    keys = keys[keys.index(failed) + 1 :] if failed in keys else keys
    keys += [f"ping:{address}" for address in request.ping]
    reason = f"skipped: the {TITLES[failed]} step failed"
    return [Step(key, title(key), "skip", detail=reason) for key in keys]


def _config_step(settings: Settings, problems: list[str], started: float) -> Step:
    profile = settings.profile
    files = ", ".join(str(p) for p in settings.files) or "no config file (flags and environment)"
    data = {"profile": profile.name, "files": [str(p) for p in settings.files]}
    if problems:
        hint = "Fix these in the profile; `bokade config show` tells where each value comes from."
        return Step(
            "config", title("config"), "fail", elapsed_ms(started), "; ".join(problems), hint, data
        )
    detail = f"profile {profile.name} ({settings.origins['profile']}); read {files}"
    if profile.proxy:
        detail += f"; through the proxy {redact_url(profile.proxy)} ({settings.origins['proxy']})"
    return Step("config", title("config"), "pass", elapsed_ms(started), detail, None, data)
