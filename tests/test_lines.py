"""The console's last guard (output/privacy.py, no_commands): whatever pieces a line is written and flushed
in, none that leaves a console starts with `::` after white space and terminal codes, or holds
`##[`. The pty tests (test_terminal_commands.py) show it through the CLI; this one feeds the
stream the pieces rich and a live progress bar write, including a partial line flushed before
its end (a lone colon, then the next)."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bokade_cli.output.console import make_console

PIECES = st.lists(
    st.sampled_from([":", "::", "error::x", " ", "\t", "\u00a0", "\n", "\r", "#", "##[", "[", "a"])
    | st.sampled_from(["\x1b[2m", "\x1b[0m", "\x1b[1A\x1b[2K", "\x1b]8;;x\x1b\\"]),
    max_size=12,
)
CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def _written(pieces: list[str], flushes: list[bool]) -> str:
    stream = io.StringIO()
    out = make_console(stream).file
    for piece, flush in zip(pieces, flushes, strict=False):
        out.write(piece)
        if flush:
            out.flush()
    for piece in pieces[len(flushes) :]:
        out.write(piece)
    out.flush()
    return stream.getvalue()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(PIECES, st.lists(st.booleans(), max_size=12))
def test_no_line_written_in_any_pieces_is_a_command(pieces: list[str], flushes: list[bool]) -> None:
    text = CODES.sub("", _written(pieces, flushes))
    assert "##[" not in text
    for line in re.split(r"\r\n|\r|\n", text):
        assert not line.lstrip().startswith("::"), (pieces, flushes, line)


def test_a_command_after_indentation_flushed_apart_is_escaped() -> None:
    assert _written(["   ", ":", ":warning::x\n"], [True, True]) == "   \\u003a:warning::x\n"
    assert _written(["\x1b[2m  ", "::error::x\n"], [True]) == "\x1b[2m  \\u003a:error::x\n"


def test_a_colon_inside_a_line_is_left_alone() -> None:
    text = "call1: ok, see C::D and std::map\n  x::y\n"
    assert _written([text], []) == text


def test_bokade_own_lines_are_unchanged() -> None:
    assert _written(["Calls\n", "  call1 5565594230: ok\n"], [True]) == (
        "Calls\n  call1 5565594230: ok\n"
    )
