"""The one output boundary (SPEC §7): every document, line and message bokade writes passes here.

Masking: every written form of the citizen's number (and, in echoes of local input, any
personnummer-shaped number) is masked in every value, unless the user asked --unmask.
Neutralising: in human formats, control, bidi and invisible characters from untrusted text
become visible escapes and newlines are folded; JSON formats escape them instead.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bokade_cli.controls import has_unsafe
from bokade_cli.errors import InputError
from bokade_cli.output.privacy import Masker, dumps, neutralise, no_commands

if TYPE_CHECKING:
    from rich.console import Console

Document = dict[str, Any]


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    html = "html"
    csv = "csv"
    openmetrics = "openmetrics"


MACHINE = frozenset({Format.json, Format.jsonl})
# Text formats: their renderer returns the whole text, `(doc, verbose) -> str`, written as it
# is (never wrapped). They are human formats: neutralised, not JSON-escaped; each escapes for itself.
TEXT = frozenset({Format.csv, Format.markdown, Format.html, Format.openmetrics})
# A stdout that is gone: its reader left (`| head -1`), or it cannot be written at all (a
# descriptor opened read-only, `1</dev/null`). Like a closed stdout: the output is dropped.
GONE = frozenset({errno.EPIPE, errno.EBADF})


@dataclass(frozen=True)
class View:
    """A command's result as a document, and how to show it."""

    kind: str  # collect, explain, compare, relations, batch, batch-case, smoke, config
    document: Document
    echoes: tuple[str, ...] = ()  # keys holding echoes of local input: masked more widely
    verbose: bool = False


