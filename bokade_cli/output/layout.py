"""Tables that fit the terminal: identifiers are never broken, only names are shortened.

A table is given as columns of cells, each cell one or more lines, and each line says how much
of it must be kept whole (an HSA-id, a booking id, a date, a reason code) and what may be cut
with an ellipsis (a facility name). `fit` picks column widths for the console's width, first
with two spaces between columns and the full headers, then tighter; when even that cannot
hold the identifiers, it says so and the caller chooses another arrangement. Off a terminal
the console is unwrapped, so every table keeps its one-line layout there (grep finds rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table
from rich.text import Span, Text

from bokade_cli.output.composing import composed, composed_text

MIN_NAME = 8  # a shortened name keeps at least this many cells ("Vårdcen…"), or the layout changes


class Line(NamedTuple):
    """One line of a cell; its first `keep` cells (default: all) are never cut or broken.

    A tuple, not a dataclass: a large table makes one per cell line, and a frozen dataclass
    costs three times as much to make."""

    text: str
    style: str = ""
    keep: int | None = None

    @property
    def width(self) -> int:
        return cell_len(self.text)

    def need(self, width: int) -> int:
        """The fewest cells this line (`width` cells wide) can be shown in."""
        kept = width if self.keep is None else min(self.keep, width)
        rest = width - kept
        return kept + (min(rest, MIN_NAME) if rest else 0)


Cell = tuple[Line, ...]


def _composed_cell(lines: Cell) -> Cell:
    if len(lines) == 1:
        text = composed(lines[0].text)
        return lines if text == lines[0].text else (lines[0]._replace(text=text),)
    joined = "\n".join(line.text for line in lines)
    masked = composed(joined)
    if masked == joined:
        return lines
    # A number across the lines is masked as one: the cell has fewer lines, each styled and
    # kept as the line it starts with was.
    parts = masked.split("\n")
    return tuple(line._replace(text=part) for line, part in zip(lines, parts, strict=False))


def cell(*lines: str | Line) -> Cell:
    return tuple([x if isinstance(x, Line) else Line(x) for x in lines])


def name(text: str, style: str = "") -> Line:
    """A line that may be shortened with an ellipsis (a facility or case name)."""
    return Line(text, style, keep=0)


@dataclass
class Column:
    header: str
    short: str | None = None  # the header when space is tight
    justify: str = "left"
    cells: list[Cell] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Each cell is masked as a whole before it is measured: a line may join values, and
        # a cell's lines are read together (an HSA-id over its name).
        self.cells = [_composed_cell(c) for c in self.cells]

    @property
    def need(self) -> int:
        """The fewest cells the column's lines can be shown in (headers aside)."""
        return self._measure[0]

    @property
    def want(self) -> int:
        """The cells the column's longest line takes (headers aside)."""
        return self._measure[1]

    @cached_property
    def _measure(self) -> tuple[int, int]:
        need = want = 0
        for c in self.cells:
            for line in c:
                width = line.width
                want = max(want, width)
                need = max(need, line.need(width))
        return need, want


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


def render(columns: Sequence[Column], fitted: Fit, title: str | None = None) -> Text:
    """The table in exactly the fitted widths, as one text: long names end in an ellipsis,
    nothing wraps. Drawn by hand, not as a rich Table: the widths are already known, and a
    Table measures and renders every cell again (25 × the JSON time on 4,000 rows)."""
    drawn = _Drawn()
    if title:
        drawn.add(title, "table.title")
        drawn.end_line()
    gap = " " * fitted.gap
    heads = zip(columns, fitted.headers, fitted.widths, strict=True)
    for index, (col, header, width) in enumerate(heads):
        drawn.add((gap if index else "") + _padded(header, width, col.justify), "table.header")
    drawn.end_line()
    drawn.add("─" * (sum(fitted.widths) + fitted.gap * (len(fitted.widths) - 1)), "table.header")
    rows = max((len(c.cells) for c in columns), default=0)
    for r in range(rows):
        cells = [col.cells[r] for col in columns]
        for n in range(max(len(c) for c in cells)):
            drawn.end_line()
            for index, (col, lines, width) in enumerate(
                zip(columns, cells, fitted.widths, strict=True)
            ):
                if index:
                    drawn.add(gap)
                if n < len(lines):
                    _fitted(drawn, lines[n], width, col.justify)
                else:
                    drawn.add(" " * width)
    return drawn.text()


class _Drawn:
    """Plain text and its style spans, made into one rich Text at the end (one Text per cell
    would cost more than the drawing itself)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.length = 0

    def add(self, text: str, style: str = "") -> None:
        if style and text:
            self.spans.append(Span(self.length, self.length + len(text), style))
        self.parts.append(text)
        self.length += len(text)

    def end_line(self) -> None:
        self.add("\n")

    def text(self) -> Text:
        return Text("".join(self.parts), spans=self.spans, end="\n")


def _fitted(drawn: _Drawn, line: Line, width: int, justify: str) -> None:
    """The line cut to `width` cells with an ellipsis, padded to it (the padding unstyled)."""
    text = line.text
    if cell_len(text) > width:
        cut = Text(text)
        cut.truncate(width, overflow="ellipsis")
        text = cut.plain
    if justify == "right":
        text = text.rstrip()  # as rich justifies: after the cut, so a trailing space counts there
    room = " " * max(0, width - cell_len(text))
    if justify == "right":
        drawn.add(room)
    drawn.add(text, line.style)
    if justify != "right":
        drawn.add(room)


def _padded(text: str, width: int, justify: str) -> str:
    room = max(0, width - cell_len(text))
    return " " * room + text if justify == "right" else text + " " * room


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


Layout = Sequence[Column] | Callable[[], Sequence[Column]]


def first_fit(width: int, layouts: Sequence[Layout]) -> tuple[int, Fit] | None:
    """The first arrangement that fits `width`, in order of preference: two spaces between
    columns before one, the layouts in the order given (one line per record before two),
    full headers before short ones. None when none fits. A layout may be given as a function
    that makes it: it is then made only if it is tried."""
    made: dict[int, Sequence[Column]] = {}
    for gap in (2, 1):
        for index, layout in enumerate(layouts):
            columns = made.setdefault(index, _made(layout))
            for short in (False, True):
                fitted = fit(columns, width, gap, short)
                if fitted is not None:
                    return index, fitted
    return None


def _made(layout: Layout) -> Sequence[Column]:
    return layout() if callable(layout) else layout


def print_fitted(console: Console, layouts: Sequence[Layout], title: str | None = None) -> int:
    """Print the first arrangement that fits the console (`first_fit`), or the last one
    folded when none does. Returns the index of the layout printed."""
    found = first_fit(console.width, layouts)
    if found is None:
        console.print(folded(_made(layouts[-1]), title))
        return len(layouts) - 1
    index, fitted = found
    draw(console, render(_made(layouts[index]), fitted, title))
    return index


def draw(console: Console, text: Text) -> None:
    """Print a drawn table. Without colours (off a terminal, NO_COLOR) the plain text is all
    there is to print: written as it is, it skips rich splitting it into a Text per line."""
    if console.color_system is None and not console.record:
        console.file.write(text.plain + "\n")
    else:
        # Past the console's own print, which masks a Text as one: the cells are masked
        # already, and a length change between them would break the layout.
        Console.print(console, text, soft_wrap=True)


def hanging(console: Console, head: Text, body: Text, indent: int = 0) -> None:
    """`head` then `body`, lines after the first indented under the body (word-wrapped)."""
    grid = Table.grid(padding=(0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(composed_text(Text(" " * indent) + head), composed_text(body))
    console.print(grid)
