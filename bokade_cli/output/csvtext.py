"""CSV text for spreadsheets: one header row, one row per item, no cell a spreadsheet runs.

The boundary hands this module documents already masked and neutralised (no control
characters, no line breaks inside a cell). What is left is a spreadsheet's own trap: a cell
starting with = + - @ is read as a formula ("CSV injection"), so a facility name from an
answer could run one. Such a text cell gets a leading apostrophe, the spreadsheets' own mark
for "this is text" (OWASP's advice); numbers and booleans are bokade's own and are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# ASCII triggers and their full-width forms (some spreadsheets fold those to ASCII on import);
# tab and carriage return are escaped by the boundary already, and are listed for a caller
# that did not pass through it.
_FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

Cell = str | int | float | bool | None


def text_cell(value: str | None) -> str:
    """An untrusted text as a cell that a spreadsheet shows, never evaluates."""
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """RFC 4180 quoting with "\\n" line ends, which every spreadsheet reads (and which a
    Windows console turns into "\\r\\n" itself, where "\\r\\n" would become "\\r\\r\\n")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def _cell(value: Cell) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return text_cell(value)
