"""The one XML parser (hardened xmltodict over expat) and helpers to read its namespaced tree."""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

import xmltodict

from bokade_cli.errors import InvalidResponse

SEP = "|"  # never valid inside a local name, unlike ":" (a URI may hold it: keys split at the last)
# xmltodict marks attributes and an element's text with keys of its own, "@name" and "#text" by
# default; a namespace URI may start with "@" or "#", so an element in namespace "#urn:x" read
# as text and went unread and unnoted. Its keys start with \x01 here, a character no XML 1.0
# document can hold (not even as a reference): no element key can look like one.
MARK = "\x01"
ATTR = MARK + "@"  # an attribute's key: ATTR + "{namespace}|{local}" (or its bare local name)
TEXT = MARK + "#"  # the text of an element that also has attributes or children
DECLARED = ATTR + "xmlns"  # where xmltodict keeps an element's namespace declarations
MAX_DEPTH = 200  # real answers are < 15 deep; this only stops pathological nesting

Node = Any  # what xmltodict yields: dict, str, list or None


class _HardenedExpat:
    """Stands in for the `expat` module so every parser xmltodict creates is hardened.

    xmltodict already refuses entity declarations; SOAP forbids any DOCTYPE at all, and we
    also cap element depth so a deeply nested answer cannot exhaust memory.
    """

    ExpatError = expat.ExpatError

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - mirrors expat's API
        return _GuardedParser(expat.ParserCreate(*args, **kwargs))


class _GuardedParser:
    def __init__(self, parser: Any) -> None:
        object.__setattr__(self, "_parser", parser)
        object.__setattr__(self, "_depth", [0])  # a cell the two closures share
        parser.StartDoctypeDeclHandler = _forbid_doctype
        parser.ProcessingInstructionHandler = None
        # Refuse external entities outright; nothing is ever read from disk or network.
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)

    def __setattr__(self, name: str, value: Any) -> None:
        depth = self._depth
        if name == "StartElementHandler":
            inner_start = value

            def value(name: str, attrs: Any) -> Any:
                depth[0] += 1
                if depth[0] > MAX_DEPTH:
                    raise ValueError(f"elements nested deeper than {MAX_DEPTH} levels")
                return inner_start(name, attrs)

        elif name == "EndElementHandler":
            inner_end = value

            def value(name: str) -> Any:
                depth[0] -= 1
                return inner_end(name)

        setattr(self._parser, name, value)


def _forbid_doctype(*_args: Any) -> None:
    raise ValueError("a DOCTYPE declaration (SOAP forbids it)")


def parse_xml(data: bytes) -> dict[str, Node]:
    """Parse bytes into a tree keyed `"{namespace}|{local}"`; raise InvalidResponse on anything odd."""
    if not data.strip():
        raise InvalidResponse("the response body is empty", "The producer or platform sent no XML.")
    try:
        tree = xmltodict.parse(
            data,
            expat=_HardenedExpat,
            process_namespaces=True,
            namespace_separator=SEP,  # keys stay expat's own "uri|local": no renaming work
            attr_prefix=ATTR,
            cdata_key=TEXT,
            disable_entities=True,
            # NOTE: values are read as XML Schema reads them: a time is a pattern-restricted
            # string, so " 20261201100000 " is not a time; text() strips where a type allows it.
            strip_whitespace=False,
        )
    except LookupError as exc:  # an XML declaration naming an encoding Python does not know
        raise InvalidResponse(
            f"the response declares an unknown encoding ({exc})",
            "The producer or platform must answer in UTF-8; report it with the correlation id.",
        ) from None
    except ValueError as exc:
        raise InvalidResponse(
            f"the response is refused: {exc}",
            "The answer is not acceptable SOAP; report it with the correlation id.",
        ) from None
    except expat.ExpatError as exc:
        raise InvalidResponse(
            f"the response is not well-formed XML ({expat.ErrorString(exc.code)}, "
            f"line {exc.lineno})",
            "The producer or platform sent a broken answer; report it with the correlation id.",
        ) from None
    if not isinstance(tree, dict):
        raise InvalidResponse(
            "the response has no root element", "Report it with the correlation id."
        )
    return tree


def key(ns: str, local: str) -> str:
    return f"{ns}{SEP}{local}" if ns else local


def split_key(name: str) -> tuple[str, str]:
    ns, _, local = name.rpartition(SEP)
    return ns, local


def child(node: Node, ns: str, local: str) -> Node:
    """The first child element named {ns}local, or None."""
    if not isinstance(node, dict):
        return None
    value = node.get(key(ns, local))
    if isinstance(value, list):
        return value[0] if value else None
    return value


def children(node: Node, ns: str, local: str) -> list[Node]:
    """All child elements named {ns}local, in document order."""
    if not isinstance(node, dict):
        return []
    value = node.get(key(ns, local))
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(node: Node) -> str | None:
    """Element text with surrounding whitespace removed; an empty element counts as absent."""
    if isinstance(node, dict):
        node = node.get(TEXT)
    if isinstance(node, list):  # repeated where one was expected: the first one counts
        return text(node[0]) if node else None
    if not isinstance(node, str):
        return None
    node = node.strip()
    return node or None


COMPLEX = "(element content)"  # what a value made of child elements reads as


def raw_value(node: Node) -> str | None:
    """The value exactly as written (no stripping); empty is absent, child elements are COMPLEX.

    For pattern-restricted strings such as the contracts' timestamps, where surrounding
    whitespace makes the value invalid rather than being ignored.
    """
    if isinstance(node, list):  # repeated where one was expected: the first one counts
        return raw_value(node[0]) if node else None
    if isinstance(node, dict):
        if element_names(node):
            return COMPLEX
        node = node.get(TEXT)
    if not isinstance(node, str) or node == "":
        return None
    return node


def path_text(node: Node, ns: str, *locals_: str) -> str | None:
    for local in locals_:
        node = child(node, ns, local)
    return text(node)


def boolean(value: str | None) -> bool | None:
    """xs:boolean lexical space ('true', 'false', '1', '0'); anything else is unknown (None)."""
    if value is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(value.strip())


def element_names(node: Node) -> list[str]:
    """The child element keys of a node (attributes and text excluded)."""
    if not isinstance(node, dict):
        return []
    return [k for k in node if not k.startswith(MARK)]
