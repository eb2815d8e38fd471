"""A Masker that knows many numbers (a batch view knows every case's) masks exactly as one
pattern per number does, and its cost does not grow with the count (review 3, finding 2)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bokade_cli.output.privacy import Masker

NUMBERS = ("194703239873", "191212121212", "198505058514", "200001012380", "197506223457")
SEPARATORS = st.text(alphabet=" -_:./+\u2011\u00a0\u200b()|", max_size=3)
NOISE = st.text(alphabet="ab 0123456789-:", max_size=6)


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Noise and numbers, each written with separators drawn between (or inside) its parts."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(NOISE))
        number = draw(st.sampled_from(NUMBERS))
        cuts = (0, 4, 6, 8, 12) if draw(st.booleans()) else (2, 4, 6, 8, 12)
        if draw(st.booleans()):  # split inside a part too, as a renderer's join may
            cuts = tuple(sorted({*cuts, draw(st.integers(3, 11))}))
        pieces = [number[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
        parts.append("".join(p + draw(SEPARATORS) for p in pieces).rstrip())
    return "".join(parts) + draw(NOISE)


@settings(max_examples=300, deadline=None)
@given(texts(), st.booleans(), st.booleans(), st.booleans())
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_table_matcher_masks_as_the_pattern_does(
    text: str, generic: bool, dates: bool, loose: bool
) -> None:
    births = ("19850505",) if dates else ()
    table = Masker(NUMBERS, dates=births, generic=generic, loose=loose, many=0)
    pattern = Masker(NUMBERS, dates=births, generic=generic, loose=loose, many=100)
    assert table.mask(text) == pattern.mask(text)
    if loose:  # a loose Masker takes the number split anywhere
        assert "9873" not in table.mask(text).replace("19470323-****", "")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 11), st.sampled_from([" ", "\n", " -- ", "\u00a0"]))
def test_a_loose_masker_finds_the_number_split_anywhere(cut: int, join: str) -> None:
    text = f"Pat {NUMBERS[0][:cut]}{join}{NUMBERS[0][cut:]} x"
    assert Masker(NUMBERS[:1], loose=True).mask(text) == "Pat 19470323-**** x"
    assert Masker(NUMBERS, loose=True, many=0).mask(text) == "Pat 19470323-**** x"


def test_a_thousand_numbers_cost_about_what_one_does() -> None:
    numbers = [f"19{n:06d}{n % 10000:04d}" for n in range(1000)]
    texts = ["Vårdcentralen Norrmalm", "SE2321000016-A001", "2026-11-26T12:00:00+01:00"] * 300
    elapsed = []
    for masker in (Masker(numbers[:1]), Masker(numbers)):
        started = time.perf_counter()
        for text in texts:
            masker.mask(text)
        elapsed.append(time.perf_counter() - started)
    assert elapsed[1] < 20 * elapsed[0] + 0.05, elapsed  # one pattern per number: 1,000 ×
