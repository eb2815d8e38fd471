"""The platform's routing: VP faults, the aggregators' fan-out and direct calls to producers."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from . import envelopes, producers, responses
from .envelopes import StatusRecord
from .inbound import ClientFault, PlatformFault, Request, RequestLog, parse_request
from .producers import Answer
from .scenario import Scenario, hsa_key
from .times import as_stockholm, stockholm_now

if TYPE_CHECKING:
    import httpx

Reply = tuple[int, dict[str, str], bytes]
_STOPPED: Reply = (503, {"Content-Type": "text/plain; charset=UTF-8"}, b"simulator stopped\n")


class Simulator:
    """Answers SOAP requests as NTjP does for one scenario; `handle` is free of sockets."""

    def __init__(self, scenario: Scenario, now: datetime | None = None) -> None:
        self.scenario = scenario
        self.requests = RequestLog()
        self._now = as_stockholm(now) if now is not None else None
        # Set when the server stops: wakes every sleeping or hanging handler at once.
        self._stopping = threading.Event()
        # Rendered records per (producer, contract, patient, second): a batch run asks for the
        # same answers many times a second, and rendering 1,000 bookings costs ~20 ms of GIL.
        self._rendered: dict[tuple[str, str, tuple[str, str], datetime], tuple[str, ...]] = {}
        # Requests being answered right now, and the most ever at once: the load the tool put on
        # the platform (its concurrency), for tests and benchmarks.
        self._busy_lock = threading.Lock()
        self._busy = 0
        self.peak_in_flight = 0

    def current_time(self) -> datetime:
        """The fixed `now` if one was given, else the Stockholm clock (`serve` never goes stale)."""
        return self._now if self._now is not None else stockholm_now()

    def stop(self) -> None:
        """Release every waiting handler (hangs included); later waits return at once."""
        self._stopping.set()

    def restart(self) -> None:
        self._stopping.clear()

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def handle(self, body: bytes, headers: Mapping[str, str]) -> Reply:
        """Route one request on LogicalAddress + body namespace; may sleep for injected latency."""
        with self._busy_lock:
            self._busy += 1
            self.peak_in_flight = max(self.peak_in_flight, self._busy)
        try:
            return self._handle(body, headers)
        finally:
            with self._busy_lock:
                self._busy -= 1

    def _handle(self, body: bytes, headers: Mapping[str, str]) -> Reply:
        started = time.monotonic()
        lowered = {k.lower(): v for k, v in headers.items()}
        extra = {}
        if "x-skltp-correlation-id" in lowered:
            extra["x-skltp-correlation-id"] = lowered["x-skltp-correlation-id"]
        consumer = lowered.get("x-rivta-original-serviceconsumer-hsaid", "")
        try:
            request = parse_request(body, consumer)
        except ClientFault as exc:
            return _reply(500, envelopes.fault("soap:Client", str(exc)), extra)
        except PlatformFault as exc:
            return _reply(500, envelopes.fault("soap:Server", str(exc)), extra)
        self.requests.add(request.contract, request.logical_address, "direct")
        if self.scenario.is_unauthorized(request.logical_address, request.contract):
            text = (
                f"VP007 Authorization missing for serviceNamespace: {request.namespace}, "
                f"receiverId: {request.logical_address}, senderId: {consumer or 'unknown'}"
            )
            return _reply(500, envelopes.fault("soap:Server", text), extra)
        if hsa_key(request.logical_address) == hsa_key(self.scenario.aggregator):
            return self._aggregate(request, extra, started)
        return self._direct(self._answer(request), request, extra, started)

    def mock_transport(self) -> httpx.MockTransport:
        """The same handler behind httpx.MockTransport (sync clients; latency blocks the caller)."""
        import httpx

        def handler(request: httpx.Request) -> httpx.Response:
            status, headers, content = self.handle(request.read(), request.headers)
            return httpx.Response(status, headers=headers, content=content)

        return httpx.MockTransport(handler)

    def _aggregate(self, request: Request, extra: dict[str, str], started: float) -> Reply:
        """Fan out over the engagement index and merge, as the national aggregating services do."""
        own = self.scenario.aggregator_behaviours.get(request.contract)
        if own is not None and producers.fails(own):
            return self._direct(producers.failure(own), request, extra, started)
        timeout_ms = self.scenario.aggregation_timeout_ms
        answers: list[tuple[str, Answer]] = []
        for address in self.scenario.engaged(request.citizen, request.contract):
            self.requests.add(request.contract, address, "aggregator")
            answers.append((address, self._answer(request.to(address))))
        # The producers are called concurrently, so the fan-out costs the slowest of them, capped
        # by the aggregation timeout: one wait here is equivalent to a thread per producer.
        fan_out = min(max((a.delay for _, a in answers), default=0.0), timeout_ms / 1000)
        delay = (own.latency_ms / 1000 if own else 0.0) + fan_out
        records: list[StatusRecord] = []
        items: list[str] = []
        for address, answer in answers:
            if answer.delay > timeout_ms / 1000:
                text = f"Timeout: no answer from {address} within {timeout_ms} ms"
                records.append(StatusRecord(address, False, "504", text))
            elif answer.failure == "no_route":
                code, agent = "500", "virtualization_platform"
                records.append(StatusRecord(address, False, code, answer.text, agent))
            elif answer.failure is not None:
                records.append(StatusRecord(address, False, str(answer.status), answer.text))
            else:
                records.append(StatusRecord(address, True))
                items.extend(answer.items)
        header = envelopes.processing_status(records, self.current_time())
        reply = _reply(200, envelopes.envelope(_body(request, items), header), extra)
        return _STOPPED if self._wait_until(started, delay) else reply

    def _answer(self, request: Request) -> Answer:
        producer = self.scenario.producer(request.logical_address, request.contract)
        if producer is None:
            return producers.no_route(request)
        behaviour = producer.behaviour(request.contract)
        if producers.fails(behaviour):
            return producers.failure(behaviour)
        now = self.current_time().replace(microsecond=0)
        key = (hsa_key(producer.hsa_id), request.contract, request.patient, now)
        items = self._rendered.get(key)
        if items is None:
            items = producers.render(self.scenario, producer, request, now)
            if len(self._rendered) >= 256:
                self._rendered.clear()
            self._rendered[key] = items
        return Answer(behaviour.latency_ms / 1000, items)

    def _direct(
        self, answer: Answer, request: Request, extra: dict[str, str], started: float
    ) -> Reply:
        """Send the answer as the producer does (failures raw), `answer.delay` after arrival."""
        reply = self._direct_reply(answer, request, extra)
        return _STOPPED if self._wait_until(started, answer.delay) else reply

    def _wait_until(self, started: float, delay: float) -> bool:
        """Sleep until `delay` after `started`; True if the simulator stopped meanwhile.

        NOTE: the injected latency counts from the request's arrival, so the simulator's own
        work (rendering 1,000 bookings takes ~20 ms) does not add to what a scenario asks for.
        """
        if math.isinf(delay):
            return self._stopping.wait(None)
        return self._stopping.wait(max(0.0, delay - (time.monotonic() - started)))

    def _direct_reply(self, answer: Answer, request: Request, extra: dict[str, str]) -> Reply:
        if answer.failure in ("fault", "no_route"):
            return _reply(500, envelopes.fault("soap:Server", answer.text), extra)
        if answer.failure == "http_status":
            html = {**extra, "Content-Type": "text/html; charset=UTF-8"}
            return _reply(answer.status, envelopes.error_page(answer.status), html)
        if answer.failure == "malformed":
            return _reply(200, envelopes.malformed(request.namespace), extra)
        return _reply(200, envelopes.envelope(_body(request, list(answer.items))), extra)


def _body(request: Request, items: list[str]) -> str:
    if request.contract == "GetSubjectOfCareSchedule":
        return responses.scheduling_response(items)
    version = 2 if request.contract == "GetCareContacts/2" else 3
    return responses.care_contacts_response(version, items, str(uuid.uuid4()))


def _reply(status: int, body: bytes, headers: dict[str, str]) -> Reply:
    return status, {"Content-Type": envelopes.CONTENT_TYPE, **headers}, body
