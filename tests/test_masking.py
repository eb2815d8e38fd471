"""The output boundary's masking, neutralising and JSON escaping (SPEC §7)."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bokade_cli.output.privacy import Masker, dumps, escape_json, excerpt, neutralise

PNR = "191212121212"  # Skatteverket's test number "Tolvan"
SAMORDNING = "191212721213"  # day 12 + 60; masking does not check the Luhn digit
# The digits that must never survive: 10 and 12 digits, both date variants of each number.
SECRETS = ("1212121212", "1212721212", "1212721213", "1212121213")

SEPARATORS = [
    "-", "+", " ", "\u00a0", "\u202f", "\u2007", "\u2013", "\u2014", "\u2010", "\u2011",
    "\u2012", "\u2015", "\u2212", "\ufe63", "\uff0d", "\u00ad", " - ", "\u00a0\u2013\u00a0",
]  # fmt: skip
# Zero (code point of "0") of some Unicode digit scripts; superscripts are reached by NFKC only.
SCRIPTS = [0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xE50, 0x1810, 0xFF10, 0x1D7CE, 0x1D7D8]
SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u202e", "\u2066"]
# Drawn as nothing too, though not format characters: variation selectors, the combining
# grapheme joiner and other marks, fillers, the braille blank, tags, controls (NUL is what
# UTF-16 read as UTF-8 puts between digits), a lone surrogate (an undecodable byte).
HIDDEN = [
    "\ufe0f", "\ufe00", "\U000e0100", "\u034f", "\u0301", "\u20dd", "\u3164", "\u115f",
    "\u1160", "\uffa0", "\u2800", "\U000e0041", "\x00", "\x01", "\x1b", "\x7f", "\udcff",
]  # fmt: skip
_BLANKS = "\u115f\u1160\u3164\uffa0\u2800"


def _normalised(text: str) -> str:
    """An independent view of what a reader sees: digits in ASCII, letters, the mask's stars;
    anything drawn as nothing, and every separator (what is no letter or digit), gone."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cf", "Mn", "Me", "Cc", "Cs") or char in _BLANKS or ord(char) >= 0xE0000:
            continue
        for part in unicodedata.normalize("NFKC", char):
            if unicodedata.category(part) == "Nd":
                out.append(str(unicodedata.decimal(part)))
            elif part.isalnum() or part == "*":
                out.append(part)
    return "".join(out)


def _leaks(text: str) -> bool:
    normal = _normalised(text)
    return any(secret in normal for secret in SECRETS)


def _script(digits: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in digits)


def _forms(number: str) -> list[str]:
    """Written forms of `number` and its day ± 60 variant (ASCII digits)."""
    day = int(number[6:8])
    variants = [number, f"{number[:6]}{(day - 60 if day > 60 else day + 60):02d}{number[8:]}"]
    forms = []
    for digits in variants:
        for date in (digits[:8], digits[2:8]):
            serial = digits[8:]
            for sep in SEPARATORS:
                forms += [f"{date}{sep}{serial}", f"{date}{serial}"]
            forms.append(f"{date[:-4]}-{date[-4:-2]}-{date[-2:]}-{serial}")
            forms.append(f"{date[:-4]} {date[-4:-2]} {date[-2:]} - {serial}")
    return forms


@pytest.mark.parametrize("number", [PNR, SAMORDNING])
@pytest.mark.parametrize("zero", SCRIPTS)
def test_every_form_is_masked_inside_text(number: str, zero: int) -> None:
    masker = Masker([number])
    for form in _forms(number):
        written = "".join(_script(c, zero) if c.isdigit() else c for c in form)
        text = f"Bokning för {written} på Vårdcentralen Åby, tel 08-123 45 67, rum 4{written}9"
        assert _leaks(text)  # the test itself sees the number
        masked = masker.mask(text)
        assert not _leaks(masked), (form, masked)
        assert masked.startswith("Bokning för ") and "Vårdcentralen Åby, tel 08-123 45 67" in masked


