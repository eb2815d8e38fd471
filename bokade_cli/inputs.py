"""Reading local input (files or `-` for stdin): every failure becomes a one-line error, never a crash.

Config, batch, relation, relation-event and capture files are untrusted input too: a file that
is missing, unreadable, not UTF-8, too large, or TOML that Python's own reader cannot take
(a 5,000-digit integer, nesting thousands deep) names the file and what to do, with exit 2
(input) or 5 (configuration).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

from bokade_cli.errors import BokadeError, InputError
from bokade_cli.quoting import quote_value

MAX_INPUT_BYTES = 50_000_000
BOM = "\ufeff"


def display_name(path: Path) -> str:
    return "standard input" if str(path) == "-" else str(path)


def read_input(
    path: Path,
    what: str,
    hint: str,
    *,
    limit: int = MAX_INPUT_BYTES,
    error: type[BokadeError] = InputError,
) -> str:
    """The file's text (`-`: stdin), UTF-8 with a leading BOM dropped; errors name the file."""
    name = display_name(path)
    try:
        if str(path) == "-":
            raw = sys.stdin.buffer.read(limit + 1)
        else:
            with path.open("rb") as stream:
                raw = stream.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{name}: the {what} does not exist", "Check the path.") from None
    except IsADirectoryError:
        raise error(f"{name}: cannot read the {what} (it is a folder)", "Give a file.") from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise error(f"{name}: cannot read the {what} ({why})", hint) from None
    if len(raw) > limit:
        raise error(f"{name}: the {what} is larger than {limit:,} bytes", hint)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{name}: not UTF-8 text (line {line})", "Save it as UTF-8.") from None
    # NOTE: Notepad and Excel save UTF-8 with a byte order mark; it is not part of the content.
    return text[1:] if text.startswith(BOM) else text


def parse_toml(
    text: str, name: str, what: str, *, error: type[BokadeError] = InputError
) -> dict[str, Any]:
    """TOML as Python reads it, every failure named: syntax, huge integers, deep nesting."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message carries the line and column
        raise error(f"{name}: invalid TOML: {exc}", "Fix the syntax at that line.") from None
    except (ValueError, RecursionError) as exc:
        why = (
            "nesting too deep"
            if isinstance(exc, RecursionError)
            else "a value beyond what can be read"
        )
        raise error(
            f"{name}: the {what} cannot be read ({why})",
            "Fix the file: integers of at most a few digits, tables nested a few levels.",
        ) from None


def quoted(value: object, limit: int = 60) -> str:
    """A value from a local file for a message: plain text in quotes (never repr, which would
    hide a number split by a tab or an invisible space from the masking), kept short."""
    return quote_value(value, limit)
