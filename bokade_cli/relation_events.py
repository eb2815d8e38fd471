"""Replay a citizen's dated relation events (mottagningsrelation, SPEC §3) into today's relations.

The seed's rules come down to one principle, applied after every event: a facility has a relation
while it is on the start page under Mottagningar, or listed there (vårdval), or the citizen is
approved for communication with it. Every way to create a relation puts the facility in one of
those places; every way to remove one takes it out of them. Hence the seed's special case: a
facility the citizen removes from the start page keeps its relation while the approval remains.
The engagement-index inbox flow (`booked_indexed`) created relations only until the 2021/22 new year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bokade_cli.hsa import hsa_key

INDEXED_FLOW_ENDED = date(2022, 1, 1)

# event -> the sentence explaining it; what each does to the state is in _apply().
CREATING = {
    "added_to_start_page": "added on the start page under Mottagningar",
    "listed": "listed there (vårdval/hälsoval), so it is on the start page",
    "approved_for_communication": "approved for communication; the facility was put on the start page",
    "invitation": "an invitation arrived in the inbox; the facility was put on the start page",
    "booked_indexed": "booked at a facility whose booking system updates the engagement index; "
    "1177's inbox message put it on the start page",
    "booked_logged_in": "booked directly while logged in; the facility was added to the start page",
    "booking_link_login": "logged in through the facility's booking link on 1177.se; "
    "it was added to the start page",
}
REMOVING = {
    "removed_from_start_page": "the citizen removed it from the start page",
    "listed_elsewhere": "the citizen listed at another facility; this one left the listing",
    "approval_withdrawn": "staff withdrew the approval for communication; "
    "the facility left the start page",
}
EVENTS = {**CREATING, **REMOVING}


@dataclass(frozen=True)
class Event:
    day: date
    facility: str
    event: str
    facility_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Step:
    """One event as applied: what it did (created, kept, removed, no_change, ignored) and why."""

    event: Event
    effect: str
    explanation: str


@dataclass
class Relation:
    """One facility's state after the events; `rule` names why the relation exists or not."""

    facility: str
    facility_name: str | None = None
    on_start_page: bool = False
    listed: bool = False
    approved: bool = False
    since: date | None = None
    history: list[Step] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.on_start_page or self.listed or self.approved

    @property
    def rule(self) -> str:
        if self.exists:
            if self.approved and not (self.on_start_page or self.listed):
                return "kept_while_approved"
            if self.on_start_page:
                return "start_page"
            return "listed"
        last = next((s for s in reversed(self.history) if s.effect == "removed"), None)
        if last is not None:
            return last.event.event
        if any(s.effect == "ignored" for s in self.history):
            return "indexed_flow_ended"
        return "no_relation"

    @property
    def explanation(self) -> str:
        if not self.exists:
            step = next((s for s in reversed(self.history) if s.effect != "no_change"), None)
            return step.explanation if step else "no event ever created a relation"
        bases = []
        if self.on_start_page:
            bases.append("it is on the start page under Mottagningar")
        if self.listed:
            bases.append("the citizen is listed there (vårdval)")
        if self.approved:
            bases.append("the citizen is approved for communication with it")
        text = f"relation since {self.since}: " + "; ".join(bases)
        if self.rule == "kept_while_approved":
            text += (
                " — although it was removed from the start page, the relation stays while the "
                "approval for communication remains, until staff withdraw it"
            )
        return text


def relations_from_events(events: list[Event], as_of: date | None = None) -> list[Relation]:
    """Apply events in date order (file order within a day); facilities in first-seen order."""
    state: dict[str, Relation] = {}
    for event in sorted(events, key=lambda e: e.day):  # sorted() is stable: file order kept
        if as_of is not None and event.day > as_of:
            continue
        relation = state.setdefault(hsa_key(event.facility), Relation(event.facility))
        relation.facility_name = event.facility_name or relation.facility_name
        relation.history.append(_apply(relation, event))
    return list(state.values())


def _apply(r: Relation, e: Event) -> Step:
    before = r.exists
    what = EVENTS[e.event]
    if e.event == "booked_indexed" and e.day >= INDEXED_FLOW_ENDED:
        text = (
            f"{what.split(';')[0]}; but 1177 stopped turning engagement-index updates into inbox "
            "messages at the 2021/22 new year, so no relation was created "
            "(call1 finds such bookings through the engagement index instead)"
        )
        return Step(e, "no_change" if before else "ignored", text)
    if e.event in CREATING:
        r.on_start_page = r.on_start_page or e.event != "listed"
        r.listed = r.listed or e.event == "listed"
        r.approved = r.approved or e.event == "approved_for_communication"
    elif e.event == "removed_from_start_page":
        r.on_start_page = False
    elif e.event == "listed_elsewhere":
        r.listed = False
    else:  # approval_withdrawn: the seed says the facility also leaves the start page
        r.approved = r.on_start_page = False
    if r.exists and not before:
        r.since = e.day
        return Step(e, "created", f"{what}: relation created")
    if before and not r.exists:
        r.since = None
        return Step(e, "removed", f"{what}: relation removed")
    if not r.exists:
        return Step(e, "no_change", f"{what}; there was no relation to remove")
    if e.event in REMOVING:
        return Step(e, "kept", f"{what}, but the relation stays: {_basis(r)}")
    return Step(e, "no_change", f"{what}; the relation already existed")


def _basis(r: Relation) -> str:
    if r.approved and not (r.on_start_page or r.listed):
        return "the citizen is still approved for communication with it"
    if r.on_start_page:
        return "it is still on the start page under Mottagningar"
    return "the citizen is still listed there"