def walk(value: Any, change: Callable[[str], str]) -> Any:  # a JSON-like tree of the same shape
    """Apply `change` to every string of a JSON-like tree, keys included."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {change(k) if isinstance(k, str) else k: walk(v, change) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [walk(v, change) for v in value]
    return value


@dataclass
class Output:
    """Where a command's output goes and how it is made safe; one per command run."""

    fmt: Format = Format.table
    unmask: bool = False
    verbose: bool = False
    path: Path | None = None  # --output FILE: the chosen format goes there
    numbers: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # birth dates whose every serial is masked
    _masker: Masker = field(init=False)
    _echo_masker: Masker = field(init=False)
    _stack: ExitStack = field(default_factory=ExitStack, init=False)
    _file: IO[str] | None = field(default=None, init=False)
    _err: Console | None = field(default=None, init=False)
    stdout_closed: bool = field(default=False, init=False)
    code: int = field(default=0, init=False)  # the command's exit code, set by the command

    def __post_init__(self) -> None:
        self._remask()

    def _remask(self) -> None:
        self._masker = Masker(self.numbers, dates=self.dates, enabled=not self.unmask)
        self._echo_masker = Masker(
            self.numbers, dates=self.dates, generic=True, enabled=not self.unmask
        )

    def protect(self, *digits: str) -> None:
        """Mask these numbers (12 digits each) from now on, in everything written."""
        new = [d for d in dict.fromkeys(digits) if d not in self.numbers]
        if new:
            self.numbers.extend(new)
            self._remask()

    def protect_birth_date(self, masked: str) -> None:
        """Mask every number with this masked subject's birth date, whatever its serial.

        A capture names its subject only masked; a replay still masks any number with that
        birth date that a hand-edited capture might hold.
        """
        date = masked[:8]
        if len(date) == 8 and date.isascii() and date.isdigit() and date not in self.dates:
            self.dates.append(date)
            self._remask()

    # --- the rules, applied once -------------------------------------------------------------

    def mask(self, text: str, echo: bool = False) -> str:
        return (self._echo_masker if echo else self._masker).mask(text)

    def clean(self, text: str, echo: bool = True) -> str:
        """A message line: masked (echoes of local input too) and neutralised."""
        return neutralise(self.mask(text, echo))

    def masked(
        self,
        document: Document,
        numbers: tuple[str, ...] = (),
        echoes: tuple[str, ...] = (),
        *,
        then: Callable[[str], str] | None = None,
    ) -> Document:
        """`document` with every string masked: the run's numbers and `numbers` (a batch case's
        own), and in the `echoes` keys (local input written back) any personnummer-shaped number.
        `then` is applied to each masked string in the same walk (neutralising, for humans)."""
        extra = [n for n in numbers if n not in self.numbers]
        if extra:
            mine = [*self.numbers, *extra]
            masker = Masker(mine, dates=self.dates, enabled=not self.unmask)
            echo = Masker(mine, dates=self.dates, generic=True, enabled=not self.unmask)
        else:
            masker, echo = self._masker, self._echo_masker

        def change(mask: Callable[[str], str]) -> Callable[[str], str]:
            return mask if then is None else lambda text: then(mask(text))

        doc: Document = walk(document, change(masker.mask))
        for key in echoes:
            if key in document:
                doc[key] = walk(document[key], change(echo.mask))
        return doc

    def anonymous(self, value: Any) -> Any:
        """A planning aggregate (facilities and counts, no citizen in it) with any
        personnummer-shaped number masked, always: --unmask is for the cases, not for this."""
        return walk(value, Masker(self.numbers, dates=self.dates, generic=True).mask)

    def safe(self, view: View, fmt: Format | None = None) -> Document:
        """The view's document masked, and neutralised unless it becomes JSON."""
        human = (fmt or self.fmt) not in MACHINE
        return self.masked(view.document, echoes=view.echoes, then=neutralise if human else None)

    # --- data --------------------------------------------------------------------------------

    def emit(self, view: View) -> None:
        """Write the view in the chosen format; with --output, the table still goes to stdout."""
        if self.path is None:
            self._render(view, self.fmt, None)
            return
        self._render(view, self.fmt, self._open_file())
        if self.fmt is not Format.table and view.kind in TABLES:
            self._render(view, Format.table, None)

    def prepare(self) -> None:
        """Import this output's renderer ahead of use (called while a run waits on answers)."""
        if self.fmt not in MACHINE:
            _renderers()
        if self.fmt is Format.table or self.path is not None:
            from bokade_cli.output.console import make_console  # noqa: F401

    def write_text(self, text: str) -> None:
        """Plain text of bokade's own making on stdout, flushed (values in it already made
        safe, as toml_string does)."""
        self._write(no_commands(text), None)

    def write_line(self, text: str) -> None:
        """One line on stdout that holds untrusted values (a profile name, a path from the
        environment): masked as an echo of local input and neutralised, like a message."""
        self._write(no_commands(self.clean(text) + "\n"), None)

    def toml_string(self, value: str) -> str:
        """`value` as a TOML basic string in a config snippet for stdout: masked as an echo, and
        quotes, backslashes and every character neutralise() would escape written as TOML
        escapes, so each key stays on its line and reads back as the value. A "##[" in it is
        escaped by write_text's guard, which every snippet goes out through (`#\\u0023[` reads
        back as the same "##[" in TOML)."""
        return '"' + "".join(_toml_char(c) for c in self.mask(value, echo=True)) + '"'

    def human(self, document: Document) -> Document:
        """An already masked document, neutralised for a terminal (progress lines)."""
        clean: Document = walk(document, neutralise)
        return clean

    def show_table(self, view: View) -> None:
        """The table of a view on stdout, beside a machine format written to --output."""
        self._render(view, Format.table, None)

    def line(self, view: View) -> None:
        """One JSON Lines record, flushed at once (a reader or Ctrl-C sees every finished one)."""
        text = dumps(self.safe(view, Format.jsonl)) + "\n"
        self._write(text, self._open_file() if self.path else None)

    def write_private(
        self, path: Path, view: View, render: Callable[[Document], str], what: str
    ) -> None:
        """A report file (JUnit, ...): the view made safe as for a terminal, rendered, 0600."""
        from bokade_cli.output.files import write_private

        with self._composing():
            text = render(self.safe(view, Format.table))
        write_private(path, no_commands(text), what)

    def _composing(self) -> AbstractContextManager[None]:
        """Texts a renderer joins from several values masked as joined (output/composing.py)."""
        from bokade_cli.output.composing import composing

        numbers, dates = self.numbers, self.dates
        return composing(
            Masker(numbers, dates=dates, loose=True, enabled=not self.unmask),
            Masker(numbers, dates=dates, generic=True, loose=True),  # the by-facility report
        )

    def _render(self, view: View, fmt: Format, stream: IO[str] | None) -> None:
        if fmt not in MACHINE:
            with self._composing():
                self._render_safe(view, fmt, stream)
        else:
            self._render_safe(view, fmt, stream)

    def _render_safe(self, view: View, fmt: Format, stream: IO[str] | None) -> None:
        doc = self.safe(view, fmt)
        if fmt is Format.json:
            self._write(dumps(doc, indent=2) + "\n", stream)
        elif fmt is Format.jsonl:
            self._write(dumps(doc) + "\n", stream)
        elif fmt in TEXT:  # a text format of its own escaping: written as it is, never wrapped
            # A CSV row starts with a value (a facility's HSA-id from an answer).
            self._write(no_commands(renderer(view.kind, fmt)(doc, view.verbose)), stream)
        else:
            self._print(
                lambda console: renderer(view.kind, fmt)(doc, console, view.verbose), stream
            )

    def _open_file(self) -> IO[str]:
        if self._file is None:
            from bokade_cli.output.files import private_file

            assert self.path is not None
            self._file = self._stack.enter_context(private_file(self.path, "output file"))
        return self._file

    def _write(self, text: str, stream: IO[str] | None) -> None:
        if stream is not None:
            stream.write(text)
            stream.flush()
            return
        self._guarded(lambda: (sys.stdout.write(text), sys.stdout.flush()))

    def _print(self, draw: Callable[[Console], None], stream: IO[str] | None) -> None:
        from bokade_cli.output.console import make_console

        if stream is not None:
            console = make_console(stream)
            draw(console)
            console.file.flush()
            return

        def to_stdout() -> None:
            console = make_console()
            draw(console)
            console.file.flush()

        self._guarded(to_stdout)

    def _guarded(self, action: Callable[[], object]) -> None:
        """Write to stdout; a closed pipe (or a descriptor that cannot be written at all) ends
        output quietly, a full disk is an input error."""
        if self.stdout_closed:
            return
        try:
            action()
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc.errno in GONE:  # rich's has no errno
                self.stdout_closed = True
                _silence_stdout()
                return
            # Nothing more can go there; Python's exit flush must not fail on it again.
            self.stdout_closed = True
            _silence_stdout()
            raise InputError(
                f"cannot write to standard output ({exc.strerror or exc})",
                "Check where the output goes (a full disk, a closed file).",
            ) from None

    # --- captures -------------------------------------------------------------------------------

    def write_capture(self, path: Path, document: Document) -> None:
        """A capture file: every number the run knows masked, always (a capture holds none,
        even with --unmask), values kept apart so the capture judges as the run did, and the
        characters a replay refuses raw written as references (output/captured.py); answers
        written back as XML, unreadable ones as an excerpt."""
        from bokade_cli.output.captured import capture_ready
        from bokade_cli.output.files import write_private

        masker = Masker(self.numbers, dates=self.dates)
        text = dumps(capture_ready(document, masker), indent=1) + "\n"
        write_private(path, text, "capture file")
        if self.fmt not in MACHINE:
            self.say(f"Capture written to {path} (no form of the personnummer in it).")

    # --- messages (stderr) -------------------------------------------------------------------

    def err_console(self) -> Console:
        if self._err is None:
            from bokade_cli.output.console import make_console

            self._err = make_console(stderr=True)
        return self._err

    def say(self, text: str, style: str | None = None) -> None:
        """One message line on stderr, masked and neutralised."""
        from rich.text import Text

        try:
            self.err_console().print(Text(self.clean(text), style=style or ""))
        except (BrokenPipeError, OSError):
            pass  # a closed stderr has no one left to tell

    def event(self, text: str) -> None:
        """A verbose line (-v): retries, outcomes, parser notes."""
        if self.verbose:
            self.say(text, "dim")

    def warn(self, text: str) -> None:
        self.say(f"Warning: {text}")

    def error(self, code: str, message: str, hint: str) -> None:
        """The one error report: a JSON error document in JSON formats, two lines otherwise."""
        message, hint = self.mask(message, echo=True), self.mask(hint, echo=True)
        if self.fmt in MACHINE and not self.stdout_closed:
            doc = {"error": {"code": code, "message": message, "hint": hint or None}}
            try:
                self._guarded(lambda: (sys.stdout.write(dumps(doc) + "\n"), sys.stdout.flush()))
            except InputError:
                pass  # stdout is full: the error goes to stderr, where it can still be read
            else:
                return
        self.say(f"Error: {message}")
        if hint:
            self.say(f"Hint: {hint}")

    # --- the end of a run --------------------------------------------------------------------

    def close(self, ok: bool = True) -> None:
        """Put an --output file in place (or, after a failure, leave no half file behind)."""
        if ok:
            self._stack.close()
        else:
            self._stack.__exit__(RuntimeError, RuntimeError("failed"), None)

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        self.close(ok=kind is None or issubclass(kind, SystemExit | KeyboardInterrupt))


