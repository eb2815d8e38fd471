"""Read a batch file (TOML): the cases `bokade batch` collects and what each one expects.

    [defaults]                              # optional; every case starts from these
    logic = "current"                       # current | target | legacy
    relations = ["SE2321000016-A001"]       # the relation list (mottagningsrelation) ...
    relations_file = "relations.txt"        # ... and/or a file of HSA-ids, one per line
    [defaults.expect]                       # a case's own expect table wins key by key
    no_failed_sources = true

    [[cases]]                               # at least one
    name = "Tolvan, demo"                   # default "case N"; shown masked in every report
    personnummer = "19121212-1212"          # any written form; or instead:
    personnummer_file = "testpersons.txt"   # one case per number (one a line, # comments)
    relations = ["SE2321000016-R004"]       # relations/relations_file replace the defaults'
    logic = "current"
    [cases.expect]
    min_shown = 1                           # at least this many appointments shown
    max_shown = 20                          # at most this many
    shown = ["A-1000"]                      # booking ids (care contacts: documentId) shown
    not_shown = ["A-1004"]                  # booking ids that must not be shown
    reasons = { "A-1004" = "start_passed", "F-3000" = "not_received" }
    no_failed_sources = true                # no call and no ProcessingStatus source failed
    min_target_readiness = 0.5              # share of shown appointments call1 provides

A reason is a filter code (`start_passed`, ...), `shown`, `duplicate` or `not_received`.
Relative paths are read from the batch file's folder. Unknown keys are errors, so a typo never
passes a check silently. A personnummer is validated when its case runs: a wrong one fails that
case alone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bokade_cli.errors import InputError
from bokade_cli.inputs import display_name, parse_toml, quoted, read_input
from bokade_cli.models import Logic
from bokade_cli.ops.batch.expectations import Expectations, build, parse_expectations
from bokade_cli.relations import check_relation, load_relations_file

_CASE_KEYS = (
    "name",
    "personnummer",
    "personnummer_file",
    "relations",
    "relations_file",
    "logic",
    "expect",
)
_DEFAULT_KEYS = ("relations", "relations_file", "logic", "expect")
_LOGICS = ("current", "target", "legacy")
_HINT = "See the batch file format in `bokade batch --help` or sample_configs/batch/."


@dataclass(frozen=True)
class Case:
    index: int  # 1-based, after personnummer_file expansion
    name: str
    personnummer: str  # as written: parsed when the case runs
    relations: tuple[str, ...]
    logic: Logic
    expect: Expectations


@dataclass(frozen=True)
class Batch:
    path: Path
    cases: tuple[Case, ...]


def load_batch(path: Path) -> Batch:
    """Read and validate the whole file; raise InputError naming file, case and key."""
    data = _read(path)
    file = display_name(path)  # "standard input" for `-`
    for key in data:
        if key not in ("defaults", "cases"):
            raise _unknown(f"{file}: ", key, ["defaults", "cases"])
    base = Path.cwd() if str(path) == "-" else path.absolute().parent
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InputError(f"{file}: defaults must be a table ([defaults])", _HINT)
    _check_keys(defaults, _DEFAULT_KEYS, f"{file}: defaults.")
    default_relations = _relations(defaults, base, f"{file}: defaults")
    default_logic = _logic(defaults.get("logic", "current"), f"{file}: defaults.logic")
    default_expect = _expect_table(defaults, f"{file}: defaults.expect")
    tables = data.get("cases")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise InputError(f"{file}: no cases: add at least one [[cases]] table", _HINT)
    cases: list[Case] = []
    for number, table in enumerate(tables, start=1):
        name = table.get("name")
        where = f"{file}: case {number}" + (
            f" ({quoted(name, 40)})" if isinstance(name, str) else ""
        )
        _check_keys(table, _CASE_KEYS, f"{where}: ")
        if name is not None and not (isinstance(name, str) and name.strip()):
            raise InputError(f"{where}: name must be a non-empty string", _HINT)
        has_own = "relations" in table or "relations_file" in table
        relations = _relations(table, base, where) if has_own else default_relations
        logic = _logic(table.get("logic", default_logic), f"{where}: logic")
        values = default_expect | _expect_table(table, f"{where}: expect")
        expect = build(values, f"{where}: expect", _HINT)
        label = name.strip() if isinstance(name, str) else f"case {number}"
        for suffix, pnr in _numbers(table, base, where):
            cases.append(Case(len(cases) + 1, label + suffix, pnr, relations, logic, expect))
    return Batch(path, tuple(cases))


def _read(path: Path) -> dict[str, Any]:
    text = read_input(path, "batch file", "Check the path.")
    return parse_toml(text, display_name(path), "batch file")


def _unknown(where: str, key: str, known: list[str] | tuple[str, ...]) -> InputError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return InputError(f"{where}{key} is not a known key", f"{hint}Known: {', '.join(known)}.")


def _check_keys(table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            raise _unknown(where, key, known)


def _logic(value: object, where: str) -> Logic:
    if value not in _LOGICS:
        raise InputError(f"{where} must be one of {', '.join(_LOGICS)}, got {quoted(value)}", _HINT)
    return cast(Logic, value)


def _expect_table(table: dict[str, Any], where: str) -> dict[str, Any]:
    expect = table.get("expect", {})
    if not isinstance(expect, dict):
        raise InputError(f"{where} must be a table ([cases.expect] or expect = {{...}})", _HINT)
    return parse_expectations(expect, where, _HINT)


def _relations(table: dict[str, Any], base: Path, where: str) -> tuple[str, ...]:
    found = table.get("relations", [])
    if not isinstance(found, list):
        raise InputError(f"{where}: relations must be a list of HSA-ids", _HINT)
    result = [check_relation(r, f"{where}: relations[{n}]") for n, r in enumerate(found, 1)]
    if "relations_file" in table:
        path = _path(table["relations_file"], base, f"{where}: relations_file")
        try:
            result += load_relations_file(path)
        except InputError as exc:  # say which case names the file
            raise InputError(f"{where}: relations_file: {exc.message}", exc.hint) from None
    return tuple(result)


def _path(value: object, base: Path, where: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where} must be a file name, got {quoted(value)}", _HINT)
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _numbers(table: dict[str, Any], base: Path, where: str) -> list[tuple[str, str]]:
    """(name suffix, personnummer as written) for the case, or one per line of its file."""
    single, listed = table.get("personnummer"), table.get("personnummer_file")
    if (single is None) == (listed is None):
        raise InputError(f"{where}: give exactly one of personnummer and personnummer_file", _HINT)
    if single is not None:
        # TOML reads 191212121212 without quotes as an integer; the number is meant all the same.
        if isinstance(single, int) and not isinstance(single, bool):
            single = str(single)
        if not isinstance(single, str):
            raise InputError(
                f"{where}: personnummer must be a string, got a {type(single).__name__}", _HINT
            )
        return [("", single)]
    path = _path(listed, base, f"{where}: personnummer_file")
    try:
        lines = read_input(path, "personnummer file", "Check the path.").splitlines()
    except InputError as exc:
        raise InputError(f"{where}: personnummer_file: {exc.message}", exc.hint) from None
    numbers = [
        (f", {path.name} line {n}", line.split("#", 1)[0].strip())
        for n, line in enumerate(lines, start=1)
        if line.split("#", 1)[0].strip()
    ]
    if not numbers:
        raise InputError(
            f"{where}: personnummer_file {path} holds no numbers", "Put one number per line."
        )
    return numbers
