"""Tables that fit the terminal: identifiers are never broken, only names are shortened.

A table is given as columns of cells, each cell one or more lines, and each line says how much
of it must be kept whole (an HSA-id, a booking id, a date, a reason code) and what may be cut
with an ellipsis (a facility name). `fit` picks column widths for the console's width, first
with two spaces between columns and the full headers, then tighter; when even that cannot
hold the identifiers, it says so and the caller chooses another arrangement. Off a terminal
the console is unwrapped, so every table keeps its one-line layout there (grep finds rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

MIN_NAME = 8  # a shortened name keeps at least this many cells ("Vårdcen…"), or the layout changes


@dataclass(frozen=True)
class Line:
    """One line of a cell; its first `keep` cells (default: all) are never cut or broken."""

    text: str
    style: str = ""
    keep: int | None = None

    @property
    def width(self) -> int:
        return cell_len(self.text)

    @property
    def need(self) -> int:
        """The fewest cells this line can be shown in."""
        kept = self.width if self.keep is None else min(self.keep, self.width)
        rest = self.width - kept
        return kept + (min(rest, MIN_NAME) if rest else 0)


Cell = tuple[Line, ...]


def cell(*lines: str | Line) -> Cell:
    return tuple(x if isinstance(x, Line) else Line(x) for x in lines)


def name(text: str, style: str = "") -> Line:
    """A line that may be shortened with an ellipsis (a facility or case name)."""
    return Line(text, style, keep=0)


@dataclass
class Column:
    header: str
    short: str | None = None  # the header when space is tight
    justify: str = "left"
    cells: list[Cell] = field(default_factory=list)

    @cached_property
    def need(self) -> int:
        """The fewest cells the column's lines can be shown in (headers aside)."""
        return max((line.need for c in self.cells for line in c), default=0)

    @cached_property
    def want(self) -> int:
        """The cells the column's longest line takes (headers aside)."""
        return max((line.width for c in self.cells for line in c), default=0)


@dataclass(frozen=True)
class Fit:
    widths: tuple[int, ...]
    headers: tuple[str, ...]
    gap: int


def fit(columns: Sequence[Column], width: int, gap: int = 2, short: bool = False) -> Fit | None:
    """Column widths within `width`, or None when the identifiers cannot all be kept whole."""
    headers = tuple((c.short or c.header) if short else c.header for c in columns)
    found = _widths(columns, headers, width - gap * (len(columns) - 1))
    return None if found is None else Fit(found, headers, gap)


def _widths(columns: Sequence[Column], headers: Sequence[str], room: int) -> tuple[int, ...] | None:
    need = [max(cell_len(h), col.need) for col, h in zip(columns, headers, strict=True)]
    want = [max(n, col.want) for col, n in zip(columns, need, strict=True)]
    if sum(want) <= room:
        return tuple(want)
    if sum(need) > room:
        return None
    widths, spare = list(need), room - sum(need)
    while spare:  # hand out what is left one cell at a time, so every name gets its share
        short = [i for i, (w, x) in enumerate(zip(widths, want, strict=True)) if w < x]
        for i in short[:spare]:
            widths[i] += 1
        spare -= min(spare, len(short))
    return tuple(widths)


def render(columns: Sequence[Column], fitted: Fit, title: str | None = None) -> Table:
    """A rich table of exactly the fitted widths; long names end in an ellipsis, nothing wraps."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, fitted.gap - 1, 0, 0),
        header_style="bold",
        title=title,
        title_justify="left",
    )
    for col, header, width in zip(columns, fitted.headers, fitted.widths, strict=True):
        table.add_column(
            header,
            width=width,
            no_wrap=True,
            overflow="ellipsis",
            justify=col.justify,  # type: ignore[arg-type]
        )
    rows = max((len(c.cells) for c in columns), default=0)
    for r in range(rows):
        table.add_row(
            *(_text(col.cells[r], w) for col, w in zip(columns, fitted.widths, strict=True))
        )
    return table


def _text(lines: Cell, width: int | None) -> Text:
    text = Text()
    for n, line in enumerate(lines):
        part = Text(line.text, style=line.style)
        if width is not None:
            part.truncate(width, overflow="ellipsis")
        text.append_text(Text("\n") + part if n else part)
    return text


def folded(columns: Sequence[Column], title: str | None = None) -> Table:
    """The last resort when identifiers are wider than the terminal: they fold, names are cut,
    and nothing is wider than the terminal."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
        title=title,
        title_justify="left",
    )
    for col in columns:
        table.add_column(col.short or col.header, overflow="fold", justify=col.justify)  # type: ignore[arg-type]
    rows = max((len(c.cells) for c in columns), default=0)
    for r in range(rows):
        table.add_row(*(_group(col.cells[r]) for col in columns))
    return table


def _group(lines: Cell) -> Group:
    return Group(
        *(
            Text(
                x.text, x.style, no_wrap=x.keep == 0, overflow="ellipsis" if x.keep == 0 else "fold"
            )
            for x in lines
        )
    )


def first_fit(width: int, layouts: Sequence[Sequence[Column]]) -> tuple[int, Fit] | None:
    """The first arrangement that fits `width`, in order of preference: two spaces between
    columns before one, the layouts in the order given (one line per record before two),
    full headers before short ones. None when none fits."""
    for gap in (2, 1):
        for index, columns in enumerate(layouts):
            for short in (False, True):
                fitted = fit(columns, width, gap, short)
                if fitted is not None:
                    return index, fitted
    return None


def print_fitted(
    console: Console, layouts: Sequence[Sequence[Column]], title: str | None = None
) -> int:
    """Print the first arrangement that fits the console (`first_fit`), or the last one
    folded when none does. Returns the index of the layout printed."""
    found = first_fit(console.width, layouts)
    if found is None:
        console.print(folded(layouts[-1], title))
        return len(layouts) - 1
    index, fitted = found
    console.print(render(layouts[index], fitted, title))
    return index


def hanging(console: Console, head: Text, body: Text, indent: int = 0) -> None:
    """`head` then `body`, lines after the first indented under the body (word-wrapped)."""
    grid = Table.grid(padding=(0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(" " * indent) + head, body)
    console.print(grid)
