"""Run a command's body inside the one error report: every failure is one line (or the JSON error
document) and its documented exit code, never a traceback (unless --debug)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bokade_cli import process
from bokade_cli.errors import BokadeError, ConfigError, ExitCode
from bokade_cli.quoting import quote

if TYPE_CHECKING:
    # Imported when a command runs, not for --help or --version (start-up time, SPEC §6).
    from bokade_cli.output.boundary import Format, Output


def resolve_format(flag: StrEnum | None, allowed: type[StrEnum]) -> Format:
    """--format, else BOKADE_FORMAT when this command has that format, else table.

    A format bokade has but this command has not is ignored (`BOKADE_FORMAT=jsonl` changes batch,
    not collect: one variable serves them all). A value that is no format at all (`josn`) is a
    configuration error naming the variable (SPEC §5): ignored, a CI job would get a table
    where it expects JSON. The flag wins, so the variable is not read then.
    """
    from bokade_cli.output.boundary import Format

    if flag is not None:
        return Format(flag.value)
    wanted = os.environ.get("BOKADE_FORMAT", "").strip().lower()
    if wanted and wanted not in {f.value for f in Format}:
        raise ConfigError(
            f"BOKADE_FORMAT is {quote(wanted)}, not a format: "
            + ", ".join(f.value for f in Format),
            "Set BOKADE_FORMAT to one of them, or unset it.",
        )
    return Format(wanted) if wanted in {f.value for f in allowed} else Format.table


@contextmanager
def guarded(
    fmt: StrEnum | None,
    allowed: type[StrEnum],
    *,
    debug: bool = False,
    unmask: bool = False,
    verbose: bool = False,
    output: Path | None = None,
) -> Iterator[Output]:
    """Yield the command's Output; leave with its exit code (`out.code`) or the error's.

    `-o -` is standard output, as if -o were not given (then no table goes beside it).
    """
    from bokade_cli.output.boundary import Format, Output

    process.command_started()
    path = None if output is None or str(output) == "-" else output
    try:
        chosen, problem = resolve_format(fmt, allowed), None
    except ConfigError as exc:  # reported below, like any error, in the default format
        chosen, problem = Format.table, exc
    out = Output(chosen, unmask=unmask, verbose=verbose, path=path)
    try:
        with out:
            if problem is not None:
                raise problem
            if path is not None:
                from bokade_cli.output.files import check_writable

                check_writable(path, "output file")  # before the run, not after it
            yield out
        code = out.code
    except BokadeError as exc:
        out.error(exc.code, exc.message, exc.hint)
        code = int(exc.exit_code)
    except KeyboardInterrupt:
        code = _interrupted(out)
    except Exception as exc:
        if process.from_ctrl_c(exc):
            code = _interrupted(out)
        elif debug:
            raise
        else:
            out.error(
                "internal",
                f"internal error: {type(exc).__name__}: {exc}",
                "This is a bug in bokade; run again with --debug and report the traceback.",
            )
            code = ExitCode.INTERNAL
    raise typer.Exit(int(code))


def _interrupted(out: Output) -> int:
    process.stopping()
    out.error("interrupted", "interrupted", "")
    return ExitCode.INTERRUPTED
