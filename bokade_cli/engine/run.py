"""Run 1177's collection against the platform, concurrently: the one way into the engine.

current: call1 ∥ call3-v3 ∥ call3-v2, and call2 as soon as call1 has answered, to every relation
facility that call1 did not already call (per its ProcessingStatus). target: call1 only.
legacy: call2 to every relation facility ∥ call3-v3 ∥ call3-v2. all (for compare): call1 ∥ call2
to every relation facility ∥ call3, every call any logic needs, each once. A failed call becomes
a CallResult with its outcome; it never aborts the run. The engine works with the real number
and never masks: that happens on the way out (bokade_cli.output).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import httpx

from bokade_cli.config import Profile
from bokade_cli.contracts import CONTRACTS, Contract, RequestParams
from bokade_cli.engine.answer import Answer, failure, read_answer
from bokade_cli.engine.soap import Exchange, SoapClient, build_envelope
from bokade_cli.engine.tls import build_ssl_context
from bokade_cli.errors import CallError
from bokade_cli.hsa import hsa_key
from bokade_cli.listings import by_facility, statuses
from bokade_cli.models import CallId, CallResult, Logic, SourceStatus

SCHEDULING = CONTRACTS["GetSubjectOfCareSchedule"]
CARE_V3 = CONTRACTS["GetCareContacts/3"]
CARE_V2 = CONTRACTS["GetCareContacts/2"]
MAX_CONNECTIONS = 100  # the most calls one run has in flight: what the platform has always seen

RunLogic = Literal["current", "target", "legacy", "all"]


@dataclass(frozen=True)
class Subject:
    """Who the collection is for: the number goes on the wire in clear, nowhere else."""

    digits: str
    id_type: str


class Observer:
    """What a run reports while it runs: verbose events and every exchange (for captures)."""

    def event(self, message: str) -> None:
        """A verbose line (retries, notes, outcomes); the output layer masks it."""

    def exchange(self, exchange: Exchange) -> None:
        """One request and what came back, as sent and received."""

    def waiting(self) -> None:
        """The run's first requests are all sent: until answers come, the network is the wait."""

    def finished(self, calls: tuple[CallResult, ...], logic: RunLogic) -> None:
        """Every call of one run, in report order (a capture is written from these)."""


def unique_relations(relations: Sequence[str]) -> list[str]:
    """Relation HSA-ids in the given order, each once (HSA-ids compare case-insensitively)."""
    seen: set[str] = set()
    result = []
    for hsa_id in relations:
        hsa_id = hsa_id.strip()
        if hsa_id and hsa_key(hsa_id) not in seen:
            seen.add(hsa_key(hsa_id))
            result.append(hsa_id)
    return result


