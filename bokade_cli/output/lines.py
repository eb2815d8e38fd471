"""The last guard on every human line bokade writes: none is one a CI runner reads as a command.

Neutralising (privacy.py) keeps untrusted text on one line, but on a terminal the layout itself
breaks lines: a wrapped message, the second line of a two-line cell and a folded identifier all
start a line with whatever text comes next, after some indentation. GitHub's runner trims the
leading whitespace before it looks for `::` (and `docker run -t` in a workflow logs the
terminal), so a producer's `::error::...` there is a command. Each layout path could be fixed on
its own; this guard sees every line instead, so a path added later cannot miss it.

A line whose first visible characters are `::` gets its first colon written as the escape
neutralising uses (`\\u003a`), and `##[` (the older syntax, read anywhere in a line) its second
`#` (`\\u0023`), as privacy.neutralise does. Bokade's own text never starts a line with `::`.
"""

from __future__ import annotations

import re

# Terminal codes draw nothing (colours, the cursor moves of a live progress bar): a line whose
# visible text starts with `::` is one, whatever codes stand before or between the colons.
_CODE = r"(?:\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))"
# What may come before a line's first visible character: whitespace (the runner trims it; "\r"
# ends a line for it as "\n" does) and terminal codes.
_LEAD = rf"(?:[^\S\n]|{_CODE})*"
# A colon that, with the next one, starts a line. At the very end of the text (a partial line
# flushed before its end arrives) a lone colon counts: the next write may bring the second.
_COMMAND_START = re.compile(rf"(?:^|(?<=\r))({_LEAD}):(?={_CODE}*(?::|\Z))", re.M)
_LEGACY_COMMAND = re.compile(rf"(#{_CODE}*)#(?={_CODE}*\[)")
_BLANK = re.compile(_LEAD)


def no_commands(text: str, *, mid_line: bool = False) -> str:
    """`text` with no line a CI runner reads as a command. `mid_line`: the text continues a
    line that already holds visible characters, so its first line does not start a line."""
    if "\x1b" not in text and "::" not in text and "##[" not in text and text[-1:] != ":":
        return text  # the usual output: a few scans, no regex
    if mid_line:
        return no_commands("x" + text)[1:]  # a visible character in front: not a line start
    text = _COMMAND_START.sub(r"\1\\u003a", text)
    if "#" in text:
        text = _LEGACY_COMMAND.sub(r"\1\\u0023", text)
    return text


def ends_mid_line(text: str, mid_line: bool) -> bool:
    """Whether, after writing `text`, the line being written holds visible characters (so text
    written next does not start a line). `mid_line`: whether it did before."""
    tail = max(text.rfind("\n"), text.rfind("\r"))
    if tail < 0:
        return mid_line or _BLANK.fullmatch(text) is None
    return _BLANK.fullmatch(text, tail + 1) is None
