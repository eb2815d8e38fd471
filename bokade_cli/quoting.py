"""Untrusted or local text in a message: in plain quotes, never repr(), cut where no number is left.

repr() writes a tab, a non-breaking or zero-width space as an escape (`\\t`, `\\xa0`,
`\\u200b`): a personnummer split by one then reaches the output boundary as digits and
letters, which no masking can tell from text. Written plainly, the boundary masks the number
first and then shows the character as its escape (SPEC §7). Every message that quotes what a
producer, a file, the environment or an argument said uses `quote` (or `quote_value` for a value
of any type, as TOML reads it).
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime, time

# Letters drawn as nothing (the masking drops them, so a number split by one is still the number).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Mn", "Me"})


def quote(text: str, limit: int = 60) -> str:
    """`text` in double quotes, as it is; a longer one cut to `limit` characters, never through
    a number (part of one would be too short to be masked), with its length."""
    if len(text) <= limit:
        return f'"{text}"'
    return f'"{_cut(text[:limit])}..." ({len(text):,} characters)'


def quote_value(value: object, limit: int = 60) -> str:
    """A value from a local file or the environment for a message: a string quoted, a list or a
    table written as TOML would, and nothing long (a 5,000-digit integer or a list nested
    hundreds deep must not become a 5,000-character error line)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    if isinstance(value, str):
        return quote(value, limit)
    try:
        text = _toml(value)
    except RecursionError:
        return f"a {type(value).__name__} nested too deep"
    if len(text) <= limit:
        return text
    return f"{_cut(text[:limit])}... ({len(text):,} characters)"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)  # int, float


def _cut(text: str) -> str:
    """`text` without a trailing run that could be part of a number: digits (any script) and
    whatever may stand between a number's parts (separators, spaces, invisible characters)."""
    end = len(text)
    while end and not _is_letter(text[end - 1]):
        end -= 1
    tail = unicodedata.normalize("NFKC", text[end:])
    return text[:end] if any(char.isnumeric() for char in tail) else text


def _is_letter(char: str) -> bool:
    return (
        char.isalpha() and char not in _BLANK_LETTERS and unicodedata.category(char) not in _HIDDEN
    )