class Engine:
    """Makes the calls of a collection through one shared SoapClient (a run's or a batch's)."""

    def __init__(self, client: SoapClient, profile: Profile, observer: Observer) -> None:
        self.client = client
        self.urls = {key: profile.url(key) for key in CONTRACTS}
        self.aggregator = profile.aggregator_logical_address
        self.observer = observer
        self._unsent = 0

    async def run(
        self, subject: Subject, relations: Sequence[str], logic: RunLogic, today: date
    ) -> tuple[CallResult, ...]:
        """Every call `logic` makes, in report order: call1, call2 by relation order, call3."""
        relations = unique_relations(relations)

        def call(call_id: CallId, contract: Contract, address: str, index: int = 0):  # type: ignore[no-untyped-def]
            params = RequestParams(address, subject.digits, subject.id_type, today)
            return asyncio.create_task(self._call(call_id, contract, params, index))

        call1 = call("call1", SCHEDULING, self.aggregator) if logic != "legacy" else None
        call3 = (
            [call("call3-v3", CARE_V3, self.aggregator), call("call3-v2", CARE_V2, self.aggregator)]
            if logic != "target"
            else []
        )
        direct: dict[int, asyncio.Task[CallResult] | CallResult] = {}
        if logic in ("legacy", "all"):
            direct = {i: call("call2", SCHEDULING, a, i) for i, a in enumerate(relations)}
        self._unsent = (call1 is not None) + len(call3) + len(direct)
        first = await call1 if call1 is not None else None
        if logic == "current" and first is not None:
            already = called_by_call1(first)
            for index, address in enumerate(relations):
                listings = already.get(hsa_key(address))
                direct[index] = (
                    call("call2", SCHEDULING, address, index)
                    if listings is None
                    else skipped_call2(address, listings)
                )
        ordered2 = [
            found if isinstance(found, CallResult) else await found
            for _, found in sorted(direct.items())
        ]
        results3 = list(await asyncio.gather(*call3))
        calls = tuple(([first] if first else []) + ordered2 + results3)
        self.observer.finished(calls, logic)
        return calls

    async def _call(
        self, call_id: CallId, contract: Contract, params: RequestParams, index: int
    ) -> CallResult:
        envelope = build_envelope(
            params.logical_address,
            contract.build_body(params),
            actor_id=params.subject_of_care if contract.sends_actor else None,
        )
        started = time.perf_counter()
        correlation_id, queued = None, 0
        tag = (call_id, contract.key, params.logical_address)
        try:
            posted = await self.client.post(
                self.urls[contract.key], contract.soap_action, envelope, tag, on_sent=self._sent
            )
            correlation_id, queued = posted.correlation_id, posted.queued_ms
            answer = read_answer(
                contract, call_id, index, posted.status_code, posted.body, posted.location
            )
        except CallError as exc:
            answer, queued = failure(exc), exc.queued_ms
        elapsed = round((time.perf_counter() - started) * 1000) - queued
        self._report(call_id, params.logical_address, answer, correlation_id, queued)
        return call_result(
            call_id, contract, params.logical_address, answer, elapsed, correlation_id, queued
        )

    def _sent(self) -> None:
        """One request is on the wire; once the first wave all is, the run waits on answers."""
        self._unsent -= 1
        if self._unsent == 0:
            self.observer.waiting()

    def _report(
        self, call_id: str, address: str, answer: Answer, correlation_id: str | None, queued: int
    ) -> None:
        waited = f", waited {queued} ms for a connection" if queued else ""
        if answer.outcome == "ok":
            self.observer.event(
                f"{call_id} {address}: ok, {len(answer.records)} records, "
                f"correlation id {correlation_id}{waited}"
            )
        else:
            self.observer.event(
                f"{call_id} {address}: {answer.outcome}: {answer.message}"
                + (f" (correlation id {correlation_id})" if correlation_id else "")
                + waited
            )
        for note in answer.notes:
            self.observer.event(f"{call_id} {address}: note: {note}")


def call_result(
    call_id: CallId,
    contract: Contract,
    address: str,
    answer: Answer,
    elapsed_ms: int = 0,
    correlation_id: str | None = None,
    queued_ms: int = 0,
) -> CallResult:
    return CallResult(
        call=call_id,
        contract=contract.name,
        logical_address=address,
        outcome=answer.outcome,
        elapsed_ms=max(0, elapsed_ms),
        records=answer.records,
        message=answer.message,
        hint=answer.hint,
        sources=answer.sources,
        correlation_id=correlation_id,
        notes=answer.notes,
        queued_ms=queued_ms,
    )


def called_by_call1(call1: CallResult) -> dict[str, list[SourceStatus]]:
    """Facilities call1's aggregator called, whatever their status; none if call1 failed.

    Each facility with all its ProcessingStatus listings: 1177 excludes a facility from call2
    once it is listed at all ("de mottagningarna exkluderas då de redan anropats"), so how
    often and with which status does not change the exclusion, only what is said about it.
    """
    if not call1.answered:
        return {}
    listed: dict[str, list[SourceStatus]] = {}
    for source in call1.sources:
        if source.logical_address:
            listed.setdefault(hsa_key(source.logical_address), []).append(source)
    return listed


