"""Run 1177's collection (current, target or legacy logic) against the platform, concurrently.

current: call1 ∥ call3-v3 ∥ call3-v2, and call2 as soon as call1 has answered, to every relation
facility that call1 did not already call (per its ProcessingStatus). target: call1 only.
legacy: call2 to every relation facility ∥ call3-v3 ∥ call3-v2. A failed call becomes a
CallResult with its outcome; it never aborts the run.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import httpx

from bokade_cli.config import Profile
from bokade_cli.contracts import CONTRACTS, Contract, RequestParams
from bokade_cli.contracts.processing_status import parse_processing_status
from bokade_cli.errors import CallError, InvalidResponse
from bokade_cli.models import CallId, CallResult, CollectionResult, Logic, Record, SourceStatus
from bokade_cli.rules import judge
from bokade_cli.soap import Exchange, SoapClient, build_envelope
from bokade_cli.tls import build_ssl_context

SCHEDULING = CONTRACTS["GetSubjectOfCareSchedule"]
CARE_V3 = CONTRACTS["GetCareContacts/3"]
CARE_V2 = CONTRACTS["GetCareContacts/2"]


@dataclass(frozen=True)
class Subject:
    """Who the collection is for: the number goes on the wire in clear, nowhere else."""

    digits: str
    id_type: str


def unique_relations(relations: Sequence[str]) -> list[str]:
    """Relation HSA-ids in the given order, each once (HSA-ids compare case-insensitively)."""
    seen: set[str] = set()
    result = []
    for hsa_id in relations:
        hsa_id = hsa_id.strip()
        if hsa_id and hsa_id.casefold() not in seen:
            seen.add(hsa_id.casefold())
            result.append(hsa_id)
    return result


class Collector:
    """Makes the calls of one collection through a shared SoapClient."""

    def __init__(
        self,
        client: SoapClient,
        urls: Mapping[str, str],
        aggregator: str,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.urls = urls
        self.aggregator = aggregator
        self._on_event = on_event or (lambda _msg: None)

    async def collect(
        self, subject: Subject, relations: Sequence[str], logic: Logic, today: date
    ) -> tuple[CallResult, ...]:
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
        call2: list[asyncio.Task[CallResult]] = []
        skipped: dict[int, CallResult] = {}
        if logic == "legacy":
            call2 = [call("call2", SCHEDULING, a, i) for i, a in enumerate(relations)]
        first: CallResult | None = None
        if call1 is not None:
            first = await call1
        if logic == "current" and first is not None:
            already = called_by_call1(first)
            for index, address in enumerate(relations):
                status = already.get(address.casefold())
                if status is None:
                    call2.append(call("call2", SCHEDULING, address, index))
                else:
                    skipped[index] = skipped_call2(address, status)
        done2 = {r.logical_address.casefold(): r for r in await asyncio.gather(*call2)}
        ordered2 = [
            skipped.get(i) or done2[a.casefold()]
            for i, a in enumerate(relations)
            if i in skipped or a.casefold() in done2
        ]
        results3 = list(await asyncio.gather(*call3))
        return tuple(([first] if first else []) + ordered2 + results3)

    async def _call(
        self, call_id: CallId, contract: Contract, params: RequestParams, index: int
    ) -> CallResult:
        url = self.urls[contract.key]
        envelope = build_envelope(
            params.logical_address,
            contract.build_body(params),
            actor_id=params.subject_of_care if contract.sends_actor else None,
        )
        started = time.perf_counter()
        correlation_id = None

        def result(**fields: object) -> CallResult:
            elapsed = round((time.perf_counter() - started) * 1000)
            return CallResult(
                call=call_id,
                contract=contract.name,
                logical_address=params.logical_address,
                elapsed_ms=elapsed,
                correlation_id=correlation_id,
                **fields,  # type: ignore[arg-type]
            )

        try:
            tag = (call_id, contract.key, params.logical_address)
            response, correlation_id = await self.client.call(
                url, contract.soap_action, envelope, tag
            )
            parsed = contract.parse(response.body, call_id, index)
            sources = parse_processing_status(response.header)
        except CallError as exc:
            self._on_event(f"{call_id} {params.logical_address}: {exc.outcome}: {exc.message}")
            return result(outcome=exc.outcome, message=exc.message, hint=exc.hint or None)
        except Exception as exc:  # a parser bug must not hide the other calls' results
            failure = InvalidResponse(
                f"the answer could not be read: {exc!r}", "Report this as a bug in bokade."
            )
            return result(outcome=failure.outcome, message=failure.message, hint=failure.hint)
        self._on_event(
            f"{call_id} {params.logical_address}: ok, {len(parsed.records)} records, "
            f"correlation id {correlation_id}"
        )
        for note in parsed.notes:
            self._on_event(f"{call_id} {params.logical_address}: {note}")
        return result(outcome="ok", records=parsed.records, sources=sources, notes=parsed.notes)


def called_by_call1(call1: CallResult) -> dict[str, SourceStatus]:
    """Facilities call1's aggregator called, whatever their status; none if call1 failed."""
    if not call1.answered:
        return {}
    return {s.logical_address.strip().casefold(): s for s in call1.sources}


