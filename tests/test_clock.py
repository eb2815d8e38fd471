"""bokade_cli.clock: times are read as java.time reads them and compared as instants (SPEC §2)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bokade_cli.clock import (
    STOCKHOLM,
    add_years,
    iso,
    local,
    minute_key,
    now_instant,
    parse_iso,
    parse_time,
    resolve,
    three_years_after,
)

CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def raw_of(printed: str) -> str:
    """The YYYYMMDDhhmmss of a printed time (its wall clock, offset dropped)."""
    return datetime.fromisoformat(printed).strftime("%Y%m%d%H%M%S")


# The DST changes of 2025-2030, as UTC instants (always 01:00Z, last Sunday of March/October).
SPRING = [utc(2025, 3, 30, 1), utc(2026, 3, 29, 1), utc(2027, 3, 28, 1)]
SPRING += [utc(2028, 3, 26, 1), utc(2029, 3, 25, 1), utc(2030, 3, 31, 1)]
AUTUMN = [utc(2025, 10, 26, 1), utc(2026, 10, 25, 1), utc(2027, 10, 31, 1)]
AUTUMN += [utc(2028, 10, 29, 1), utc(2029, 10, 28, 1), utc(2030, 10, 27, 1)]
CHANGES = SPRING + AUTUMN


def test_the_listed_changes_are_the_zones_changes() -> None:
    second = timedelta(seconds=1)
    for change in SPRING:
        assert (local(change - second).utcoffset(), local(change).utcoffset()) == (
            timedelta(hours=1),
            timedelta(hours=2),
        )
    for change in AUTUMN:
        assert (local(change - second).utcoffset(), local(change).utcoffset()) == (
            timedelta(hours=2),
            timedelta(hours=1),
        )


# --- parse_time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "instant"),
    [
        ("20261126120000", utc(2026, 11, 26, 11)),  # winter, +01:00
        ("20260615120000", utc(2026, 6, 15, 10)),  # summer, +02:00
        ("20280229235959", utc(2028, 2, 29, 22, 59, 59)),  # leap day
        ("20270101000000", utc(2026, 12, 31, 23)),  # the UTC date is the day before
        ("99991231235959", utc(9999, 12, 31, 22, 59, 59)),
    ],
)
def test_parse_time_valid(raw: str, instant: datetime) -> None:
    parsed = parse_time(raw)
    assert parsed == instant
    assert parsed.tzinfo is UTC  # an instant, so comparisons never fall back to wall time


@pytest.mark.parametrize(
    "raw",
    [
        "2026120110000",  # 13 digits
        "202612011000000",  # 15 digits
        " 20261201100000",
        "20261201100000 ",
        "2026120110000\n",
        "２０２６１２０１１０００００",  # full-width digits
        "٢٠٢٦١٢٠١١٠٠٠٠٠",  # Arabic-Indic digits
        "2026_201100000",  # int() would accept the underscore
        "+2026120110000",
        "-2026120110000",
        "2026-12-01T10:0",
        "",
        "20261131100000",  # 31 November
        "20270229100000",  # 29 February, not a leap year
        "20261301100000",  # month 13
        "20261200100000",  # day 0
        "20261201240000",  # hour 24
        "20261201106000",  # minute 60
        "20261201100060",  # second 60
        "00001201100000",  # year 0
        "00010101000000",  # a Stockholm wall time before the first representable UTC instant
    ],
)
def test_parse_time_invalid(raw: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_time(raw)
    assert f'"{raw}"' in str(caught.value)  # plain, never repr(): see bokade_cli/quoting.py


def test_parse_time_huge_value_fails_fast_with_a_short_message() -> None:
    raw = "2" * 5000
    started = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        parse_time(raw)
    assert time.perf_counter() - started < 0.05
    message = str(caught.value)
    assert len(message) < 120
    assert '"..." (5,000 characters)' in message  # a cut never leaves part of a number


# --- the DST changes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "instant"),
    [
        # Spring 2027: 02:00+01:00 becomes 03:00+02:00; 02:xx does not exist and is read
        # with the offset before the change (java shifts it forward by the gap).
        ("20270328015900", utc(2027, 3, 28, 0, 59)),
        ("20270328020000", utc(2027, 3, 28, 1, 0)),
        ("20270328023000", utc(2027, 3, 28, 1, 30)),
        ("20270328025959", utc(2027, 3, 28, 1, 59, 59)),
        ("20270328030000", utc(2027, 3, 28, 1, 0)),
        # Autumn 2026: 03:00+02:00 becomes 02:00+01:00; 02:xx occurs twice and takes +02:00.
        ("20261025015900", utc(2026, 10, 24, 23, 59)),
        ("20261025020000", utc(2026, 10, 25, 0, 0)),
        ("20261025023000", utc(2026, 10, 25, 0, 30)),
        ("20261025025959", utc(2026, 10, 25, 0, 59, 59)),
        ("20261025030000", utc(2026, 10, 25, 2, 0)),
    ],
)
def test_dst_wall_times(raw: str, instant: datetime) -> None:
    assert parse_time(raw) == instant


def test_spring_gap_start_is_after_a_now_printed_earlier() -> None:
    now = now_instant(datetime(2027, 3, 28, 3, 10, tzinfo=CEST))
    start = parse_time("20270328023000")
    assert start > now
    assert start - now == timedelta(minutes=20)
    assert iso(start) == "2027-03-28T03:30:00+02:00"


def test_autumn_overlap_start_is_before_a_now_in_the_second_pass() -> None:
    now = now_instant(datetime(2026, 10, 25, 2, 10, tzinfo=CET))
    start = parse_time("20261025024000")
    assert start == utc(2026, 10, 25, 0, 40)
    assert start < now
    assert iso(start) == "2026-10-25T02:40:00+02:00"


walls_near_changes = st.builds(
    lambda change, seconds: local(change).replace(tzinfo=None) + timedelta(seconds=seconds),
    st.sampled_from(CHANGES),
    st.integers(-36 * 3600, 36 * 3600),
)
nows_near_changes = st.one_of(
    # naive: Stockholm wall time, with microseconds to truncate
    st.builds(
        lambda wall, us: wall.replace(microsecond=us), walls_near_changes, st.integers(0, 999_999)
    ),
    # aware: any instant in the windows, expressed in one of several offsets
    st.builds(
        lambda change, us, tz: (change + timedelta(microseconds=us)).astimezone(tz),
        st.sampled_from(CHANGES),
        st.integers(-36 * 3600 * 10**6, 36 * 3600 * 10**6),
        st.sampled_from([UTC, CET, CEST, STOCKHOLM, timezone(timedelta(hours=-5))]),
    ),
)


@given(walls_near_changes, nows_near_changes)
def test_printed_times_agree_with_the_verdict(wall: datetime, now: datetime) -> None:
    start = parse_time(wall.strftime("%Y%m%d%H%M%S"))
    judged = now_instant(now)
    printed_start = datetime.fromisoformat(iso(start))
    printed_now = datetime.fromisoformat(iso(judged))
    assert (start < judged) == (printed_start < printed_now)
    assert (start == judged) == (printed_start == printed_now)


def _exists(wall: datetime) -> bool:
    """Whether a wall time near the 2025-2030 changes exists (is not in a spring gap)."""
    return not any(local(change).date() == wall.date() and wall.hour == 2 for change in SPRING)


@given(walls_near_changes)
def test_printed_start_round_trips(wall: datetime) -> None:
    raw = wall.strftime("%Y%m%d%H%M%S")
    start = parse_time(raw)
    assert parse_time(raw_of(iso(start))) == start
    # The printed wall time is the raw one exactly when the raw one exists.
    assert (raw_of(iso(start)) == raw) == _exists(wall)


# --- now_instant ------------------------------------------------------------------------------


def test_now_truncates_microseconds() -> None:
    assert now_instant(datetime(2026, 11, 26, 12, 0, 0, 999_999)) == utc(2026, 11, 26, 11)
    aware = datetime(2026, 11, 26, 12, 0, 0, 999_999, tzinfo=CET)
    assert now_instant(aware) == utc(2026, 11, 26, 11)
    assert iso(now_instant(aware)) == "2026-11-26T12:00:00+01:00"


def test_now_truncates_an_instant_before_1970_downwards() -> None:
    assert now_instant(datetime(1960, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)) == utc(1960, 1, 1)


def test_now_from_the_system_clock() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = now_instant()
    after = datetime.now(UTC)
    assert before <= now <= after
    assert now.microsecond == 0 and now.tzinfo is UTC


def test_naive_now_in_the_spring_gap_prints_as_its_instant() -> None:
    now = now_instant(datetime(2027, 3, 28, 2, 30))
    assert now == utc(2027, 3, 28, 1, 30)
    assert iso(now) == "2027-03-28T03:30:00+02:00"


def test_naive_now_in_the_autumn_overlap_takes_the_earlier_offset() -> None:
    now = now_instant(datetime(2026, 10, 25, 2, 30))
    assert now == utc(2026, 10, 25, 0, 30)
    assert iso(now) == "2026-10-25T02:30:00+02:00"


def test_naive_is_stockholm_and_aware_keeps_its_instant() -> None:
    assert now_instant(datetime(2026, 6, 15, 12)) == utc(2026, 6, 15, 10)
    assert now_instant(datetime(2026, 6, 15, 12, tzinfo=UTC)) == utc(2026, 6, 15, 12)
    minus5 = timezone(timedelta(hours=-5))
    assert now_instant(datetime(2026, 6, 15, 12, tzinfo=minus5)) == utc(2026, 6, 15, 17)
    # The second 02:30 of the autumn change, given as a ZoneInfo time with fold=1.
    second_pass = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=1)
    assert now_instant(second_pass) == utc(2026, 10, 25, 1, 30)
    assert iso(now_instant(second_pass)) == "2026-10-25T02:30:00+01:00"


@given(nows_near_changes)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_replayed_now_judges_like_the_live_one(now: datetime) -> None:
    live = now_instant(now)
    replayed = now_instant(parse_iso(iso(live)))
    assert replayed == live
    assert iso(replayed) == iso(live)
    assert three_years_after(replayed) == three_years_after(live)


@pytest.mark.parametrize(
    "value",
    [
        datetime(9997, 1, 1),  # + 3 years is year 10000
        datetime(9999, 12, 31, 23, 59, 59),
        datetime(9996, 12, 31, 23, 30, tzinfo=UTC),  # already 9997 in Stockholm
        datetime(9999, 12, 31, 23, 30, tzinfo=UTC),  # Stockholm is in year 10000
        datetime(1, 1, 1),  # before the first representable UTC instant
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),  # astimezone overflows
    ],
)
def test_now_outside_the_rules_years(value: datetime) -> None:
    with pytest.raises(ValueError, match="outside the years the rules can handle"):
        now_instant(value)


def test_now_at_the_edges_of_the_rules_years() -> None:
    last = now_instant(datetime(9996, 12, 31, 23, 59, 59))
    assert three_years_after(last) == utc(9999, 12, 31, 22, 59, 59)
    assert now_instant(datetime(1, 1, 2)) < now_instant(datetime(1, 1, 3))


# --- add_years / three_years_after ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2028, 2, 29), 3, date(2031, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
        (date(2028, 2, 28), 3, date(2031, 2, 28)),
        (date(2026, 3, 1), 3, date(2029, 3, 1)),
        (date(2026, 12, 31), 3, date(2029, 12, 31)),
    ],
)
def test_add_years(day: date, years: int, expected: date) -> None:
    assert add_years(day, years) == expected


def test_add_years_past_9999_fails() -> None:
    with pytest.raises(ValueError):
        add_years(date(9998, 1, 1), 3)


def test_three_years_after_leap_day() -> None:
    now = now_instant(datetime(2028, 2, 29, 12))
    assert iso(three_years_after(now)) == "2031-02-28T12:00:00+01:00"


@pytest.mark.parametrize(
    ("now", "limit"),
    [
        (datetime(2026, 11, 26, 12), "2029-11-26T12:00:00+01:00"),
        (datetime(2026, 6, 15, 12), "2029-06-15T12:00:00+02:00"),
        # a summer date that is winter three years later (the 2029 change is on 28 October)
        (datetime(2026, 10, 24, 12), "2029-10-24T12:00:00+02:00"),
        (datetime(2026, 10, 28, 12), "2029-10-28T12:00:00+01:00"),
    ],
)
def test_three_years_after_keeps_the_wall_time(now: datetime, limit: str) -> None:
    assert iso(three_years_after(now_instant(now))) == limit


def test_three_years_after_into_a_spring_gap_shifts_forward() -> None:
    # 31 March 2027 is summer time; 31 March 2030 is the spring change, so 02:30 does not exist.
    now = now_instant(datetime(2027, 3, 31, 2, 30))
    limit = three_years_after(now)
    assert limit == utc(2030, 3, 31, 1, 30)
    assert iso(limit) == "2030-03-31T03:30:00+02:00"


def test_three_years_after_into_an_overlap_keeps_nows_offset() -> None:
    # 28 October 2026 is winter time; 28 October 2029 02:30 occurs twice: keep +01:00.
    winter = three_years_after(now_instant(datetime(2026, 10, 28, 2, 30)))
    assert iso(winter) == "2029-10-28T02:30:00+01:00"
    assert winter == utc(2029, 10, 28, 1, 30)
    # 27 October 2027 is summer time; 27 October 2030 02:30 occurs twice: keep +02:00.
    summer = three_years_after(now_instant(datetime(2027, 10, 27, 2, 30)))
    assert iso(summer) == "2030-10-27T02:30:00+02:00"
    assert summer == utc(2030, 10, 27, 0, 30)


def test_three_years_after_from_either_pass_of_an_overlap() -> None:
    first = now_instant(datetime(2026, 10, 25, 2, 30, tzinfo=CEST))
    second = now_instant(datetime(2026, 10, 25, 2, 30, tzinfo=CET))
    # 25 October 2029 is summer time: both passes give the same, only valid, instant.
    assert three_years_after(first) == three_years_after(second) == utc(2029, 10, 25, 0, 30)


def test_resolve_prefer() -> None:
    overlap = datetime(2026, 10, 25, 2, 30)
    assert resolve(overlap) == utc(2026, 10, 25, 0, 30)
    assert resolve(overlap, prefer=timedelta(hours=1)) == utc(2026, 10, 25, 1, 30)
    assert resolve(overlap, prefer=timedelta(hours=2)) == utc(2026, 10, 25, 0, 30)
    assert resolve(overlap, prefer=timedelta(hours=5)) == utc(2026, 10, 25, 0, 30)
    # Outside an overlap an offset that is not valid is ignored.
    assert resolve(datetime(2026, 6, 15, 12), prefer=timedelta(hours=1)) == utc(2026, 6, 15, 10)
    # In a gap no offset is valid: read with the offset before the change.
    gap = datetime(2027, 3, 28, 2, 30)
    assert resolve(gap, prefer=timedelta(hours=2)) == utc(2027, 3, 28, 1, 30)


def test_resolve_and_local_refuse_the_wrong_kind_of_datetime() -> None:
    with pytest.raises(ValueError):
        resolve(datetime(2026, 6, 15, 12, tzinfo=UTC))
    with pytest.raises(ValueError):
        local(datetime(2026, 6, 15, 12))


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31)),
    st.sampled_from([UTC, STOCKHOLM, CET]),
)
def test_three_years_after_is_the_same_wall_time_when_it_exists(
    moment: datetime, tz: tzinfo
) -> None:
    now = now_instant(moment.replace(tzinfo=tz))
    wall = local(now).replace(tzinfo=None)
    later = local(three_years_after(now)).replace(tzinfo=None)
    expected = datetime.combine(add_years(wall.date(), 3), wall.time())
    if local(resolve(expected)).replace(tzinfo=None) != expected:  # in a spring gap
        assert later == expected + timedelta(hours=1)
    else:
        assert later == expected
    assert three_years_after(now) > now


# --- minute_key -------------------------------------------------------------------------------


def test_minute_key_same_minute() -> None:
    key = minute_key(parse_time("20261126120000"))
    assert minute_key(parse_time("20261126120059")) == key
    assert minute_key(parse_time("20261126120100")) != key
    assert minute_key(parse_time("20261126115959")) != key
    assert isinstance(key, int)


def test_minute_key_spring_gap_walls_are_one_instant() -> None:
    in_gap, after_gap = parse_time("20270328023000"), parse_time("20270328033000")
    assert in_gap == after_gap
    assert minute_key(in_gap) == minute_key(after_gap)


def test_minute_key_autumn_overlap_passes_differ() -> None:
    first = now_instant(datetime(2026, 10, 25, 2, 30, tzinfo=CEST))
    second = now_instant(datetime(2026, 10, 25, 2, 30, tzinfo=CET))
    assert minute_key(first) != minute_key(second)


def test_minute_key_follows_the_printed_minute_when_the_offset_has_seconds() -> None:
    # Before 1879 Stockholm kept local mean time, whose offset is not a whole number of minutes.
    start = parse_time("18500601100000")
    assert start.second != 0  # the printed minute does not start on a UTC minute
    assert minute_key(parse_time("18500601100059")) == minute_key(start)
    assert minute_key(parse_time("18500601100100")) != minute_key(start)


# From 1900 on, every Stockholm offset and change is on the hour (before, see the test above).
instants = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@given(instants, instants)
def test_minute_key_equal_exactly_when_the_printed_minute_is(a: datetime, b: datetime) -> None:
    def printed_minute(instant: datetime) -> tuple[str, str]:
        printed = iso(instant)
        return printed[:16], printed[19:]  # wall time to the minute, offset

    assert (minute_key(a) == minute_key(b)) == (printed_minute(a) == printed_minute(b))
    if a <= b:
        assert minute_key(a) <= minute_key(b)


@given(walls_near_changes, st.integers(0, 59))
def test_minute_key_same_minute_near_changes(wall: datetime, second: int) -> None:
    start = parse_time(wall.replace(second=0).strftime("%Y%m%d%H%M%S"))
    assert minute_key(start + timedelta(seconds=second)) == minute_key(start)


# --- parse_iso --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T12:00", datetime(2026, 11, 26, 12)),
        ("2026-11-26T12:00:00.400", datetime(2026, 11, 26, 12, 0, 0, 400_000)),
        ("2026-11-26T12:00:00+01:00", datetime(2026, 11, 26, 12, tzinfo=CET)),
        ("2026-11-26T11:00:00Z", datetime(2026, 11, 26, 11, tzinfo=UTC)),
        ("  2026-11-26T12:00\n", datetime(2026, 11, 26, 12)),
    ],
)
def test_parse_iso(text: str, expected: datetime) -> None:
    parsed = parse_iso(text)
    assert parsed == expected
    assert (parsed.utcoffset() is None) == (expected.utcoffset() is None)


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2026-11-31T12:00", "2026-11-26T25:00", "x" * 5000]
)
def test_parse_iso_invalid(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_iso(text)
    assert len(str(caught.value)) < 120


def test_parse_iso_then_now_instant() -> None:
    assert now_instant(parse_iso("2026-11-26T12:00:00.400")) == utc(2026, 11, 26, 11)
    assert iso(now_instant(parse_iso("2027-03-28T02:30"))) == "2027-03-28T03:30:00+02:00"
