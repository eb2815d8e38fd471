"""Reading an element the contract allows once: repeats that agree count once, repeats that differ
are doubtful, and a doubtful value is never trusted.

xmltodict gives a repeated element as a list, and taking its first item would let a producer
that writes `approvedForPatient` twice (true, false) have its record shown on the word it
happened to write first. A doubtful value is read the way that does not show the record: a
doubtful time is not a valid time, a doubtful facility is missing, a doubtful approval is not
an approval, a doubtful `nullified` is nullified and a doubtful status is not booked; a
doubtful id or name is not used. The repeat itself is noted by `shape.unread`.
"""

from __future__ import annotations

from typing import Final

from bokade_cli.xmlparse import Node, key, raw_value, text

# What a doubtful value reads as where the value is quoted (the offending value of a filter).
DOUBTFUL_TEXT: Final = "(given more than once, with different values)"


class _Doubtful:
    """The value of an element given more than once with different values."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DOUBTFUL"


DOUBTFUL: Final = _Doubtful()


def pick(found: Node) -> Node:
    """One element's value as found under its key: a list is a repeat, one value if all agree."""
    if not isinstance(found, list):
        return found
    if found and all(item == found[0] for item in found[1:]):
        return found[0]
    return DOUBTFUL


def one(node: Node, ns: str, local: str) -> Node:
    """The child {ns}local the contract allows once; inside a doubtful element all is doubtful."""
    if node is DOUBTFUL:
        return DOUBTFUL
    if not isinstance(node, dict):
        return None
    return pick(node.get(key(ns, local)))


def at(node: Node, ns: str, *locals_: str) -> Node:
    """Down a path of elements each allowed once (see `one`)."""
    for local in locals_:
        node = one(node, ns, local)
    return node


def value(node: Node, doubtful: str | None = None) -> str | None:
    """The text without surrounding whitespace (empty is absent); a doubtful value reads as
    `doubtful`: None (not used) unless the caller quotes it."""
    return doubtful if node is DOUBTFUL else text(node)


def raw(node: Node) -> str | None:
    """The value as written, for pattern-restricted times; a doubtful one is not a valid time."""
    return DOUBTFUL_TEXT if node is DOUBTFUL else raw_value(node)


def is_doubtful(node: Node) -> bool:
    return node is DOUBTFUL
