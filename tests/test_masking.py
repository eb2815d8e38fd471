"""The output boundary's masking, neutralising and JSON escaping (SPEC §7)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bokade_cli.output.privacy import Masker, dumps, escape_json, neutralise

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


def _normalised(text: str) -> str:
    """An independent view of what a reader sees: digits in ASCII, separators and Cf gone."""
    out = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif category not in ("Cf", "Pd") and not char.isspace() and char not in "+\u2212":
            out.append(char)
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
def test_property_text_without_the_number_is_unchanged(text: str) -> None:
    if not _leaks(text):
        assert Masker([PNR]).mask(text) == text
        assert Masker([SAMORDNING]).mask(text) == text


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


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(_JSON, st.sampled_from([None, 2]))
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
