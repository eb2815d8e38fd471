"""Smoke's contract steps: the four collection calls for a test personnummer, and the pings.

The calls go through the collection layer itself, so smoke exercises exactly what `collect`
does: the target logic gives call1 alone, and the legacy logic with the one facility as its
relation gives call2 (never excluded) plus both call3 versions — the four contracts, once each,
all at the same time.
"""

from __future__ import annotations

import asyncio
import time

from bokade_cli import clock
from bokade_cli.config import Profile
from bokade_cli.engine import Engine, Observer, make_client
from bokade_cli.engine.run import SCHEDULING, Subject
from bokade_cli.engine.soap import SoapClient
from bokade_cli.errors import CallError
from bokade_cli.models import CallResult
from bokade_cli.ops.smoke.ping import ping
from bokade_cli.ops.smoke.steps import Step, title
from bokade_cli.personnummer import Personnummer

NO_PNR = "not checked: no test personnummer; give --pnr (or BOKADE_SMOKE_PNR) to call the contracts"
NO_FACILITY = "not checked: no facility; give --facility HSAID for a direct call (call2)"


async def call_steps(
    profile: Profile,
    pnr: Personnummer | None,
    facility: str | None,
    ping_addresses: tuple[str, ...],
    observer: Observer,
) -> list[Step]:
    """Steps for call1, call2, call3-v3, call3-v2 (in that order), then one per ping.

    A contract step that could not be checked is a warning, not a pass: --strict then fails,
    and a smoke test never says PASSED about contracts it never called.
    """
    client = make_client(profile, observer)
    async with client:
        pings = [_ping_step(client, profile, address) for address in ping_addresses]
        if pnr is None:
            unchecked = [Step(k, title(k), "warn", detail=NO_PNR, hint=NO_PNR) for k in _CALLS]
            return unchecked + list(await asyncio.gather(*pings))
        subject = Subject(pnr.digits, pnr.type_oid)
        today = clock.local(clock.now_instant()).date()
        relations = [facility] if facility else []
        # The engine's "all" run is call1, a direct call2 to the facility and call3: the four
        # contracts, once each, at once.
        contracts = Engine(client, profile, observer).run(subject, relations, "all", today)
        calls_made, pinged = await asyncio.gather(contracts, asyncio.gather(*pings))
    calls = {c.call: c for c in calls_made}
    steps = []
    for key in _CALLS:
        if key in calls:
            steps.append(call_step(calls[key]))
        else:
            steps.append(Step(key, title(key), "warn", detail=NO_FACILITY, hint=NO_FACILITY))
    return steps + list(pinged)


_CALLS = ("call1", "call2", "call3-v3", "call3-v2")


def call_step(call: CallResult) -> Step:
    """A failed call fails its step; sources that failed behind an answer make it a warning."""
    data = {
        "logical_address": call.logical_address,
        "outcome": call.outcome,
        "records": len(call.records),
        "correlation_id": call.correlation_id,
        "sources": [
            {"logical_address": s.logical_address, "status": s.status, "error": s.error}
            for s in call.sources
        ],
    }
    name = f"{title(call.call)} {call.logical_address}"
    if call.failed:
        detail = f"{call.outcome}: {call.message} (correlation id {call.correlation_id})"
        return Step(call.call, name, "fail", call.elapsed_ms, detail, call.hint, data)
    failed = [s for s in call.sources if s.failed]
    counted = f"{len(call.records)} records"
    if call.sources:
        counted += f"; ProcessingStatus: {len(call.sources) - len(failed)} of {len(call.sources)} sources answered"
    if not failed:
        return Step(call.call, name, "pass", call.elapsed_ms, f"answered, {counted}", None, data)
    detail = f"answered, {counted}; failing: " + ", ".join(
        f"{s.logical_address} {s.status}" + (f" ({s.error})" if s.error else "") for s in failed
    )
    hint = (
        "The platform answered but a source behind it failed; ask the source's owner, "
        f"quoting correlation id {call.correlation_id}."
    )
    return Step(call.call, name, "warn", call.elapsed_ms, detail, hint, data)


async def _ping_step(client: SoapClient, profile: Profile, address: str) -> Step:
    key = f"ping:{address}"
    started = time.perf_counter()
    try:
        answer = await ping(client, profile.base_url or "", address, SCHEDULING.namespace)
    except CallError as exc:
        hint = "PingForConfiguration is no longer mandatory, so this is a warning only. " + (
            exc.hint or ""
        )
        elapsed = round((time.perf_counter() - started) * 1000)
        detail = f"{exc.outcome}: {exc.message}"
        return Step(key, title(key), "warn", elapsed, detail, hint.strip())
    detail = f"answered: version {answer.version or '?'}, pingDateTime {answer.ping_time or '?'}"
    data = {"version": answer.version, "ping_date_time": answer.ping_time}
    return Step(key, title(key), "pass", answer.elapsed_ms, detail, None, data)
