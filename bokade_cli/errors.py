"""Exit codes and the exception tree every layer below the CLI raises.

    BokadeError                 one sentence `message` + one `hint`; carries its exit code
    ├── UsageError              bad flag or argument value                       (exit 2)
    │   └── InvalidPersonnummer which part of the number is wrong                (exit 2)
    ├── InputError              a local input file is unreadable or malformed    (exit 2)
    ├── ConfigError             bad config file, unknown profile, missing cert   (exit 5)
    └── CallError               one platform call failed; never aborts a run, the
        ├── SoapFault           collector turns it into that call's outcome
        ├── HttpStatusError
        ├── CallTimeout
        ├── TransportError
        └── InvalidResponse

Only `cli.py` turns these into exit codes and messages.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bokade_cli.models import Outcome


class ExitCode(IntEnum):
    """The process exit codes of SPEC §4."""

    COMPLETE = 0
    EXPECTATION_FAILED = 1
    USAGE = 2
    PARTIAL = 3
    NOTHING_ANSWERED = 4
    CONFIG = 5
    INTERNAL = 70  # a bug in bokade (BSD sysexits EX_SOFTWARE)
    INTERRUPTED = 130  # what a shell reports for SIGINT: scripts tell "stopped" from "failed"


class BokadeError(Exception):
    """Base class: a one-sentence message and a hint saying what to do."""

    exit_code = ExitCode.USAGE
    code = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(BokadeError):
    code = "usage"


class InvalidPersonnummer(UsageError):
    code = "invalid_personnummer"


class InputError(BokadeError):
    code = "input"


class ConfigError(BokadeError):
    exit_code = ExitCode.CONFIG
    code = "config"


class CallError(BokadeError):
    """A platform call failed; `outcome` is the SPEC §4 outcome it maps to.

    `notes` name what the answer held that a failed call does not read (records beside a
    Fault, say): the call's notes, so nothing received vanishes without a word.
    """

    outcome: Outcome = "transport_error"
    queued_ms = 0  # time the call waited for a connection of our own pool before it was sent

    def __init__(self, message: str, hint: str = "", *, notes: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.notes = notes


class SoapFault(CallError):
    outcome: Outcome = "soap_fault"

    def __init__(
        self, message: str, hint: str = "", fault_code: str = "", *, notes: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, hint, notes=notes)
        self.fault_code = fault_code


class HttpStatusError(CallError):
    outcome: Outcome = "http_error"


class CallTimeout(CallError):
    outcome: Outcome = "timeout"


class TransportError(CallError):
    outcome: Outcome = "transport_error"


class InvalidResponse(CallError):
    outcome: Outcome = "invalid_response"
