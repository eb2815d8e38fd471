"""The citizen's relation list (mottagningsrelation): one reader for flags, files, events and batches.

Every entry is checked the same way wherever it comes from: surrounding whitespace and a byte
order mark are dropped, CRLF and `#` comments are fine, and each entry must be one HSA-id of a
documented form (bokade_cli.hsa). A comma-separated line, a space inside an entry, an empty
entry or a personnummer pasted by mistake is refused, naming file and line, because a wrong
entry silently changes which facilities are called and so the diagnosis.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from bokade_cli.controls import kinds_of
from bokade_cli.errors import InputError
from bokade_cli.hsa import FORMS, is_hsa_id
from bokade_cli.inputs import display_name, parse_toml, read_input
from bokade_cli.quoting import quote, quote_value
from bokade_cli.relation_events import EVENTS, Event, relations_from_events

_KEYS = {"date", "facility", "event", "facility_name", "note"}
_HINT = "The relation events format is described in sample_configs/relations/relation-events.toml."
_LIST_HINT = "Put one HSA-id per line (# starts a comment); e.g. SE2321000016-A001."


def check_relation(value: object, where: str) -> str:
    """One relation entry, stripped; InputError naming `where` when it is not one HSA-id."""
    if not isinstance(value, str):
        raise InputError(f"{where}: {type(value).__name__} is not an HSA-id", _LIST_HINT)
    entry = value.strip().lstrip("\ufeff").strip()
    if is_hsa_id(entry):
        return entry
    if not entry:
        problem = "an empty entry"
    elif "," in entry or ";" in entry:
        problem = "a list of several entries on one line"
    elif _looks_like_personnummer(entry):
        problem = "a personnummer (not shown), not an HSA-id"
    elif kinds_of(entry):
        # Quoted as it is (the output boundary shows it escaped), and named: "holds a line break".
        problem = f"{quote(entry)} holds {' and '.join(kinds_of(entry))}"
    else:
        problem = f"{quote(entry)} is not {FORMS}"
    return _refuse(where, problem)


def _refuse(where: str, problem: str) -> str:
    raise InputError(f"{where}: {problem}", _LIST_HINT)


def _looks_like_personnummer(entry: str) -> bool:
    from bokade_cli.errors import BokadeError
    from bokade_cli.personnummer import parse_personnummer

    try:
        parse_personnummer(entry)
    except BokadeError:
        return False
    return True


def relations_from(
    flags: list[str] | None, file: Path | None, profile_file: Path | None = None
) -> list[str]:
    """--relation flags (in order), then --relations FILE or else the profile's relations_file."""
    found = [check_relation(value, f"--relation {n}") for n, value in enumerate(flags or [], 1)]
    path = file or profile_file
    if path is not None:
        found += load_relations_file(path)
    return found


def load_relations_file(path: Path) -> list[str]:
    """HSA-ids in file order (`-` reads stdin); blank lines and `#` comments are ignored.

    A TOML file of dated relation events (see relation_events) gives the relations that exist
    after all its events, so `bokade relations explain FILE` and `--relations FILE` agree.
    """
    content = read_input(path, "relations file", _LIST_HINT)
    if is_events_file(path, content):
        return [r.facility for r in relations_from_events(parse_events(content, path)) if r.exists]
    name = display_name(path)
    relations = []
    for number, line in enumerate(content.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if value:
            relations.append(check_relation(value, f"{name}, line {number}"))
    return relations


def is_events_file(path: Path, content: str) -> bool:
    """A TOML events file (by extension or an `[[events]]` table), not a plain HSA-id list."""
    return path.suffix.lower() == ".toml" or bool(
        re.search(r"^\s*\[\[\s*events\s*\]\]", content, re.M)
    )


def parse_events(content: str, path: Path) -> list[Event]:
    """Validate the TOML events file; errors name the file, the entry, its line and the key."""
    name = display_name(path)
    data = parse_toml(content, name, "relation events file")
    unknown = sorted(set(data) - {"events", "description"})
    if unknown:
        raise InputError(f"{name}: unknown top-level key {quote(unknown[0])}", _HINT)
    entries = data.get("events", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{name}: 'events' must be an array of tables ([[events]])", _HINT)
    # tomllib keeps no positions, so find each [[events]] header's line for the messages.
    lines = [
        n for n, t in enumerate(content.splitlines(), 1) if re.match(r"\s*\[\[\s*events\s*\]\]", t)
    ]
    return [
        _event(entry, f"{name}, event {i + 1}" + (f" (line {lines[i]})" if i < len(lines) else ""))
        for i, entry in enumerate(entries)
    ]


def _event(entry: dict[str, object], where: str) -> Event:
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(
            f"{where}: unknown key {quote(unknown[0])}", f"Keys: {', '.join(sorted(_KEYS))}."
        )
    for key in ("date", "facility", "event"):
        if key not in entry:
            raise InputError(f"{where}: key {key!r} is missing", _HINT)
    event = entry["event"]
    if not isinstance(event, str) or event not in EVENTS:
        raise InputError(
            f"{where}: key 'event': {quote_value(event)} is not a known event",
            "Known events: " + ", ".join(EVENTS) + ".",
        )
    facility = check_relation(entry["facility"], f"{where}: key 'facility'")
    for key in ("facility_name", "note"):
        if not isinstance(entry.get(key, ""), str):
            raise InputError(f"{where}: key {key!r} must be a string", _HINT)
    return Event(
        day=_day(entry["date"], where),
        facility=facility,
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
            f"{where}: key 'date': {quote_value(value)} is not a date", "Write dates as 2021-03-02."
        ) from None


def load_events(path: Path) -> list[Event]:
    content = read_input(path, "relation events file", _HINT)
    if not is_events_file(path, content):
        raise InputError(
            f"{display_name(path)} is a plain list of HSA-ids, not a file of relation events "
            "(no [[events]])",
            _HINT,
        )
    return parse_events(content, path)
