"""What a contract's answer may hold, element by element, so the parser can name all it did not read.

A shape maps each element key ("{namespace}|{local}") the parser knows to the shape of its
children (None: a value). `unread` walks a received tree against it and says, with a short path,
every element outside the shape: unknown, misspelt, in an unexpected namespace, or an extension
the contract allows but bokade does not read. "Nothing is silently dropped" (SPEC §2.2).

Every element a shape names may occur once (true of everything inside a record and inside a
ProcessingStatusList entry), so `unread` also notes each one given more than once: how the
parser reads it (`contracts.values`) depends on whether the repeats agree.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from bokade_cli.quoting import quote
from bokade_cli.xmlparse import Node, element_names, key, raw_value, split_key

Shape = Mapping[str, "Shape | None"]


def shape(ns: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A shape from local names in one namespace; a field's value is its children's shape or None."""
    return {key(ns, local): sub for local, sub in fields.items()}


def unread(node: Node, known: Shape, path: str) -> list[str]:
    """A note for every element under `node` that `known` does not name, recursively."""
    notes: list[str] = []
    for item in node if isinstance(node, list) else [node]:
        _walk(item, known, path, notes)
    return notes


def _walk(node: Node, known: Shape, path: str, notes: list[str]) -> None:
    if not isinstance(node, dict):
        return
    for name in element_names(node):
        if name in known:
            sub = known[name]
            local = split_key(name)[1]
            values = node[name] if isinstance(node[name], list) else [node[name]]
            if len(values) > 1:
                notes.append(repeated(f"{path}/{local}", values))
            for value in values:
                if sub is not None:
                    _walk(value, sub, f"{path}/{local}", notes)
                elif element_names(value):
                    notes.append(
                        f"{path}/{local} holds child elements where a value belongs: not read"
                    )
            continue
        notes.append(f"{path}: {describe(name, known)}")


def repeated(path: str, values: list[Node]) -> str:
    """A note on an element the contract allows once, given len(values) times."""
    times = f"{path} is given {len(values)} times"
    if all(v == values[0] for v in values[1:]):
        return f"{times} with the same value: read once"
    if any(element_names(v) for v in values):
        return f"{times} with different content: doubtful, so nothing in it is trusted"
    quoted = ", ".join(_quoted(v) for v in values[:3]) + (", ..." if len(values) > 3 else "")
    return f"{times} with different values ({quoted}): doubtful, so it is not trusted"


def _quoted(value: Node) -> str:
    raw = raw_value(value)
    return "(empty)" if raw is None else quote(raw)


def describe(name: str, known: Iterable[str]) -> str:
    """Why an element was not read, naming the element and what it may have meant."""
    ns, local = split_key(name)
    where = f" ({{{ns}}})" if ns else " (no namespace)"
    same_local = [k for k in known if split_key(k)[1] == local]
    if same_local:
        expected = split_key(same_local[0])[0] or "no namespace"
        return f"{local}{where} is in an unexpected namespace (expected {{{expected}}}): not read"
    close = difflib.get_close_matches(local, [split_key(k)[1] for k in known], n=1, cutoff=0.8)
    if close:
        return f"unknown element {local}{where}, not read (misspelt {close[0]}?)"
    return f"unknown element {local}{where}, not read"