def test_superscript_and_zero_width_split_forms_are_masked() -> None:
    masker = Masker([PNR])
    for text in (
        "x" + "".join(SUPERSCRIPT[int(d)] for d in PNR),
        "1\u200b9121212\u2060-\u200d1212",
    ):
        assert not _leaks(masker.mask(text))


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_a_number_with_hidden_characters_between_its_digits_is_masked(hidden: str) -> None:
    for digits in (PNR, PNR[2:], "191212721212"):
        everywhere = hidden.join(digits)
        between_parts = f"{digits[:-4]}{hidden}-{hidden}{digits[-4:]}"
        for written in (everywhere, between_parts, f"{hidden}{digits}{hidden}"):
            text = f"Patient {written} saknas"
            assert _leaks(text)
            for masker in (Masker([PNR]), Masker([PNR], generic=True), Masker(generic=True)):
                masked = masker.mask(text)
                assert not _leaks(masked), (masker, masked)
                assert masked.startswith("Patient ") and masked.endswith(" saknas")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nr 1912.12.12-1212.", "nr 19121212-****."),
        ("nr 121212/1212", "nr 19121212-****"),
        ("nr 19121212 -- -1212", "nr 19121212-****"),
        ("nr 19121212 - - - - - 1212", "nr 19121212-****"),
        ("nr (121212) 1212", "nr (19121212-****"),
        ("nr 1912_12_12:1212", "nr 19121212-****"),
        ("nr 19121212\ufffd1212", "nr 19121212-****"),  # NBSP in windows-1252, read as UTF-8
        ("nr 19121212 \ufffd\ufffd 1212", "nr 19121212-****"),
        ("nr 19121212, tel 1212", "nr 19121212, tel 1212"),  # a word between: not the number
        ("2026-12-01T10:00:00+01:00 SE2321000016-A001 1212", None),
    ],
)
def test_the_citizens_own_number_is_masked_whatever_separates_its_parts(
    text: str, expected: str | None
) -> None:
    assert Masker([PNR]).mask(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patient 19121212-1212 bokad.", "Patient 19121212-**** bokad."),
        ("id=1212121212;x", "id=19121212-****;x"),
        ("nr 121272+1212 (samordning)", "nr 19121272-**** (samordning)"),
        ("Nr: ١٩١٢١٢١٢\u2013١٢١٢, klar", "Nr: 19121212-****, klar"),
        ("Ändrad \u202e1912\u200b1212 1212\u202c åäö", "Ändrad \u202e19121212-****\u202c åäö"),
        ("４１９１２１２１２１２１２７", "４19121212-****７"),
        ("12 12 12 - 1212 och 1912-12-12-1212", "19121212-**** och 19121212-****"),
        ("tel 08-123 45 67, 1212", "tel 08-123 45 67, 1212"),
        ("121212121\u3251212121212.", "19121212-****19121212-****."),  # "㉑" is "21"
    ],
)
def test_the_rest_of_the_text_is_kept(text: str, expected: str) -> None:
    assert Masker([PNR]).mask(text) == expected


def test_a_samordningsnummer_also_masks_the_personnummer_date() -> None:
    masker = Masker([SAMORDNING])
    assert masker.mask("a 19121272-1213 b 121212-1213") == "a 19121272-**** b 19121212-****"


def test_several_numbers_and_invalid_input() -> None:
    masker = Masker([PNR, "200001019999"])
    assert masker.mask("1212121212/0001019999") == "19121212-****/20000101-****"
    with pytest.raises(ValueError, match="12 ASCII digits") as raised:
        Masker(["19121212-1212"])
    assert "1212" not in str(raised.value)
    assert "1212" not in repr(masker)


