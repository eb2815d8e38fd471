"""The consoles everything is printed through: stdout for data, stderr for messages.

On a terminal, output fits its width. Anywhere else (a pipe, a file, a CI log) lines are never
hard-wrapped and never coloured, so `grep` finds whole lines and nothing untrusted can start a
line of its own. "A terminal" is what the stream's own descriptor says (`isatty`), not what the
environment claims: CI runners set FORCE_COLOR or TTY_COMPATIBLE for tools that colour, and rich
would then wrap a pipe at 80 columns, putting a producer's `::warning::` at a line's start.
No line ends in spaces: rich pads table and grid cells, and the padding is stripped here. Every
line passes `privacy.no_commands` here too, on a terminal and off it: where a terminal's width
breaks a line, untrusted text may start the next one.
"""

from __future__ import annotations

import os
import re
import sys
from typing import IO, TYPE_CHECKING, Any, cast

from bokade_cli.output.privacy import ends_mid_line, no_commands

if TYPE_CHECKING:
    from rich.console import Console

# "No width": rich lays out to the content, never wider. Any finite screen width is one a long
# enough value exceeds (a producer's answer has no size limit), and rich folds it there.
UNWRAPPED = sys.maxsize
# Narrower than this is no width a table or a message can be laid out in: COLUMNS=0 made rich
# print nothing at all (errors included) and COLUMNS=3 put three characters of untrusted text
# on each line. Such a COLUMNS is ignored, and so is a terminal that reports such a size.
MIN_WIDTH = 20
DEFAULT_WIDTH = 80  # a terminal that says nothing of its size (`docker run -t` says 0), as rich
# NOTE: the lookbehind starts a match only where a run of spaces starts; without it a cell
# padded to a 5,000-character value costs quadratic backtracking (13 s for one table).
_TRAILING = re.compile(r"(?<![ \t])[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.M)


class _Stripped:
    """A text stream that drops the spaces rich pads lines with, before any closing style code."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._pending = ""
        self._mid_line = False  # a partial line with visible text went out (flush)

    def write(self, text: str) -> int:
        self._pending += text
        head, newline, self._pending = self._pending.rpartition("\n")
        if newline:
            self._put(_TRAILING.sub(r"\1", head) + "\n")
        return len(text)

    def flush(self) -> None:
        """Write the partial line too, but for its trailing spaces: kept until the line goes
        on (they were not its end) or ends (then they are dropped like any trailing space)."""
        if self._pending:
            head, spaces = self._pending, ""
            found = _TRAILING.search(head)
            if found:
                spaces = found.group()[: found.start(1) - found.start()]
                head = head[: found.start()] + found.group(1)
            if head:
                self._put(head)
            self._pending = spaces
        self._stream.flush()

    def _put(self, text: str) -> None:
        text = no_commands(text, mid_line=self._mid_line)
        self._stream.write(text)
        self._mid_line = ends_mid_line(text, self._mid_line)

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _console_class() -> type[Console]:
    from rich.console import Console

    class _Console(Console):
        """NOTE: rich answers a closed pipe by pointing stdout at /dev/null and exiting 1, even
        for a stderr console. A closed pipe is the reader's choice (`| head -1`), not a failure:
        raise it to the output boundary, which stops writing and keeps the run's own exit code."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

        def print(self, *objects: Any, **options: Any) -> None:
            """A Text printed as it is (a sentence joining values) is masked as one."""
            from rich.text import Text

            from bokade_cli.output.composing import composed_text

            texts = (composed_text(o) if isinstance(o, Text) else o for o in objects)
            super().print(*texts, **options)

    return _Console


def is_terminal(stream: IO[str]) -> bool:
    """Whether `stream` is a terminal, by its descriptor alone (no environment variable)."""
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (StringIO, a test runner)
        return False


def terminal_width(stream: IO[str]) -> int:
    """COLUMNS when it is a width (MIN_WIDTH or more), else the size the terminal itself reports
    (the stream's own: rich asks stdin first), else DEFAULT_WIDTH."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) >= MIN_WIDTH:
        return int(columns)
    try:
        size = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        size = 0
    return size if size >= MIN_WIDTH else DEFAULT_WIDTH


def make_console(stream: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console on `stream` (default stdout, or stderr): terminal width, else unwrapped."""
    Console = _console_class()
    target = stream or (sys.stderr if stderr else sys.stdout)
    if is_terminal(target):
        return Console(
            file=cast(IO[str], _Stripped(target)),
            width=terminal_width(target),
            highlight=False,
            force_terminal=True,
        )
    # force_terminal/force_interactive False: rich reads FORCE_COLOR, TTY_COMPATIBLE and
    # TTY_INTERACTIVE otherwise, and would draw a live progress bar with cursor codes.
    return Console(
        file=cast(IO[str], _Stripped(target)),
        highlight=False,
        width=UNWRAPPED,
        color_system=None,
        soft_wrap=True,
        force_terminal=False,
        force_interactive=False,
    )
