"""Write a parse_xml tree back as XML, every name and value rewritten (masked) on the way: captures.

parse_xml reads what this writes back as the same tree (but for the namespace declarations,
which all go on the root element), provided the rewrite keeps names apart: two names or
namespaces that differ must still differ once rewritten, or an element would gain a duplicate
attribute and the answer would no longer parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from bokade_cli.controls import UNSAFE_CLASS
from bokade_cli.xmlparse import ATTR, DECLARED, TEXT, Node, element_names, split_key

# The one namespace a prefix may not be declared for: its prefix is always "xml" (xml:lang).
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

# Characters written as character references: legal XML text that must never sit raw in a
# capture (SPEC §7); a reference reads back as the same value. The set is the one the output
# boundary escapes and replay refuses raw (bokade_cli.controls).
_ESCAPED = re.compile(f"[&<>{UNSAFE_CLASS}]")
_ESCAPED_IN_QUOTES = re.compile(f'[&<>"{UNSAFE_CLASS}]')
_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


class Rewrite(Protocol):
    """How each part of a tree is written: every value, local name and namespace URI."""

    def value(self, text: str) -> str: ...

    def local(self, name: str) -> str: ...  # must return an XML name without a colon

    def namespace(self, uri: str) -> str: ...


def _reference(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"&#x{ord(char):X};"


def escape(value: str, quote: bool = False) -> str:
    return (_ESCAPED_IN_QUOTES if quote else _ESCAPED).sub(_reference, value)


def _string(value: Node) -> str:
    # NOTE: parse_xml gives every attribute and text as a string. Anything else here would be
    # a bug, and str() of it (a dict's repr) would slip past masking: fail loudly instead.
    if not isinstance(value, str):
        raise TypeError(f"an XML value that is not text: {type(value).__name__}")
    return value


def serialise(tree: dict[str, Node], rewrite: Rewrite) -> str:
    """`tree` (from parse_xml) as XML text, with `rewrite` applied to every part of it."""
    prefixes: dict[str, str] = {}  # written namespace -> its prefix

    def name(key: str) -> str:
        ns, local = split_key(key)
        written = rewrite.local(local)
        if not ns:
            return written
        if ns == XML_NAMESPACE:  # expat refuses any other prefix bound to it
            return f"xml:{written}"
        prefix = prefixes.setdefault(rewrite.namespace(ns), f"ns{len(prefixes)}")
        return f"{prefix}:{written}"

    def element(key: str, node: Node) -> str:
        tag = name(key)
        if node is None:
            return f"<{tag}/>"
        if isinstance(node, str):
            return f"<{tag}>{escape(rewrite.value(node))}</{tag}>"
        if not isinstance(node, dict):
            raise TypeError(f"an XML element that is not a tree: {type(node).__name__}")
        attrs = "".join(
            f' {name(k[len(ATTR) :])}="{escape(rewrite.value(_string(v)), quote=True)}"'
            for k, v in node.items()
            if k.startswith(ATTR) and k != DECLARED
        )
        inner = escape(rewrite.value(_string(node[TEXT]))) if TEXT in node else ""
        for child_key in element_names(node):
            values = node[child_key]
            for value in values if isinstance(values, list) else [values]:
                inner += element(child_key, value)
        return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"

    body = "".join(element(k, v) for k, v in tree.items() if k in element_names(tree))
    declarations = "".join(f' xmlns:{p}="{escape(ns, quote=True)}"' for ns, p in prefixes.items())
    # The declarations go on the root element: insert them after its name.
    root_end = next(i for i, c in enumerate(body) if c in " />")
    return body[:root_end] + declarations + body[root_end:]


def values(tree: Node) -> Iterator[str]:
    """Every text and attribute value in a parse_xml tree, in document order."""
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, list):
        for item in tree:
            yield from values(item)
    elif isinstance(tree, dict):
        for key, item in tree.items():
            if key != DECLARED:
                yield from values(item)
