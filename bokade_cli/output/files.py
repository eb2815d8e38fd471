"""Every file bokade writes: owner-only, written beside its target and renamed into place (SPEC §7).

A capture holds birth dates, clinics and appointment times, so a file is created 0600. It is
written to a temporary file in the same folder and renamed over the path only when complete:
a crash never leaves half a file, and a symlink planted at the path is replaced, never followed.

A path that names a character device (`/dev/null`, a terminal) or a FIFO (`-o >(gzip > x)`,
`/dev/stdout` on a pipe) is written into as it is, never replaced or chmod-ed: replacing
/dev/null with a 0600 file (as root) breaks the machine, and a FIFO's reader would never see
a renamed file. Only one of the user's own (or root's) is written into: a FIFO another user
made in a shared folder would hand them the report. Sockets, block devices and the like are
refused. "-" is standard output for `-o` (commands/guard.py); here it is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bokade_cli.errors import InputError

_KINDS = {stat.S_IFSOCK: "a socket", stat.S_IFBLK: "a block device"}
# Folders of the system's own names: nothing is created or replaced there, even as root.
_SYSTEM = (Path("/dev"), Path("/proc"), Path("/sys"))


def check_writable(path: Path, what: str) -> None:
    """Refuse a path that cannot be written before a long run, not after it."""
    if str(path) == "-":
        raise InputError(
            f"cannot write the {what} to -: standard output carries the report",
            "Give a file name.",
        )
    if _in_place(path, what):
        if not os.access(path, os.W_OK):
            raise InputError(f"cannot write the {what} {path}: permission denied", _HINT)
        return
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"cannot write the {what} {path}: it is a folder", "Give a file name.")
    if not folder.is_dir():
        raise InputError(
            f"cannot write the {what} {path}: the folder {folder} does not exist",
            "Create the folder first or give another path.",
        )
    if any(folder.resolve().is_relative_to(system) for system in _SYSTEM):
        raise InputError(
            f"cannot write the {what} {path}: bokade creates no file in {folder}",
            "Give a path outside it (a device there, such as /dev/null, is written into).",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write the {what} {path}: the folder {folder} is not writable",
            "Give a path in a folder you can write to.",
        )


_HINT = "Give the path of a regular file (or /dev/null to discard it)."


def _in_place(path: Path, what: str) -> bool:
    """Whether `path` is a character device or FIFO to write into (following a symlink, as
    /dev/stdout and /dev/fd/N are); False for a regular file, a folder or nothing there."""
    try:
        target = os.stat(path)
        name = os.lstat(path)
    except OSError:  # nothing there, or a dangling symlink: a new file replaces the name
        return False
    kind = stat.S_IFMT(target.st_mode)
    if kind in (stat.S_IFREG, stat.S_IFDIR):
        return False
    if kind not in (stat.S_IFCHR, stat.S_IFIFO):
        shown = _KINDS.get(kind, "not a regular file")
        raise InputError(f"cannot write the {what} {path}: it is {shown}, not a file", _HINT)
    me = os.geteuid() if hasattr(os, "geteuid") else 0  # Windows: no owners to compare
    for owner in (target.st_uid, name.st_uid):  # the FIFO, and the symlink naming it
        if owner not in (0, me):
            shown = "a FIFO" if kind == stat.S_IFIFO else "a device"
            raise InputError(
                f"cannot write the {what} {path}: it is {shown} of another user (uid {owner})",
                "Give a path of your own: whoever made it would read the report.",
            )
    return True


@contextmanager
def private_file(path: Path, what: str) -> Iterator[TextIO]:
    """A UTF-8 text stream that becomes `path` (mode 0600) when the block ends without error;
    for a character device or FIFO, a stream straight into it."""
    check_writable(path, what)
    direct = _open_in_place(path, what)
    if direct is not None:
        try:
            with direct as stream:
                yield stream
                stream.flush()
        except OSError as exc:
            raise _cannot(path, what, exc) from None
        return
    folder = path.parent if str(path.parent) else Path(".")
    try:
        # mkstemp creates the file 0600 and never through an existing name or symlink. The
        # name is short, not the target's with more around it: a target name near the
        # file system's limit (255 bytes) is valid, and a longer temporary name would not be.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".bokade-", suffix=".tmp")
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


def _open_in_place(path: Path, what: str) -> TextIO | None:
    """A stream into the device or FIFO at `path`, or None when a file is to replace the name."""
    if not _in_place(path, what):
        return None
    try:
        # No O_CREAT: this never makes a file. A FIFO's open waits for its reader.
        handle = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    except FileNotFoundError:
        return None  # gone since the check: a new file, as for any other path
    except OSError as exc:
        raise _cannot(path, what, exc) from None
    kind = stat.S_IFMT(os.fstat(handle).st_mode)
    if kind not in (stat.S_IFCHR, stat.S_IFIFO):  # swapped since the check; nothing written
        os.close(handle)
        return None
    return os.fdopen(handle, "w", encoding="utf-8", newline="\n")


def write_private(path: Path, text: str, what: str) -> None:
    with private_file(path, what) as stream:
        stream.write(text)


def _cannot(path: Path, what: str, exc: OSError) -> InputError:
    return InputError(
        f"cannot write the {what} {path} ({exc.strerror or type(exc).__name__})",
        "Check that its folder exists, is writable and has space.",
    )