def skipped_call2(address: str, listings: Sequence[SourceStatus]) -> CallResult:
    """call2 to a facility call1 called: not made; lost when any listing says it failed there."""
    status = by_facility(listings)[hsa_key(address)]
    differ = len({s.status for s in listings}) > 1
    if status.failed:
        said = (
            f"listed {len(listings)} times, as {statuses(listings)}"
            if differ
            else (status.status or "status unknown") + (f": {status.error}" if status.error else "")
        )
        message = (
            f"not called: call1 already called it and it failed there ({said}); "
            "its appointments are missing from this collection"
        )
        hint = "1177 excludes it all the same; the facility's bookings show again once call1 reaches it."
    else:
        message = f"not called: call1 already called it ({statuses(listings) if differ else status.status})"
        hint = None
    return CallResult(
        call="call2",
        contract=SCHEDULING.name,
        logical_address=address,
        outcome="skipped",
        message=message,
        hint=hint,
    )


def make_client(
    profile: Profile,
    observer: Observer,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    max_connections: int = MAX_CONNECTIONS,
) -> SoapClient:
    """The one client a run (or a whole batch) shares; TLS settings come from the profile."""
    if profile.base_url is not None and profile.base_url.lower().startswith("https:"):
        verify = build_ssl_context(profile.tls)
    else:
        # NOTE: plain http never uses TLS; this context still verifies (and trusts nothing),
        # and it spares the ~30 ms of loading the system CA store at every start.
        verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return SoapClient(
        timeout_s=profile.timeout_s,
        connect_timeout_s=profile.connect_timeout_s,
        max_response_bytes=profile.max_response_bytes,
        consumer_hsa_id=profile.consumer_hsa_id,
        verify=verify,
        transport=transport,
        max_connections=max_connections,
        on_event=observer.event,
        on_exchange=observer.exchange,
        proxy=profile.proxy,
    )


def calls_needed(relations: Sequence[str], logic: RunLogic) -> int:
    """How many calls a run makes at most: the pool needs no more connections than that."""
    return (0 if logic == "target" else len(unique_relations(relations))) + 3


def collect_calls(
    profile: Profile,
    subject: Subject,
    relations: Sequence[str],
    logic: RunLogic,
    today: date,
    observer: Observer | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[CallResult, ...]:
    """One run with its own client: the synchronous entry the commands use."""
    seen = observer or Observer()
    pool = min(MAX_CONNECTIONS, calls_needed(relations, logic))

    async def run() -> tuple[CallResult, ...]:
        async with make_client(profile, seen, transport=transport, max_connections=pool) as client:
            return await Engine(client, profile, seen).run(subject, relations, logic, today)

    return asyncio.run(run())


CALL3 = ("call3-v3", "call3-v2")


def calls_for_logic(
    calls: Sequence[CallResult], relations: Sequence[str], logic: Logic
) -> tuple[CallResult, ...]:
    """The calls `logic` makes, taken from a run that made them (an `all` run or a capture).

    The current logic is derived exactly as `Engine.run` makes it: call2 to every relation
    facility call1 did not call. A direct call the run did not make stays `skipped`, saying so.
    Callers check that call1 (target, current) and call3 (current, legacy) are there.
    """
    call1 = next((c for c in calls if c.call == "call1"), None)
    call3 = tuple(c for name in CALL3 for c in calls if c.call == name)
    direct: dict[str, CallResult] = {}
    for c in calls:
        if c.call == "call2" and (
            c.outcome != "skipped" or hsa_key(c.logical_address) not in direct
        ):
            direct[hsa_key(c.logical_address)] = c
    addresses = unique_relations(relations)
    if logic == "target":
        return (call1,) if call1 else ()
    if logic == "legacy":
        return tuple(_direct(direct, a) for a in addresses) + call3
    assert call1 is not None
    already = called_by_call1(call1)
    ordered = [
        skipped_call2(a, already[hsa_key(a)]) if hsa_key(a) in already else _direct(direct, a)
        for a in addresses
    ]
    return (call1, *ordered, *call3)


def _direct(direct: dict[str, CallResult], address: str) -> CallResult:
    found = direct.get(hsa_key(address))
    if found is not None and found.outcome != "skipped":
        return found
    return CallResult(
        call="call2",
        contract=SCHEDULING.name,
        logical_address=address,
        outcome="skipped",
        message="not called in the captured run (its logic excluded it); its answer is unknown",
    )