@st.composite
def _written(draw: st.DrawFn) -> str:
    digits = draw(st.sampled_from([PNR, "191212721212"]))
    if draw(st.booleans()):
        digits = digits[2:]
    cut = len(digits) - 4
    groups = [digits[:cut], digits[cut:]]
    if draw(st.booleans()):  # separators between the parts of the date as well
        groups = [digits[: cut - 4], digits[cut - 4 : cut - 2], digits[cut - 2 : cut], groups[1]]
    seps = st.sampled_from(["", *SEPARATORS, "\u2014\u2014\u2014"])
    text = groups[0]
    for group in groups[1:]:
        text += draw(seps) + group
    chars = []
    for char in text:
        if char.isdigit():
            char = chr(draw(st.sampled_from(SCRIPTS)) + int(char))
        chars.append(char + draw(st.sampled_from(["", "", "", *INVISIBLE])))
    return "".join(chars)


@settings(max_examples=500)
@given(before=st.text(), form=_written(), after=st.text())
@pytest.mark.slow
def test_property_no_written_form_survives(before: str, form: str, after: str) -> None:
    masked = Masker([PNR]).mask(before + form + after)
    assert not _leaks(masked)


@settings(max_examples=500)
@given(st.text() | st.text(alphabet="1279 -+\u2013\u200b٢١٩７x"))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_property_text_without_the_number_is_unchanged(text: str) -> None:
    if not _leaks(text):
        assert Masker([PNR]).mask(text) == text
        assert Masker([SAMORDNING]).mask(text) == text


@st.composite
def _hidden_anywhere(draw: st.DrawFn) -> str:
    """A form of the number with hidden characters (any number of them) between any digits."""
    text = draw(_written())
    out = []
    for char in text:
        out.append(char)
        if char.isdigit():
            out.append("".join(draw(st.lists(st.sampled_from(HIDDEN + INVISIBLE), max_size=2))))
    return "".join(out)


@settings(max_examples=500)
@given(
    before=st.text(alphabet=st.characters(exclude_categories=["Nd", "No"])),
    form=_hidden_anywhere(),
    generic=st.booleans(),
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_property_hidden_characters_anywhere_do_not_unmask(
    before: str, form: str, generic: bool
) -> None:
    masked = Masker([PNR], generic=generic).mask(before + form + " x")
    assert not _leaks(masked), masked


@given(st.text(alphabet=st.characters(exclude_categories=["Nd", "No"])))
def test_property_text_without_digits_is_unchanged(text: str) -> None:
    assert Masker([PNR], generic=True).mask(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tolvan 19121212-1212", "Tolvan 19121212-****"),
        ("121212-1212", "121212-****"),
        ("fall 191212721212.toml", "fall 19121272-****.toml"),
        ("x ١٢١٢١٢ ١٢١٢ y", "x 121212-**** y"),
        ("SE2321000016-F002", "SE2321000016-F002"),
        ("5565594230", "5565594230"),
        ("org 556012-1234", "org 556012-1234"),  # a plausible day, but month 60
        ("81347", "81347"),
        ("1234567890123456", "1234567890123456"),
        ("ref 20191212121212", "ref 20191212121212"),
        # Dots and slashes too, at most three separators; dates, times and ids are no numbers.
        ("1947.03.23-9873", "19470323-****"),
        ("470323/9873", "470323-****"),
        ("19470323 - 9873", "19470323-****"),
        ("2026-12-01", "2026-12-01"),
        ("2026-12-01T10:00:00+01:00", "2026-12-01T10:00:00+01:00"),
        ("2026-12-01 10:00", "2026-12-01 10:00"),
        ("1.12.12 and 12/12/2026", "1.12.12 and 12/12/2026"),
        ("SE2321000016-A001, SE162321000016-1234", "SE2321000016-A001, SE162321000016-1234"),
    ],
)
def test_generic_masking(text: str, expected: str) -> None:
    assert Masker(generic=True).mask(text) == expected


