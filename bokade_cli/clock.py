"""Times as instants: Stockholm wall times read as java.time reads them, compared in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bokade_cli.quoting import quote

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Every instant is an aware UTC datetime: Python compares aware datetimes that share a tzinfo by
# wall time (ignoring fold), so a shared ZoneInfo would misorder times around the DST changes.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _shown(value: str) -> str:
    """The value for a message, plain (the output boundary masks a number in it), and short."""
    return quote(value, 40)


def parse_time(raw: str) -> datetime:
    """`YYYYMMDDhhmmss`, a real Stockholm calendar time, as its UTC instant; ValueError otherwise."""
    # isdigit alone would let full-width and other scripts' digits through; int() would allow "_".
    if len(raw) != 14 or not raw.isascii() or not raw.isdigit():
        raise ValueError(f"{_shown(raw)} is not YYYYMMDDhhmmss")
    # Not strptime: it accepts one-digit fields and so can misread "20261310...".
    month, day, hour, minute, second = (int(raw[i : i + 2]) for i in range(4, 14, 2))
    try:
        # datetime() itself rejects year 0, 31 November, hour 24, minute 60, ...
        return resolve(datetime(int(raw[:4]), month, day, hour, minute, second))
    except ValueError:
        raise ValueError(f"{_shown(raw)} is not a real time YYYYMMDDhhmmss") from None


def resolve(wall: datetime, prefer: timedelta | None = None) -> datetime:
    """A naive Stockholm wall time as a UTC instant, resolved as java.time's ZonedDateTime.ofLocal.

    Twice-occurring wall times keep `prefer` when it is one of their offsets, else take the
    earlier (summer) offset; non-existent ones take the offset before the change (02:30 -> 03:30).
    """
    if wall.utcoffset() is not None:
        raise ValueError(f"{wall.isoformat()} is not a naive wall time")
    wall = wall.replace(tzinfo=None)
    try:
        if prefer is not None:
            # `prefer` is valid exactly when the instant it gives reads back as the same wall time.
            candidate = (wall - prefer).replace(tzinfo=UTC)
            if local(candidate).replace(tzinfo=None) == wall:
                return candidate
        # PEP 495's fold=0 is java's choice in both cases: the offset in force before the change.
        return wall.replace(tzinfo=STOCKHOLM, fold=0).astimezone(UTC)
    except OverflowError:
        raise ValueError(
            f"{wall.isoformat()} in Stockholm is outside the representable times"
        ) from None


def local(instant: datetime) -> datetime:
    """The instant as an aware Stockholm datetime (fold and offset set by the zone)."""
    if instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} is not an instant (no offset)")
    return instant.astimezone(STOCKHOLM)


def iso(instant: datetime) -> str:
    """The instant as printed: Stockholm time to the second with its offset."""
    return local(instant).isoformat(timespec="seconds")


def now_instant(value: datetime | None = None) -> datetime:
    """`now` as the instant that judges: whole seconds (truncated), UTC; naive = Stockholm wall time.

    ValueError when now or now + 3 years falls outside the years the rules can handle.
    """
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        if value.utcoffset() is None:
            instant = resolve(value.replace(microsecond=0))
        else:
            # Truncate the instant, not the wall time: an offset may carry microseconds.
            instant = value.astimezone(UTC).replace(microsecond=0)
        three_years_after(instant)  # also proves the instant can be printed in Stockholm
    except (ValueError, OverflowError):
        raise ValueError(f"{value.isoformat()} is outside the years the rules can handle") from None
    return instant


def add_years(day: date, years: int) -> date:
    """Calendar years; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def three_years_after(now: datetime) -> datetime:
    """The beyond_3_years limit: java's now.plusYears(3) in Stockholm, as a UTC instant."""
    wall = local(now)
    later = datetime.combine(add_years(wall.date(), 3), wall.time())
    return resolve(later, prefer=wall.utcoffset())


def minute_key(instant: datetime) -> int:
    """The facility_start duplicate key: the instant's Stockholm minute, as epoch seconds of its start.

    Seconds, not minutes: before 1900 Stockholm's offsets were not whole minutes, so a printed
    minute need not start on a UTC minute.
    """
    start = local(instant).replace(second=0, microsecond=0)
    return (start - _EPOCH) // timedelta(seconds=1)


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as --now/--start and captures give it (naive or aware); ValueError otherwise."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{_shown(text)} is not an ISO 8601 time") from None
