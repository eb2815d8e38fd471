"""Strict readers for the reports bokade writes: Markdown pipe tables and lists, well-formed HTML.

They parse what a renderer (GitLab, a browser) would see, so the tests check structure and
escaping against the JSON document of the same run rather than against fixed strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# --- Markdown --------------------------------------------------------------------------------

_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def unescape(cell: str) -> str:
    """What a CommonMark renderer shows for inline text: escapes resolved, code spans bare.

    A backslash before ASCII punctuation shows that character; a backtick not escaped opens a
    code span, whose content is shown as it is.
    """
    out, i = [], 0
    while i < len(cell):
        char = cell[i]
        if char == "\\" and i + 1 < len(cell) and cell[i + 1] in _PUNCTUATION:
            out.append(cell[i + 1])
            i += 2
        elif char == "`":
            end = cell.index("`", i + 1)  # an unclosed span is a bug of the writer
            out.append(cell[i + 1 : end])
            i = end + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


_ACTIVE = set("\\`*_[]{}<>#!|~&@$%")  # what would format, link, tag, mention or reference


def active_markup(text: str) -> list[str]:
    """Characters outside code spans that a renderer would act on (not escaped), and autolinks."""
    found, raw, i = [], [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCTUATION:
            raw.append(" ")
            i += 2
        elif char == "`":
            i = text.index("`", i + 1) + 1
            raw.append(" ")
        else:
            if char in _ACTIVE:
                found.append(char)
            raw.append(char)
            i += 1
    bare = "".join(raw).lower()
    found += [link for link in ("://", "www.") if link in bare]
    found += re.findall(r":[a-z0-9_+-]+:", bare)  # an emoji shortcode
    return found


def plain(cell: str) -> str:
    """A cell as shown: our own emphasis around a whole cell dropped, then `unescape`d."""
    for mark in ("**", "*"):
        if cell.startswith(mark) and cell.endswith(mark) and not cell.endswith("\\" + mark):
            cell = cell[len(mark) : -len(mark)]
            break
    return unescape(cell)


def split_row(line: str) -> list[str]:
    """The cells of a GFM table row: a pipe ends a cell unless backslash-escaped."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, current, escaped = [], "", False
    for char in line[1:-1]:
        if char == "|" and not escaped:
            cells.append(current.strip())
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    cells.append(current.strip())
    return cells


@dataclass
class MarkdownTable:
    heading: str  # the nearest heading above it
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def markdown_tables(text: str) -> list[MarkdownTable]:
    """Every pipe table; each row must have exactly as many cells as the header."""
    tables: list[MarkdownTable] = []
    heading, lines = "", text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if (
            line.startswith("| ")
            and i + 1 < len(lines)
            and re.fullmatch(r"\|(---\|)+", lines[i + 1])
        ):
            table = MarkdownTable(heading, split_row(line))
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                row = split_row(lines[i])
                assert len(row) == len(table.columns), f"{lines[i]!r} breaks the table"
                table.rows.append(row)
                i += 1
            tables.append(table)
            continue
        i += 1
    return tables


def markdown_table(text: str, heading: str) -> MarkdownTable:
    (found,) = [t for t in markdown_tables(text) if t.heading.startswith(heading)]
    return found


def markdown_list(text: str, heading: str) -> list[str]:
    """The items of the list under a heading."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.lstrip("#").strip().startswith(heading))
    items = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("- "):
            items.append(line[2:])
    return items


# --- HTML ------------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr", "area", "base", "source"}
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "link", "img", "base", "form", "svg"}
FORBIDDEN_TAGS |= {"audio", "video", "frame", "frameset", "applet", "math", "template"}


@dataclass
class Cell:
    text: str = ""
    classes: list[list[str]] = field(default_factory=list)  # classes of the elements inside


class Page(HTMLParser):
    """A strict reader: every tag closed in order, no script, no external resource, no handler."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.problems: list[str] = []
        self.doctype = ""
        self.title = ""
        self.tables: list[tuple[str, list[list[Cell]]]] = []
        self.items: list[tuple[str, str]] = []  # (heading, li text)
        self.heading = ""
        self._text: list[str] | None = None
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._li: list[str] | None = None
        self._in_head = ""
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed {self.stack}")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "formaction", "background", "poster"):
                self.problems.append(f"{tag} {name}={value!r}")
            if name.startswith("on"):
                self.problems.append(f"{tag} handler {name}")
            if name == "style" or (value and "url(" in value):
                self.problems.append(f"{tag} {name} with a resource or style")
        if tag not in VOID:
            self.stack.append(tag)
        if tag in ("h1", "h2", "h3", "title"):
            self._in_head, self._text = tag, []
        elif tag == "table":
            self.tables.append((self.heading, []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = Cell()
        elif tag == "li":
            self._li = []
        if self._cell is not None and tag == "span":
            self._cell.classes.append((dict(attrs).get("class") or "").split())

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == self._in_head and self._text is not None:
            text = "".join(self._text).strip()
            if tag == "title":
                self.title = text
            else:
                self.heading = text
            self._in_head, self._text = "", None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell.text = self._cell.text.strip()
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None
        elif tag == "li" and self._li is not None:
            self.items.append((self.heading, "".join(self._li).strip()))
            self._li = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.text += data
        if self._li is not None:
            self._li.append(data)

    def table(self, heading: str) -> list[list[Cell]]:
        (rows,) = [rows for h, rows in self.tables if h.startswith(heading)]
        return rows

    def list_items(self, heading: str) -> list[str]:
        return [text for h, text in self.items if h.startswith(heading)]


def html_page(text: str) -> Page:
    page = Page(text)
    assert page.doctype.lower() == "doctype html", page.doctype
    assert not page.problems, page.problems
    assert page.tags[0] == "html" and "head" in page.tags and "body" in page.tags
    return page