def test_disabled_is_the_identity() -> None:
    value = {"191212121212": ["19121212-1212", ("121212-1212",)]}
    masker = Masker([PNR], generic=True, enabled=False)
    assert not masker.enabled
    assert masker.mask("19121212-1212") == "19121212-1212"
    assert masker.tree(value) is value


def test_tree_masks_keys_values_and_nested_lists() -> None:
    value = {
        "191212121212": ["a 19121212-1212", 5, None, True, 1.5, ("121212-1212",)],
        "k": {"n": [["1212121212"]], 7: "x"},
    }
    assert Masker([PNR]).tree(value) == {
        "19121212-****": ["a 19121212-****", 5, None, True, 1.5, ["19121212-****"]],
        "k": {"n": [["19121212-****"]], 7: "x"},
    }


NEUTRALISED = {
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\x00": "\\u0000",
    "\x1b": "\\u001b",
    "\x7f": "\\u007f",
    "\x85": "\\u0085",
    "\x9b": "\\u009b",
    "\u061c": "\\u061c",
    "\u180e": "\\u180e",
    "\u200b": "\\u200b",
    "\u200f": "\\u200f",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "\u202a": "\\u202a",
    "\u202e": "\\u202e",
    "\u2060": "\\u2060",
    "\u2066": "\\u2066",
    "\u2069": "\\u2069",
    "\ufeff": "\\ufeff",
    "\ufff9": "\\ufff9",
    "\ufffb": "\\ufffb",
    "\U000e0001": "\\U000e0001",
    "\U000e007f": "\\U000e007f",
}


def _forbidden(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")
        or code in (0x061C, 0x180E, 0xFEFF)
        or 0x200B <= code <= 0x200F
        or 0x202A <= code <= 0x202E
        or 0x2060 <= code <= 0x206F
        or 0xFFF9 <= code <= 0xFFFB
        or 0xE0000 <= code <= 0xE007F
    )


@pytest.mark.parametrize(("char", "escaped"), NEUTRALISED.items())
def test_neutralise_escapes(char: str, escaped: str) -> None:
    assert neutralise(f"a{char}b") == f"a{escaped}b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fel ##[error]boom", "fel #\\u0023[error]boom"),
        ("###[x", "##\\u0023[x"),
        ("##\u200b[x", "##\\u200b[x"),  # an escape already breaks it
        ("# [x] ## x #[", "# [x] ## x #["),
    ],
)
def test_neutralise_escapes_the_legacy_workflow_command(text: str, expected: str) -> None:
    """GitHub Actions reads "##[command]" anywhere in a line, not only at its start."""
    assert neutralise(text) == expected


def test_json_writes_the_legacy_workflow_command_escaped_yet_the_same_value() -> None:
    out = dumps({"m": "x ##[error]y"})
    assert "##[" not in out and json.loads(out) == {"m": "x ##[error]y"}


def test_neutralise_folds_a_workflow_command_into_one_line() -> None:
    out = neutralise("\n::error file=x::boom\r\n::set-output")
    assert out.splitlines() == [out]
    assert not out.startswith("::") and "\n" not in out


@pytest.mark.parametrize("text", ["Vårdcentralen Norrmalm, Åsa Öberg", " ~!@#$%^&*()_+{}|:<>?"])
def test_neutralise_keeps_printable_text(text: str) -> None:
    assert neutralise(text) == text