# Completion candidates are inserted into the command line as they are: bash puts COMPREPLY there
# verbatim, so a name like `prod$(touch x)` or `a;rm -rf ~` would run when the user presses Enter.
# Only characters that mean nothing to any shell bokade completes for (bash, zsh, fish, and
# PowerShell, where `@ , %` start syntax) are offered; `:` and `=` also split a word for bash's
# completion (COMP_WORDBREAKS). A leading `-` would read as an option.
_SHELL_INERT = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]*")
SHELL_INERT_WORDS = "ASCII letters, digits, '.', '_' and '-' (not first)"


def shell_safe(names: list[str]) -> list[str]:
    """The names a shell can take back unquoted and inert (see _SHELL_INERT), without a
    personnummer-shaped number: completion candidates go straight to the command line."""
    masker = Masker([], generic=True)
    return [name for name in names if _SHELL_INERT.fullmatch(name) and masker.mask(name) == name]


def _toml_char(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if not has_unsafe(char):
        return char
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:  # a file name's undecodable byte: TOML has no form for it
        return "\\uFFFD"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so Python's exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


@lru_cache(maxsize=1)
def _renderers() -> dict[tuple[str, Format], Callable[..., Any]]:
    """Every human view by (kind, format), imported on first use (not for --help or JSON).

    A table renderer draws on a console: `(doc, console, verbose)`. A TEXT format's renderer
    returns the whole text: `(doc, verbose) -> str`.
    """
    from bokade_cli.output import batchview, html, markdown, openmetrics, smokeview, table

    return {
        **{(kind, Format.markdown): getattr(markdown, name) for kind, name in _REPORTS.items()},
        **{(kind, Format.html): getattr(html, name) for kind, name in _REPORTS.items()},
        ("collect", Format.table): table.render_collect,
        ("explain", Format.table): table.render_explanation,
        ("compare", Format.table): table.render_comparison,
        ("relations", Format.table): table.render_relations,
        ("config", Format.table): table.render_config,
        ("batch", Format.table): batchview.render_batch,
        ("batch", Format.csv): batchview.render_facilities_csv,
        ("smoke", Format.table): smokeview.render_smoke,
        ("smoke", Format.openmetrics): openmetrics.render_smoke,
        ("scenarios", Format.table): table.render_scenarios,
    }


_REPORTS = {
    "collect": "render_collect",
    "explain": "render_explanation",
    "compare": "render_comparison",
    "relations": "render_relations",
}


def renderer(kind: str, fmt: Format) -> Callable[..., Any]:
    found = _renderers().get((kind, fmt))
    if found is None:
        raise InputError(f"--format {fmt} is not available here", "Use --format table or json.")
    return found


TABLES = frozenset({"collect", "explain", "compare", "relations", "batch", "smoke"})
