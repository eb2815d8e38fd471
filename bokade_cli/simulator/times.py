"""Relative scenario times such as "+3d 10:00", resolved against the simulator's clock."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..quoting import quote

STOCKHOLM = ZoneInfo("Europe/Stockholm")

_UNITS = ("y", "mo", "w", "d", "h", "min")
_STEP = re.compile(r"([+-])(\d{1,5})(min|mo|y|w|d|h)")
_EXPR = re.compile(
    r"(?P<now>now)?(?P<steps>(?:[+-]\d{1,5}(?:min|mo|y|w|d|h))*)"
    r"\s*(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)?"
)


@dataclass(frozen=True)
class RelativeTime:
    """A point in time relative to "now": calendar steps, then a wall-clock time, then h/min.

    Years and months are calendar steps (31 January + 1 month is 28/29 February), as SPEC §2
    counts "3 years"; days and weeks move the date; a clock time, when given, replaces the time of
    day; hours and minutes are added last. All of it is Stockholm wall-clock arithmetic, which is
    what a booking system stores, so "+1d 10:00" is 10:00 local time even across a DST change.
    """

    text: str
    steps: tuple[tuple[str, int], ...] = ()
    clock: time | None = None

    def resolve(self, now: datetime) -> datetime:
        """The naive Stockholm local time this expression means at `now`."""
        local = now.astimezone(STOCKHOLM).replace(tzinfo=None, microsecond=0)
        amounts = dict.fromkeys(_UNITS, 0)
        for unit, amount in self.steps:
            amounts[unit] += amount
        day = _add_months(local.date(), amounts["y"] * 12 + amounts["mo"])
        day += timedelta(weeks=amounts["w"], days=amounts["d"])
        result = datetime.combine(day, self.clock if self.clock is not None else local.time())
        return result + timedelta(hours=amounts["h"], minutes=amounts["min"])

    def shifted(self, step: RelativeTime, times: int) -> RelativeTime:
        """This time plus `times` repetitions of `step` (whose clock, if any, is ignored)."""
        amounts = dict.fromkeys(_UNITS, 0)
        for unit, amount in self.steps + tuple((u, a * times) for u, a in step.steps):
            amounts[unit] += amount
        steps = tuple((unit, amount) for unit, amount in amounts.items() if amount)
        return RelativeTime(f"{self.text} {step.text} x{times}", steps, self.clock)

    def render(self, now: datetime) -> str:
        """The `YYYYMMDDhhmmss` value the contracts carry."""
        return self.resolve(now).strftime("%Y%m%d%H%M%S")


def parse_relative(text: str) -> RelativeTime:
    """Parse "now", "+3d 10:00", "-2d 09:00", "+3y+1d 10:00", "+90min", "10:00" (today).

    Raises ValueError with a short reason; the loader turns it into an InputError naming the key.
    """
    cleaned = text.strip()
    match = _EXPR.fullmatch(cleaned)
    if match is None or not (match.group("now") or match.group("steps") or match.group("clock")):
        raise ValueError(
            f"{quote(text)} is not a relative time; write e.g. '+3d 10:00', '-2d 09:00', "
            "'+3y+1d 10:00' or '+90min' (units y, mo, w, d, h, min)"
        )
    steps = tuple(
        (unit, int(amount) * (-1 if sign == "-" else 1))
        for sign, amount, unit in _STEP.findall(match.group("steps") or "")
    )
    clock = None
    if match.group("clock"):
        parts = [int(p) for p in match.group("clock").split(":")]
        try:
            clock = time(parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
        except ValueError as exc:
            raise ValueError(f"{quote(text)}: bad clock time ({exc})") from None
    return RelativeTime(text=text, steps=steps, clock=clock)


def stockholm_now() -> datetime:
    return datetime.now(STOCKHOLM)


def as_stockholm(moment: datetime) -> datetime:
    """An aware Stockholm datetime; a naive value is taken as Stockholm local time (as --now is)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(STOCKHOLM)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
