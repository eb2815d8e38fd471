"""Read a citizen's relation list (mottagningsrelation): one HSA-id per line, or relation events."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path

from bokade_cli.errors import InputError
from bokade_cli.support.relation_events import EVENTS, Event, relations_from_events

_KEYS = {"date", "facility", "event", "facility_name", "note"}
_HINT = "The relation events format is described in sample_configs/relations/relation-events.toml."


def load_relations_file(path: Path) -> list[str]:
    """HSA-ids in file order; blank lines and `#` comments are ignored.

    A TOML file of dated relation events (see relation_events) gives the relations that exist
    after all its events, so `bokade relations explain FILE` and `--relations FILE` agree.
    """
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the relations file {path}: {getattr(exc, 'strerror', None) or exc}",
            "Give a readable UTF-8 text file with one HSA-id per line.",
        ) from None
    if is_events_file(path, content):
        return [r.facility for r in relations_from_events(parse_events(content, path)) if r.exists]
    relations = []
    for number, line in enumerate(content.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if any(c.isspace() for c in value):
            raise InputError(
                f"{path}, line {number}: {value!r} is not one HSA-id",
                "Put one HSA-id per line; use # for comments.",
            )
        relations.append(value)
    return relations


def is_events_file(path: Path, content: str) -> bool:
    """A TOML events file (by extension or an `[[events]]` table), not a plain HSA-id list."""
    return path.suffix.lower() == ".toml" or bool(
        re.search(r"^\s*\[\[\s*events\s*\]\]", content, re.M)
    )


def parse_events(content: str, path: Path) -> list[Event]:
    """Validate the TOML events file; errors name the file, the entry, its line and the key."""
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}", _HINT) from None
    unknown = sorted(set(data) - {"events", "description"})
    if unknown:
        raise InputError(f"{path}: unknown top-level key {unknown[0]!r}", _HINT)
    entries = data.get("events", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{path}: 'events' must be an array of tables ([[events]])", _HINT)
    # tomllib keeps no positions, so find each [[events]] header's line for the messages.
    lines = [
        n for n, t in enumerate(content.splitlines(), 1) if re.match(r"\s*\[\[\s*events\s*\]\]", t)
    ]
    return [
        _event(entry, f"{path}, event {i + 1}" + (f" (line {lines[i]})" if i < len(lines) else ""))
        for i, entry in enumerate(entries)
    ]


def _event(entry: dict[str, object], where: str) -> Event:
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(
            f"{where}: unknown key {unknown[0]!r}", f"Keys: {', '.join(sorted(_KEYS))}."
        )
    for key in ("date", "facility", "event"):
        if key not in entry:
            raise InputError(f"{where}: key {key!r} is missing", _HINT)
    event, facility = entry["event"], entry["facility"]
    if not isinstance(event, str) or event not in EVENTS:
        raise InputError(
            f"{where}: key 'event': {event!r} is not a known event",
            "Known events: " + ", ".join(EVENTS) + ".",
        )
    if not isinstance(facility, str) or not facility.strip() or re.search(r"\s", facility.strip()):
        raise InputError(f"{where}: key 'facility': {facility!r} is not one HSA-id", _HINT)
    for key in ("facility_name", "note"):
        if not isinstance(entry.get(key, ""), str):
            raise InputError(f"{where}: key {key!r} must be a string", _HINT)
    return Event(
        day=_day(entry["date"], where),
        facility=facility.strip(),
        event=str(event),
        facility_name=entry.get("facility_name") or None,  # type: ignore[arg-type]
        note=entry.get("note") or None,  # type: ignore[arg-type]
    )


def _day(value: object, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            f"{where}: key 'date': {value!r} is not a date", "Write dates as 2021-03-02."
        ) from None


def load_events(path: Path) -> list[Event]:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the relation events file {path}: {getattr(exc, 'strerror', None) or exc}",
            _HINT,
        ) from None
    if not is_events_file(path, content):
        raise InputError(
            f"{path} is a plain list of HSA-ids, not a file of relation events (no [[events]])",
            _HINT,
        )
    return parse_events(content, path)
