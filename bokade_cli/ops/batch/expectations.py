"""What a batch case expects of its collection, read from TOML, and which expectations went unmet.

A booking id's *fate* is what the citizen would see of it: `shown` if any copy is shown, else
`duplicate` if any copy is a duplicate, else the filter reasons of its copies, and
`not_received` when no record carries that id (care contacts count by their documentId).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bokade_cli.errors import InputError
from bokade_cli.inputs import quoted
from bokade_cli.models import CallResult, CollectionResult
from bokade_cli.rules import REASONS, Stats

FATES = ("shown", "duplicate", "not_received", *REASONS)
KEYS = (
    "min_shown",
    "max_shown",
    "shown",
    "not_shown",
    "reasons",
    "no_failed_sources",
    "min_target_readiness",
)


@dataclass(frozen=True)
class Expectations:
    min_shown: int | None = None
    max_shown: int | None = None
    shown: tuple[str, ...] = ()  # booking ids that must be shown
    not_shown: tuple[str, ...] = ()  # booking ids that must not be shown
    reasons: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    no_failed_sources: bool = False  # no call and no ProcessingStatus source failed
    min_target_readiness: float | None = None  # 0..1; met when nothing is shown

    @property
    def count(self) -> int:
        """How many checks this case makes (for the summary)."""
        return (
            (self.min_shown is not None)
            + (self.max_shown is not None)
            + len(self.shown)
            + len(self.not_shown)
            + len(self.reasons)
            + self.no_failed_sources
            + (self.min_target_readiness is not None)
        )


def parse_expectations(table: Mapping[str, Any], where: str, hint: str) -> dict[str, Any]:
    """Validate an `expect` table into keyword arguments; `where` prefixes every error."""
    values: dict[str, Any] = {}
    for key, raw in table.items():
        at = f"{where}.{key}"
        if key in ("min_shown", "max_shown"):
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                raise InputError(f"{at} must be a whole number ≥ 0, got {quoted(raw)}", hint)
            values[key] = raw
        elif key in ("shown", "not_shown"):
            values[key] = tuple(_ids(raw, at, hint))
        elif key == "reasons":
            values[key] = MappingProxyType(_reasons(raw, at, hint))
        elif key == "no_failed_sources":
            if not isinstance(raw, bool):
                raise InputError(f"{at} must be true or false, got {quoted(raw)}", hint)
            values[key] = raw
        elif key == "min_target_readiness":
            number = isinstance(raw, int | float) and not isinstance(raw, bool)
            if not number or not math.isfinite(raw) or not 0 <= raw <= 1:
                raise InputError(
                    f"{at} must be a number from 0 to 1 (0.8 = 80 %), got {quoted(raw)}", hint
                )
            values[key] = float(raw)
        else:
            close = difflib.get_close_matches(key, KEYS, n=1)
            guess = f"Did you mean {close[0]!r}? " if close else ""
            raise InputError(
                f"{at} is not a known expectation", f"{guess}Known: {', '.join(KEYS)}."
            )
    return values


def build(values: Mapping[str, Any], where: str, hint: str) -> Expectations:
    expect = Expectations(**values)
    if (
        expect.min_shown is not None
        and expect.max_shown is not None
        and expect.min_shown > expect.max_shown
    ):
        raise InputError(f"{where}: min_shown is larger than max_shown", hint)
    both = set(expect.shown) & set(expect.not_shown)
    if both:
        raise InputError(f"{where}: {sorted(both)[0]} is in both shown and not_shown", hint)
    return expect


def _ids(raw: object, at: str, hint: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(i, str) and i.strip() for i in raw):
        raise InputError(f"{at} must be a list of booking ids (strings), got {quoted(raw)}", hint)
    return [i.strip() for i in raw]


def _reasons(raw: object, at: str, hint: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise InputError(f"{at} must be a table of booking id = reason, got {quoted(raw)}", hint)
    for booking_id, reason in raw.items():
        if reason not in FATES:
            raise InputError(
                f"{at}.{booking_id} = {quoted(reason)} is not a reason",
                f"Use one of: {', '.join(FATES)}.",
            )
    return {str(k).strip(): v for k, v in raw.items()}


def fates(result: CollectionResult) -> dict[str, set[str]]:
    """Every booking id received, with its fate (see the module docstring)."""
    labels: dict[str, set[str]] = {}
    for a in result.appointments:
        if a.record.booking_id is not None:
            labels.setdefault(a.record.booking_id.strip(), set()).add(a.reason or a.verdict)
    for found in labels.values():
        for winner in ("shown", "duplicate"):
            if winner in found:
                found.intersection_update({winner})
                break
    return labels


def failures_of(calls: Iterable[CallResult]) -> list[str]:
    """Each failed call and failed ProcessingStatus source, as `call/address outcome`."""
    found = []
    for call in calls:
        if call.failed:
            found.append(f"{call.call}/{call.logical_address} {call.outcome}")
        found += [f"{call.call}/{s.logical_address} {s.status}" for s in call.sources if s.failed]
    return found


def unmet(expect: Expectations, result: CollectionResult, stats: Stats) -> list[str]:
    """One sentence per expectation the collection did not meet; [] when all were met."""
    problems = []
    shown = sum(a.verdict == "shown" for a in result.appointments)
    if expect.min_shown is not None and shown < expect.min_shown:
        problems.append(f"shown {shown}, expected at least {expect.min_shown}")
    if expect.max_shown is not None and shown > expect.max_shown:
        problems.append(f"shown {shown}, expected at most {expect.max_shown}")
    known = fates(result)

    def fate(booking_id: str) -> set[str]:
        return known.get(booking_id, {"not_received"})

    for booking_id in expect.shown:
        if "shown" not in fate(booking_id):
            problems.append(f"booking {booking_id} is not shown ({_say(fate(booking_id))})")
    for booking_id in expect.not_shown:
        if "shown" in fate(booking_id):
            problems.append(f"booking {booking_id} is shown, expected not shown")
    for booking_id, reason in expect.reasons.items():
        if reason not in fate(booking_id):
            problems.append(
                f"booking {booking_id}: expected {reason}, got {_say(fate(booking_id))}"
            )
    if expect.no_failed_sources:
        failed = failures_of(result.calls)
        if failed:
            problems.append(f"sources failed: {', '.join(failed)}")
    readiness = stats.target_readiness
    if expect.min_target_readiness is not None and readiness is not None:
        if readiness < expect.min_target_readiness:
            problems.append(
                f"target readiness {readiness:.0%}, expected at least "
                f"{expect.min_target_readiness:.0%}"
            )
    return problems


def _say(fate: set[str]) -> str:
    return "/".join(sorted(fate))
