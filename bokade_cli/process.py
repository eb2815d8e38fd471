"""The life of one `bokade` process, and how its idle moments are used (SPEC §6).

A run is short and most of the objects it ever makes are the ones its imports make: the cyclic
garbage collector walking them again and again (at start-up and once more at exit) is work that
frees nothing. So `main()` holds collection off until a command starts, freezes what start-up
made, and skips the final collection. While a run waits on the network, what the answers will
need (judging, the renderer of the chosen format) is imported beside it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import suppress


def main() -> None:
    """The console command (`bokade`, `python -m bokade_cli`); the app is imported only after
    collection is held off, since importing it is most of what start-up does."""
    gc.disable()
    try:
        from bokade_cli.cli import main as run_app

        run_app()
    finally:
        ending()


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
