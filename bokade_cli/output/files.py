"""Every file bokade writes: owner-only, written beside its target and renamed into place (SPEC §7).

A capture holds birth dates, clinics and appointment times, so a file is created 0600. It is
written to a temporary file in the same folder and renamed over the path only when complete:
a crash never leaves half a file, and a symlink planted at the path is replaced, never followed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bokade_cli.errors import InputError


def check_writable(path: Path, what: str) -> None:
    """Refuse a path that cannot be written before a long run, not after it."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"cannot write the {what} {path}: it is a folder", "Give a file name.")
    if not folder.is_dir():
        raise InputError(
            f"cannot write the {what} {path}: the folder {folder} does not exist",
            "Create the folder first or give another path.",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write the {what} {path}: the folder {folder} is not writable",
            "Give a path in a folder you can write to.",
        )


@contextmanager
def private_file(path: Path, what: str) -> Iterator[TextIO]:
    """A UTF-8 text stream that becomes `path` (mode 0600) when the block ends without error."""
    check_writable(path, what)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        # mkstemp creates the file 0600 and never through an existing name or symlink.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot(path, what, exc) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)  # replaces a symlink at `path`; its target is untouched
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _cannot(path, what, exc) from None
        raise


def write_private(path: Path, text: str, what: str) -> None:
    with private_file(path, what) as stream:
        stream.write(text)


def _cannot(path: Path, what: str, exc: OSError) -> InputError:
    return InputError(
        f"cannot write the {what} {path} ({exc.strerror or type(exc).__name__})",
        "Check that its folder exists, is writable and has space.",
    )
