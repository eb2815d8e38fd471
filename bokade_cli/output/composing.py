"""Texts a renderer composes from several values are masked as composed (SPEC §7).

The boundary masks each value of a document on its own. A renderer then joins values: a
facility's HSA-id and name in one cell, a source's address and status in one sentence. A
producer that splits the number across two fields ("19470323" and "9873") gets it written
whole by the join, though neither value held it. So each format's text primitives, the ones
every cell and sentence goes through (Markdown's `escape`, HTML's `esc`, a table's `Column`,
`hanging` and the console's `print`), mask what they are given with the render's masker,
which the boundary sets here for the time a view is rendered. Outside a render (a test
calling a renderer with a document of its own) nothing is masked here.

Values are masked before they are laid out, never the drawn lines: a table's columns sit side
by side there, and a masked text of another length would break the layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

    from bokade_cli.output.privacy import Masker

_TEXTS: ContextVar[Masker | None] = ContextVar("composed_texts", default=None)
_REPORT: ContextVar[Masker | None] = ContextVar("composed_report", default=None)


@contextmanager
def composing(masker: Masker, report: Masker | None = None) -> Iterator[None]:
    """Mask composed texts with `masker` while a view is rendered; `report` is the masker of
    a section that names no citizen (the by-facility report: always on, any number shape)."""
    texts, section = _TEXTS.set(masker), _REPORT.set(report or masker)
    try:
        yield
    finally:
        _TEXTS.reset(texts)
        _REPORT.reset(section)


@contextmanager
def report_section() -> Iterator[None]:
    """The texts of the by-facility report, masked as the report is (even with --unmask)."""
    token = _TEXTS.set(_REPORT.get())
    try:
        yield
    finally:
        _TEXTS.reset(token)


def composed(text: str) -> str:
    """A composed cell or sentence, masked as a whole."""
    masker = _TEXTS.get()
    return text if masker is None else masker.mask(text)


def composed_text(text: Text) -> Text:
    """A rich Text masked as a whole. Styles outside the masked part are kept; one that
    covered part of it is dropped (a hostile value loses its colour, never its mask)."""
    plain = text.plain
    masked = composed(plain)
    if masked == plain:
        return text
    from rich.text import Span, Text

    head = 0  # the unchanged start and end around what the masking replaced
    while head < min(len(plain), len(masked)) and plain[head] == masked[head]:
        head += 1
    tail = 0
    while tail < min(len(plain), len(masked)) - head and plain[-1 - tail] == masked[-1 - tail]:
        tail += 1
    shift = len(masked) - len(plain)
    spans = [s for s in text.spans if s.end <= head]
    spans += [
        Span(s.start + shift, s.end + shift, s.style)
        for s in text.spans
        if s.start >= len(plain) - tail
    ]
    return Text(
        masked,
        style=text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
        spans=spans,
    )
