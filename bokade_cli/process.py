"""The life of one `bokade` process, and how its idle moments are used (SPEC §6).

A run is short and most of the objects it ever makes are the ones its imports make: the cyclic
garbage collector walking them again and again (at start-up and once more at exit) is work that
frees nothing. So `main()` holds collection off until a command starts, freezes what start-up
made, and skips the final collection. While a run waits on the network, what the answers will
need (judging, the renderer of the chosen format) is imported beside it.

Ctrl-C ends a run with exit 130 (SPEC §4), at any moment: while the app is imported, while
Typer sets up, and when a second one comes while the run is stopping on the first.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from bokade_cli.errors import ExitCode

_console_command = False  # main() runs: the process is bokade's own, not a test or an embedder


def main() -> None:
    """The console command (`bokade`, `python -m bokade_cli`); the app is imported only after
    collection is held off, since importing it is most of what start-up does."""
    global _console_command
    _console_command = True
    sys.unraisablehook = _without_interrupts
    gc.disable()
    try:
        from bokade_cli.cli import main as run_app

        run_app()
    except KeyboardInterrupt:
        # Before any command could catch it (importing the app, setting Typer up: a traceback
        # and exit -2 before), or a second Ctrl-C while the first was being handled.
        stopping()
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED:
            stopping()
        raise
    except Exception as exc:
        if not from_ctrl_c(exc):
            raise
        stopping()
        raise SystemExit(ExitCode.INTERRUPTED) from None
    finally:
        ending()


def from_ctrl_c(exc: BaseException) -> bool:
    """Whether `exc` is Ctrl-C in another form. NOTE: Python 3.11 wraps an exception raised
    while a class is made (Ctrl-C during an import, in a descriptor's __set_name__) in a
    RuntimeError."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__
    return False


def stopping() -> None:
    """The run is ending on Ctrl-C: a further Ctrl-C is ignored, so it cannot cut short what
    is left (the error line, removing a half-written file) or change the exit code. What an
    earlier one cut short (an event loop half closed) is not reported as it is collected:
    "Exception ignored in ..." is nothing a user can act on.

    NOTE: at exit Python gives SIGINT its default action back (the process then dies of it:
    exit -2), but only where a Python handler was installed; an ignored SIGINT stays ignored.
    Only in bokade's own process: a test or an embedder keeps its Ctrl-C.
    """
    if _console_command:
        with suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.unraisablehook = _unreported


def _unreported(_unraisable: object) -> None:
    pass


def _without_interrupts(unraisable: Any) -> None:
    """NOTE: a Ctrl-C that lands in a weakref callback (the import system has some) or in a
    __del__ cannot be raised; Python prints it as "Exception ignored in ...", with a
    traceback. The key press is lost either way (the user presses again): say nothing."""
    if not issubclass(unraisable.exc_type, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def command_started() -> None:
    """Imports and argument parsing are done: what exists now lives until exit, so it is frozen
    out of every later collection, and collection resumes (a large answer or a long batch makes
    real garbage). Nothing to do when `starting()` was not called (tests, embedding)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def ending() -> None:
    """Everything is written: the exit does not need a last walk over every object."""
    gc.freeze()


class Beside:
    """Work that does not need the network, run in a thread while a run waits on answers.

    It is only preparation: a failure there is ignored (the same import fails, and is
    reported, where the run really needs it), and `wait()` joins it before rendering starts.
    """

    def __init__(self, work: Callable[[], None]) -> None:
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()

    def wait(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()

    @staticmethod
    def _run(work: Callable[[], None]) -> None:
        with suppress(Exception):  # preparation only, see the class docstring
            work()
