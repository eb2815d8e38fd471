"""Live batch progress on stderr: a bar on a terminal, one plain line per case otherwise.

So a CI log gets a readable record and never a cursor-moving bar or an ANSI code. Every line
was masked and neutralised by the output boundary before it arrives here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

Document = dict[str, Any]


class BatchProgress:
    """Per-case progress on `console` (stderr): a bar on a terminal, plain lines, or nothing."""

    def __init__(self, total: int, quiet: bool, console: Console) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.quiet = quiet
        self.err = console
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

    def case_done(self, case: Document) -> None:
        """`case` is the masked, neutralised case document."""
        from bokade_cli.output.batchview import progress_line

        self.done += 1
        self.failed += case["status"] in ("failed", "error")
        if self.quiet:
            return
        line = progress_line(case, self.done, self.total)
        if self._bar is None:
            self.err.print(line)
            return
        if case["status"] != "passed":  # on a terminal only what needs attention scrolls by
            self._bar.console.print(line)
        assert self._task is not None
        self._bar.update(self._task, advance=1, failed=self.failed)

    def event(self, line: str) -> None:
        """A verbose line (already masked and neutralised), above the bar when there is one."""
        console = self._bar.console if self._bar is not None else self.err
        console.print(Text(line, style="dim"))
