"""The Typer app: every command module registers itself here; `main()` is the console script.

Heavy modules (httpx, xmltodict, rich, the contracts, the simulator) are imported inside the
commands that need them, so `bokade --help` and `bokade --version` start fast. Usage errors
are reported here too, through the output boundary: Click would echo argv, which may hold a
personnummer, raw.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from bokade_cli import __version__
from bokade_cli.commands import collect, config, ops, simulator, support
from bokade_cli.commands.helptext import examples
from bokade_cli.commands.options import EPILOG
from bokade_cli.errors import ExitCode

_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


class _Group(TyperGroup):
    """Click's usage errors (bad flag, extra argument) masked and neutralised like every output;
    Click's own output (help) on a stdout that is gone ends quietly, as the commands' does."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _stdout_gone_is_done():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _stdout_gone_is_done():  # a command's own help is written while it is parsed
            return super().invoke(ctx)

    def _main_shell_completion(self, *args: Any, **kwargs: Any) -> None:
        """The shell asks for candidates at every TAB, with COMP_WORDS, COMP_CWORD or
        _TYPER_COMPLETE_ARGS in the environment. NOTE: Typer reads them unchecked: COMP_WORDS
        missing or COMP_CWORD not a number end in a traceback, printed into the user's prompt.
        Whatever goes wrong while completing, nothing is offered and nothing is said (exit 0);
        the shell then completes file names (`complete -o default`). An exit of Typer's own
        (SystemExit: an unknown shell, fish's is-args) passes through."""
        try:
            super()._main_shell_completion(*args, **kwargs)
        except Exception:
            raise SystemExit(0) from None

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        try:
            kwargs["standalone_mode"] = False
            code = super().main(*args, **kwargs)
        except typer.Abort:
            if not standalone:
                raise
            raise SystemExit(ExitCode.INTERRUPTED) from None
        except OSError as exc:
            # Click writes --help itself; on a full disk that is one line, not a traceback.
            if not standalone or exc.errno not in _WRITE_ERRORS:
                raise
            from bokade_cli.output.boundary import Output

            Output().error(
                "input",
                f"cannot write to standard output ({exc.strerror})",
                "Check where the output goes (a full disk, a closed file).",
            )
            raise SystemExit(ExitCode.USAGE) from None
        except Exception as exc:
            # NOTE: Typer vendors Click; its exceptions are recognised by their shape.
            if not standalone or not hasattr(exc, "format_message"):
                raise
            _report(exc)
            raise SystemExit(int(getattr(exc, "exit_code", ExitCode.USAGE))) from None
        if standalone:
            raise SystemExit(code if isinstance(code, int) else 0)
        return code


@contextmanager
def _stdout_gone_is_done() -> Iterator[None]:
    """NOTE: Click answers a closed pipe (`bokade -h | true`) with exit 1 and a descriptor that
    cannot be written (`1</dev/null`) with a traceback. Only Click's help and completion
    scripts reach here (commands write through the output boundary, which handles both), and
    after them Click exits 0: the output is dropped, the exit code is what it would have been."""
    from bokade_cli.output.boundary import GONE

    try:
        yield
    except OSError as exc:
        if not isinstance(exc, BrokenPipeError) and exc.errno not in GONE:
            raise
        _null_stdout()
        raise typer.Exit(0) from None


def _null_stdout() -> None:
    """Point stdout at the null device, so Python's flush at exit has nowhere to fail."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(null, 1)
    except OSError:
        pass
    finally:
        os.close(null)


def _report(exc: Exception) -> None:
    from bokade_cli.output.boundary import Output

    out = Output()
    if type(exc).__name__ == "NoArgsIsHelpError":  # `bokade` alone: the help, as lines
        for line in exc.format_message().splitlines():  # type: ignore[attr-defined]
            out.say(line)
        return
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        out.say(ctx.get_usage())
        out.say(f"Try '{ctx.command_path} -h' for help.")
    out.say(f"Error: {exc.format_message()}")  # type: ignore[attr-defined]


app = typer.Typer(
    name="bokade",
    cls=_Group,
    help="Diagnose 1177 Bokade tider: run the booked-appointments collection for one "
    "personnummer and account for every appointment received.",
    epilog=EPILOG
    + examples(
        "bokade demo",
        "bokade collect 19121212-1212 --relations relations.txt",
        "bokade explain 19121212-1212 --relations relations.txt --booking-id 81347",
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,  # never show locals: they hold personnummer
    rich_markup_mode=None,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
)


def _version_callback(value: bool) -> None:
    if value:
        from bokade_cli.errors import BokadeError
        from bokade_cli.output.boundary import Output

        out = Output()
        try:
            out.write_text(f"bokade {__version__}\n")
        except BokadeError as exc:  # stdout on a full disk
            out.error(exc.code, exc.message, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = None,
) -> None:
    """Diagnose 1177 Bokade tider."""


for module in (collect, support, ops, config, simulator):
    module.register(app)


def _open_closed_standard_streams() -> None:
    """Give a standard stream the caller closed (`>&-`, `2>&-`, `<&-`) the null device, and
    one open the wrong way (`1</dev/null`: stdout read-only) too.

    NOTE: Python then has no sys.stdout (None) and the descriptor is free: the next file bokade
    opens (a socket, an output's temporary file) would take number 1 and receive what is
    written there. On the null device output is dropped, as when the reader of a pipe goes
    away: the run goes on, writes the files it was asked for and exits with its own code. A
    closed stdin reads as empty. A stdout that cannot be written is no different from a
    closed one (before, `bokade collect -h 1</dev/null` ended in a traceback).
    """
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        if _usable(fd, mode):
            continue
        try:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: `fd` if closed
        except OSError:
            continue  # no null device (a bare chroot): left as Python left it
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
        stream = open(fd, mode, encoding="utf-8", errors="backslashreplace", closefd=False)
        setattr(sys, name, stream)


def _usable(fd: int, mode: str) -> bool:
    """Whether descriptor `fd` is open for reading ("r") or writing ("w")."""
    try:
        import fcntl
    except ImportError:  # Windows: open is all that can be asked
        fcntl = None  # type: ignore[assignment]
    try:
        if fcntl is None:
            os.fstat(fd)
            return True
        access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    except OSError:
        return False
    return access == os.O_RDWR or access == (os.O_RDONLY if mode == "r" else os.O_WRONLY)


def main() -> None:
    _open_closed_standard_streams()
    app()
