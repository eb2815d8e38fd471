"""Typed access to one TOML table of a scenario file, with errors that name the file and the key."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from ..errors import InputError
from ..quoting import quote, quote_value
from .scenario import CONTRACT_ALIASES, ContractName

BEHAVIOUR_KEYS = ("latency_ms", "fault", "http_status", "hang", "malformed")
# Optional TimeslotType fields a booking may set: scenario key -> element name. The element
# order on the wire is fixed by responses.py, not by this mapping.
BOOKING_EXTRAS: Mapping[str, str] = {
    "performer": "performer",
    "purpose": "purpose",
    "reason": "reason",
    "resource_name": "resourceName",
    "performer_name": "performerName",
    "resource_id": "resourceID",
    "time_type_name": "timeTypeName",
    "time_type_id": "timeTypeID",
    "care_type_name": "careTypeName",
    "care_type_id": "careTypeID",
    "cancel_booking_allowed": "cancel_booking_allowed",
    "rebooking_allowed": "rebooking_allowed",
    "message_allowed": "message_allowed",
}
BOOLEAN_EXTRAS = frozenset({"cancel_booking_allowed", "rebooking_allowed", "message_allowed"})

_HINT = "Fix the scenario file; its format is described in bokade_cli/scenarios/demo.toml."
_PNR = re.compile(r"[0-9]{12}")
_REQUIRED: Any = object()
T = TypeVar("T")


class Reader:
    """One table; every key read is remembered so that `finish()` can reject unknown ones."""

    def __init__(self, data: Mapping[str, Any], file: str, where: str) -> None:
        self._data = data
        self._file = file
        self._where = where
        self._used: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def keys(self) -> Iterable[str]:
        return self._data.keys()

    def error(self, key: str, problem: str) -> InputError:
        place = f"{self._where}, key {quote(key)}" if self._where else f"key {quote(key)}"
        return InputError(f"Scenario file {self._file}: {place}: {problem}.", _HINT)

    def raw(self, key: str, default: Any = _REQUIRED) -> Any:
        self._used.add(key)
        if key in self._data:
            return self._data[key]
        if default is _REQUIRED:
            raise self.error(key, "is required")
        return default

    def _typed(self, key: str, default: Any, kind: type[T], label: str) -> Any:
        value = self.raw(key, default)
        if key in self._data and (
            not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool)
        ):
            raise self.error(key, f"must be {label}, not {quote_value(value)}")
        return value

    def text(self, key: str, default: Any = _REQUIRED) -> Any:
        return self._typed(key, default, str, "a string")

    def boolean(self, key: str, default: Any = _REQUIRED) -> Any:
        return self._typed(key, default, bool, "true or false")

    def integer(
        self,
        key: str,
        default: Any = _REQUIRED,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        value = self._typed(key, default, int, "a whole number")
        if key in self._data and (
            (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
        ):
            raise self.error(key, f"{value} is out of range ({minimum} to {maximum})")
        return value

    def texts(self, key: str, default: Any = _REQUIRED) -> list[str]:
        value = self.raw(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return list(value)

    def integers(self, key: str, allowed: tuple[int, ...]) -> list[int]:
        value = self.raw(key)
        if (
            not isinstance(value, list)
            or not value
            or any(v not in allowed or isinstance(v, bool) for v in value)
        ):
            raise self.error(key, f"must be a non-empty list of {', '.join(map(str, allowed))}")
        return list(value)

    def personnummer(self, key: str, default: Any = _REQUIRED) -> str:
        value = self.text(key, default)
        digits = value.replace("-", "")
        if not _PNR.fullmatch(digits) or _luhn(digits[2:11]) != int(digits[11]):
            raise self.error(
                key, f"{quote(value)} is not a 12-digit personnummer with a valid check digit"
            )
        return str(digits)

    def contracts(self, key: str, default: Any = _REQUIRED) -> tuple[ContractName, ...]:
        value = self.raw(key, default)
        names = [value] if isinstance(value, str) else value
        if (
            not isinstance(names, list | tuple)
            or not names
            or any(n not in CONTRACT_ALIASES for n in names)
        ):
            raise self.error(key, f"must list contracts among {', '.join(CONTRACT_ALIASES)}")
        expanded: list[ContractName] = []
        for name in names:
            expanded.extend(c for c in CONTRACT_ALIASES[name] if c not in expanded)
        return tuple(expanded)

    def table(self, key: str) -> Reader | None:
        value = self.raw(key, None)
        if value is None or isinstance(value, str):
            return None
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        if not self._where:
            where = f"[{_quote(key)}]"
        elif self._where.endswith("]"):
            where = f"{self._where[:-1]}.{_quote(key)}]"
        else:
            where = f"{self._where}, table {_quote(key)}"
        return Reader(value, self._file, where)

    def tables(self, key: str) -> list[Reader]:
        value = self.raw(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, f"must be an array of tables ([[{key}]])")
        return [Reader(item, self._file, f"[[{key}]] #{i}") for i, item in enumerate(value, 1)]

    def finish(self, allow_all: bool = False) -> None:
        """Reject keys nobody read: a misspelt key must not be silently ignored."""
        unknown = [k for k in self._data if k not in self._used]
        if unknown and not allow_all:
            raise self.error(unknown[0], "unknown key (misspelt?)")


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _luhn(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10