def skipped_call2(address: str, status: SourceStatus) -> CallResult:
    if status.failed:
        message = (
            f"not called: call1 already called it and it failed there ({status.status}"
            + (f": {status.error}" if status.error else "")
            + "); its appointments are missing from this collection"
        )
        hint = "1177 excludes it all the same; the facility's bookings show again once call1 reaches it."
    else:
        message = f"not called: call1 already called it ({status.status})"
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
    *,
    on_event: Callable[[str], None] | None = None,
    on_exchange: Callable[[Exchange], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_connections: int = 100,
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
        on_event=on_event,
        on_exchange=on_exchange,
    )


def collector_for(
    client: SoapClient, profile: Profile, on_event: Callable[[str], None] | None = None
) -> Collector:
    urls = {key: profile.url(key) for key in CONTRACTS}
    return Collector(client, urls, profile.aggregator_logical_address, on_event)


def collect_once(
    profile: Profile,
    subject: Subject,
    label: str,
    relations: Sequence[str],
    logic: Logic,
    now: datetime,
    *,
    on_event: Callable[[str], None] | None = None,
    on_exchange: Callable[[Exchange], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CollectionResult:
    """Run one collection and judge every record it received."""

    async def run() -> tuple[CallResult, ...]:
        client = make_client(
            profile, on_event=on_event, on_exchange=on_exchange, transport=transport
        )
        async with client:
            collector = collector_for(client, profile, on_event)
            return await collector.collect(subject, relations, logic, now.date())

    calls = asyncio.run(run())
    return judged(calls, label, logic, now)


def judged(
    calls: tuple[CallResult, ...], label: str, logic: Logic, now: datetime
) -> CollectionResult:
    records = [r for c in calls for r in c.records]
    return CollectionResult(
        subject_of_care=label,
        now=now.isoformat(timespec="seconds"),
        logic=logic,
        calls=calls,
        appointments=tuple(judge(records, now)),
    )


def scrubbed_calls(
    calls: tuple[CallResult, ...], scrub: Callable[[str], str]
) -> tuple[CallResult, ...]:
    """The calls with every free text from the platform passed through `scrub` (masking)."""

    def text(value: str | None) -> str | None:
        return scrub(value) if value is not None else None

    def record(r: Record) -> Record:
        # NOTE: producers put anything in free-text fields, the patient's number included.
        texts = (
            r.facility_hsa_id, r.facility_name, r.raw_start, r.raw_end, r.booking_id,
            r.source_system, r.document_id, r.status_code, r.status_text,
            *r.status_texts, *r.unknown_elements,
        )  # fmt: skip
        if all(t is None or scrub(t) == t for t in texts):
            return r  # the usual case: nothing to mask, no copy of the record
        return replace(
            r,
            facility_hsa_id=text(r.facility_hsa_id),
            facility_name=text(r.facility_name),
            raw_start=text(r.raw_start),
            raw_end=text(r.raw_end),
            booking_id=text(r.booking_id),
            source_system=text(r.source_system),
            document_id=text(r.document_id),
            status_code=text(r.status_code),
            status_text=text(r.status_text),
            status_texts=tuple(scrub(t) for t in r.status_texts),
            unknown_elements=tuple(scrub(u) for u in r.unknown_elements),
        )

    return tuple(
        replace(
            call,
            message=text(call.message),
            hint=text(call.hint),
            notes=tuple(scrub(n) for n in call.notes),
            sources=tuple(replace(s, error=text(s.error)) for s in call.sources),
            records=tuple(record(r) for r in call.records),
        )
        for call in calls
    )


def scrubbed(result: CollectionResult, scrub: Callable[[str], str]) -> CollectionResult:
    """The result masked; the verdicts stay those judged on the data as received."""
    masked = scrubbed_calls(result.calls, scrub)
    by_id = {
        id(r): m
        for c, mc in zip(result.calls, masked, strict=True)
        for r, m in zip(c.records, mc.records, strict=True)
    }
    appointments = tuple(
        a if by_id[id(a.record)] is a.record else replace(a, record=by_id[id(a.record)])
        for a in result.appointments
    )
    return replace(result, calls=masked, appointments=appointments)
