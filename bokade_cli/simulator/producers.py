"""One producer's answer to one request, computed without waiting: records, or how it fails."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from . import responses
from .inbound import Request, no_route_text
from .scenario import Behaviour, Producer, Scenario

Failure = Literal["fault", "http_status", "malformed", "hang", "no_route"]


@dataclass(frozen=True)
class Answer:
    """The delay is applied by the caller: once per direct call, once per aggregated fan-out."""

    delay: float  # seconds; math.inf when the producer hangs
    items: tuple[str, ...] = ()  # rendered timeslotDetail / careContact elements
    failure: Failure | None = None
    status: int = 200  # the HTTP status the failure comes with
    text: str = ""  # fault text, and the ProcessingStatus error text when aggregated


def fails(behaviour: Behaviour) -> bool:
    return bool(behaviour.fault or behaviour.http_status or behaviour.hang or behaviour.malformed)


def failure(behaviour: Behaviour) -> Answer:
    delay = behaviour.latency_ms / 1000
    if behaviour.hang:
        return Answer(math.inf, failure="hang", status=504)
    if behaviour.http_status:
        status = behaviour.http_status
        return Answer(
            delay, failure="http_status", status=status, text=f"HTTP {status} from the producer"
        )
    if behaviour.malformed:
        text = "The producer's answer was not well-formed XML"
        return Answer(delay, failure="malformed", status=500, text=text)
    return Answer(delay, failure="fault", status=500, text=behaviour.fault or "Internal error")


def no_route(request: Request) -> Answer:
    """The platform has no route (vägval) to this logical address for this contract."""
    return Answer(
        0.0,
        failure="no_route",
        status=500,
        text=no_route_text(request.namespace, request.logical_address),
    )


def render(
    scenario: Scenario, producer: Producer, request: Request, now: datetime
) -> tuple[str, ...]:
    """The producer's records for the citizen.

    NOTE: producers are not filtered by the request's healthcare_facility or date window: real
    systems answer for every unit they hold and often ignore the window, and the tool's own
    filters are what the scenarios exercise.
    """
    if request.contract == "GetSubjectOfCareSchedule":
        return tuple(
            responses.timeslot(b, now) for b in scenario.bookings_of(producer, request.citizen)
        )
    version = 2 if request.contract == "GetCareContacts/2" else 3
    contacts = scenario.care_contacts_of(producer, request.citizen, version)
    return tuple(responses.care_contact(c, version, request.patient, now) for c in contacts)
