"""How a capture masks: values kept apart, times kept times (output/distinct.py), texts stored
losslessly (output/captured.py) and a redirect cut to its host (support/capture.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bokade_cli import clock
from bokade_cli.engine.failures import host
from bokade_cli.hsa import hsa_key
from bokade_cli.output.captured import read_stored, stored
from bokade_cli.output.distinct import CaptureRewrite
from bokade_cli.output.privacy import Masker
from bokade_cli.support.capture import redirect_location
from tests.helpers import NOW, PNR, leaks


def _now(text: str = NOW) -> datetime:
    return clock.now_instant(clock.parse_iso(text))


def _rewrite(values: list[str], number: str = PNR, now: str = NOW) -> CaptureRewrite:
    return CaptureRewrite(Masker([number]), _now(now), lambda: values)


def _minute(time: str) -> int:
    return clock.minute_key(clock.parse_time(time))


def test_values_that_mask_alike_are_written_apart_and_equal_ones_alike() -> None:
    values = ["191212121212", "121212-1212", "19121212-****", "SE191212121212", "se191212121212"]
    values += [" SE191212121212 ", "SE121212-1212", "B1"]
    rewrite = _rewrite(values)
    written = [rewrite.value(v) for v in values]
    for value, text in zip(values, written, strict=True):
        assert not leaks(text), text
        for other, other_text in zip(values, written, strict=True):
            assert (value == other) == (text == other_text)
            assert (hsa_key(value) == hsa_key(other)) == (hsa_key(text) == hsa_key(other_text))
    assert written[:3] == ["19121212-****", "19121212-****~a", "19121212-****~b"]
    assert written[-1] == "B1"  # nothing to mask, nothing it meets: as it is
    assert [rewrite.value(v) for v in values] == written  # stable within the capture


def test_names_and_namespaces_stay_apart_and_names_stay_names() -> None:
    rewrite = _rewrite([])
    names = ["a191212121212", "a121212-1212", "a19121212-XXXX", "191212121212x", "x"]
    written = [rewrite.local(n) for n in names]
    assert written == ["a19121212-XXXX", "a19121212-XXXX_a", "a19121212-XXXX_b", "_19121212-XXXXx", "x"]  # fmt: skip
    uris = [rewrite.namespace(u) for u in ("urn:191212121212", "urn:121212-1212", "urn:x")]
    assert uris == ["urn:19121212-****", "urn:19121212-****~a", "urn:x"]


def test_a_time_holding_the_number_in_its_seconds_keeps_its_minute() -> None:
    held = "20271212121212"  # ten digits 1212121212 in MMDDhhmmss
    others = ["20271212121213", "20271212121230"]
    written = _rewrite([held, *others]).value(held)
    assert written[:12] == held[:12] and written not in others and not leaks(written)
    clock.parse_time(written)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_times_of_a_minute_holding_the_number_move_together_to_a_free_minute() -> None:
    held = ["19121212121200", "19121212121230"]  # twelve digits in YYYYMMDDhhmm
    near = ["19121212121300", "19121212121100", "19121212121000"]
    rewrite = _rewrite([*held, *near])
    written = [rewrite.value(t) for t in held]
    assert written[0][:12] == written[1][:12]  # still one minute ...
    assert [w[12:] for w in written] == ["00", "30"]  # ... its seconds as they were ...
    assert _minute(written[0]) not in {_minute(t) for t in near}  # ... and no other time's
    assert not any(leaks(w) for w in written)


def test_a_moved_time_keeps_its_side_of_now() -> None:
    # A number whose twelve digits are a minute just before now: 2026-11-26 11:59.
    number, now = "202611261159", "2026-11-26T11:59:40+01:00"
    before, after = "20261126115930", "20261126115950"
    rewrite = _rewrite([before, after], number=number, now=now)
    moved_before, moved_after = rewrite.value(before), rewrite.value(after)
    assert clock.parse_time(moved_before) < _now(now) <= clock.parse_time(moved_after)
    both = f"{moved_before} {moved_after}"
    assert Masker([number]).mask(both) == both


def test_a_moved_time_keeps_its_side_of_three_years_after_now() -> None:
    number = "202911261200"  # 2029-11-26 12:00, three years after NOW to the minute
    inside, beyond = "20291126120000", "20291126120001"
    rewrite = _rewrite([inside, beyond], number=number)
    limit = clock.three_years_after(_now())
    assert (
        clock.parse_time(rewrite.value(inside)) <= limit < clock.parse_time(rewrite.value(beyond))
    )


def test_a_time_that_holds_the_number_but_is_no_time_stays_no_time() -> None:
    written = _rewrite(["19121212121299"]).value("19121212121299")  # second 99
    assert written == "19121212-****99"


@given(st.text())
def test_property_a_stored_text_reads_back_as_itself(text: str) -> None:
    from bokade_cli.controls import has_unsafe

    written = stored(text)
    assert not has_unsafe(written) and read_stored(written) == text


_URLISH = st.text(alphabet=st.sampled_from("ab1:/@[]?#%.\u200b\xff\t é-"), max_size=30)


@given(st.one_of(_URLISH, st.builds("http://{}".format, _URLISH), st.text(max_size=30)))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_property_a_redirect_keeps_the_host_its_message_quotes(location: str) -> None:
    kept = redirect_location(location)
    assert kept is not None and host(kept) == host(location)
