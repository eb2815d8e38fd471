"""The characters no text bokade writes may hold raw: one set for every writer and the capture reader.

They move the cursor, hide text, reorder it (bidi overrides, "Trojan Source"), or end a line
that a CI system then reads as a command. The output boundary shows them as escapes
(output/privacy.py), the XML writer of captures as character references (xmlwrite.serialise),
and replay refuses a capture holding one raw (support/replay.py). One set, so what the writer
stores the reader accepts. An input error names such characters by kind (kinds_of) instead of
echoing them.
"""

from __future__ import annotations

import re
import unicodedata

# (first, last) code points. C0 controls are listed apart: json.dumps escapes them itself.
C0 = ((0x00, 0x1F),)
INVISIBLE = (
    (0x7F, 0x9F),  # DEL and the C1 controls (U+009B is a one-byte CSI)
    (0x061C, 0x061C),  # Arabic letter mark
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200F),  # zero-width characters, LRM, RLM
    (0x2028, 0x202E),  # line and paragraph separators, bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated formats
    # Lone surrogates: writing one as UTF-8 raises, and no data may crash a run.
    (0xD800, 0xDFFF),
    (0xFEFF, 0xFEFF),  # byte order mark, zero-width no-break space
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0xE0000, 0xE007F),  # tag characters
)


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    """A regex character class body for the ranges."""
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


UNSAFE_CLASS = _class(C0 + INVISIBLE)
INVISIBLE_CLASS = _class(INVISIBLE)
_UNSAFE = re.compile(f"[{UNSAFE_CLASS}]")


def has_unsafe(text: str) -> bool:
    """Whether `text` holds such a character (the usual text is printable ASCII: no regex)."""
    return not (text.isascii() and text.isprintable()) and _UNSAFE.search(text) is not None


_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_KINDS = (
    "a line break",
    "a tab",
    "a space",
    "a control character",
    "bytes that are not UTF-8",
    "an invisible character",
)


def kinds_of(text: str) -> list[str]:
    """What kinds of white space and unprintable characters `text` holds, as words for an
    error message ("a line break", "a control character", ...), in a fixed order: an error
    says what is wrong without echoing such a character (or the rest of the input)."""
    found = set()
    for char in text:
        if char in _LINE_BREAKS:
            found.add("a line break")
        elif char == "\t":
            found.add("a tab")
        elif char.isspace():
            found.add("a space")
        elif unicodedata.category(char) == "Cc":
            found.add("a control character")
        elif unicodedata.category(char) == "Cs":  # how Python reads argv bytes it cannot decode
            found.add("bytes that are not UTF-8")
        elif not char.isprintable():
            found.add("an invisible character")
    return [kind for kind in _KINDS if kind in found]