@given(st.text() | st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"])))
def test_property_neutralised_text_is_one_visible_line(text: str) -> None:
    out = neutralise(text)
    assert not any(_forbidden(char) for char in out)
    assert len(out.splitlines()) <= 1
    assert "##[" not in out


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(_JSON, st.sampled_from([None, 2]))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_property_dumps_round_trips_without_raw_unsafe_characters(
    value: object, indent: int | None
) -> None:
    out = dumps(value, indent=indent)
    assert json.loads(out) == value
    assert not any(_forbidden(char) and char not in "\n" for char in out)
    if indent is None:
        assert len(out.splitlines()) == 1


def test_dumps_escapes_line_separators_and_astral_tags() -> None:
    out = dumps({"a": "x\u2028y\u202e\U000e0041\ud800", "b": "åäö\n"})
    assert out == '{"a": "x\\u2028y\\u202e\\udb40\\udc41\\ud800", "b": "åäö\\n"}'
    assert json.loads(out) == {"a": "x\u2028y\u202e\U000e0041\ud800", "b": "åäö\n"}
    assert escape_json(json.dumps(["\x85"], ensure_ascii=False)) == '["\\u0085"]'
    assert dumps([1, {"k": "\u2029"}], indent=2).splitlines()[-3] == '    "k": "\\u2029"'


# --- excerpts: masked before they are cut, never a number in part -----------------------------


@pytest.mark.parametrize(
    ("text", "limit", "cut", "expected"),
    [
        ("<x>patient 19121212-1212 ok</x>", 120, False, "<x>patient 19121212-**** ok</x>"),
        # The number across the limit: masked whole first, so only its masked start shows.
        ("<x>patient 19121212-1212 ok", 17, False, "<x>patient"),
        ("<x>patient 19121212-1212 ok", 22, False, "<x>patient 19121212-**"),
        # The text stops before the answer does: a number cut there is dropped, not shown in part.
        ("<x>patient 1912121212", 120, True, "<x>patient"),
        ("<x>patient 19121212.12", 120, True, "<x>patient"),
        ("<x>patient 1912\u200b1212-12", 120, True, "<x>patient"),
        ("<x>id 19121212-1212 ok 77", 120, True, "<x>id 19121212-**** ok"),
        ("<x>patient 19121212-1212", 120, True, "<x>patient 19121212-****"),  # masked: kept
        ("<x>ok.", 120, True, "<x>ok."),  # no digit: nothing to drop
        # Bytes a decoder could not read, and NULs of UTF-16 read as UTF-8, hide nothing.
        ("19121212\ufffd1212 x", 120, False, "19121212-**** x"),
        (
            "1\x009\x001\x002\x001\x002\x001\x002\x001\x002\x001\x002\x00 x",
            120,
            False,
            "19121212-****\\u0000 x",
        ),
        ("a\u202eb\n::x", 120, False, "a\\u202eb\\n::x"),  # then neutralised
    ],
)
def test_excerpt(text: str, limit: int, cut: bool, expected: str) -> None:
    assert excerpt(text, Masker([PNR]), limit, cut=cut) == expected


@settings(max_examples=300)
@given(
    before=st.text(alphabet="ab <>-/.", max_size=40),
    form=_hidden_anywhere(),
    limit=st.integers(min_value=1, max_value=80),
    cut=st.booleans(),
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_property_an_excerpt_never_shows_part_of_the_number(
    before: str, form: str, limit: int, cut: bool
) -> None:
    """Wherever the cut falls, no digit of the serial shows beside the date: only the masked
    form (or the start of it) holds the date."""
    text = before + form
    for end in range(len(text) + 1) if cut else [len(text)]:
        shown = excerpt(text[:end], Masker([PNR]), limit, cut=cut or end < len(text))
        rest = _normalised(re.sub(r"(19)?1212[17]2-\**", "", shown.replace("\\", " ")))
        assert not any(digits[:7] in rest for digits in SECRETS), shown


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="0123456789-* ./", max_size=40))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_masking_leaves_masked_text_as_it_is(text: str) -> None:
    """What a masker wrote, no masker changes again: a replay masks a capture's text, already
    masked, with a birth date and any serial (audit B1: "19121212-**** 1912..." lost digits)."""
    for masker in (Masker(["191212121212"]), Masker(dates=["19121212"])):
        once = masker.mask(f"{text} 19121212-1212 {text}")
        assert masker.mask(once) == once
