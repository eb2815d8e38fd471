"""Where smoke and batch output goes: stdout or an --output file, and live progress on stderr.

Progress is a rich bar only when stderr is a terminal; otherwise one plain line per case, so a
CI log gets a readable record and never a cursor-moving bar or an ANSI code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from bokade_cli.errors import InputError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from bokade_cli.ops.batch import CaseResult

FILE_WIDTH = 140  # a table written to a file is read in an editor, not a terminal


def scrub_tree(value: Any, scrub: Callable[[str], str]) -> Any:
    """Apply `scrub` to every string in a JSON-like tree (dicts, lists, strings)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_tree(v, scrub) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_tree(v, scrub) for v in value]
    return value


class Output:
    """The data stream: stdout, or the file --output names (written as UTF-8, no ANSI codes)."""

    def __init__(self, stream: IO[str], path: Path | None) -> None:
        self.stream = stream
        self.path = path

    def write_line(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()  # JSON Lines stream: a reader (or Ctrl-C) sees every finished case

    def file_console(self) -> Console:
        """A console for a table written to the --output file."""
        return Console(file=self.stream, width=FILE_WIDTH, color_system=None, highlight=False)


@contextmanager
def open_output(path: Path | None) -> Iterator[Output]:
    if path is None:
        yield Output(sys.stdout, None)
        return
    try:
        stream = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the output file {path} ({exc.strerror})",
            "Check that its folder exists and is writable.",
        ) from None
    with stream:
        yield Output(stream, path)


class BatchProgress:
    """Per-case progress on stderr: a bar on a terminal, plain lines otherwise, or nothing."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.quiet = quiet
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BatchProgress:
        if not self.quiet and self.err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                console=self.err,
                transient=True,  # the summary replaces it; the terminal keeps no stale bar
            )
            self._bar.start()
            self._task = self._bar.add_task("batch", total=self.total, failed=0)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def case_done(self, result: CaseResult) -> None:
        from bokade_cli.ops.batchreport import progress_line

        self.done += 1
        self.failed += result.status in ("failed", "error")
        if self.quiet:
            return
        line = progress_line(result, self.done, self.total)
        if self._bar is None:
            self.err.print(line)
            return
        if result.status != "passed":  # on a terminal only what needs attention scrolls by
            self._bar.console.print(line)
        assert self._task is not None
        self._bar.update(self._task, advance=1, failed=self.failed)

    def event(self, message: str) -> None:
        """A verbose event line, printed above the bar when there is one."""
        console = self._bar.console if self._bar is not None else self.err
        console.print(Text(message, style="dim"))
