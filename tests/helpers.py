"""Constants and checks the tests share (conftest.py holds only fixtures)."""

from __future__ import annotations

import html
import json
import os
import re
import select
import unicodedata
from pathlib import Path
from typing import Any

PNR = "191212121212"
PNR_MASKED = "19121212-****"
NOW = "2026-11-26T12:00:00+01:00"
# Every ASCII written form of the test number, for quick leak scans (tests/test_trust.py
# normalises Unicode forms too).
PNR_FORMS = (
    "191212121212",
    "19121212-1212",
    "19121212+1212",
    "121212-1212",
    "121212+1212",
    "1212121212",
)


def assert_conserved(doc: dict[str, Any]) -> None:
    """Every record received appears exactly once with one verdict; counts agree."""
    received = sum(c["records"] for c in doc["calls"])
    summary = doc["summary"]
    assert summary["received"] == received == len(doc["appointments"])
    assert summary["received"] == summary["shown"] + summary["duplicate"] + summary["filtered"]
    ids = [a["id"] for a in doc["appointments"]]
    assert len(ids) == len(set(ids))
    shown = {a["id"] for a in doc["appointments"] if a["verdict"] == "shown"}
    for a in doc["appointments"]:
        assert (a["reason"] is not None) == (a["verdict"] == "filtered")
        if a["verdict"] == "duplicate":
            assert a["duplicate_of"] in shown and a["match"]


def by_booking(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["booking_id"]: a for a in doc["appointments"]}


def digits(text: str) -> str:
    """What a reader makes of a text: references and visible escapes undone, then only its
    digits (any script, as ASCII), ASCII letters and the mask's stars; the rest dropped."""
    text = re.sub(r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\[ntr]", "", html.unescape(text))
    out = []
    for char in unicodedata.normalize("NFKC", text):
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            out.append(str(digit))
        elif (char.isascii() and char.isalpha()) or char == "*":
            out.append(char)
    return "".join(out)


def leaks(text: str) -> bool:
    """Whether `text` holds the test number in any form (or its samordningsnummer form)."""
    return any(number in digits(text) for number in ("1212121212", "1212721212"))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def assert_clean_capture(path: Path) -> dict[str, Any]:
    """The capture at `path` holds no form of the test number, in its text or any value."""
    raw = path.read_text(encoding="utf-8")
    assert not leaks(raw), raw
    document = json.loads(raw)
    for text in _strings(document):
        assert not leaks(text), text
    return dict(document)


def read_terminal(master: int, timeout: float = 60) -> bytes:
    """All a child wrote to its pseudo-terminal until it closed it (EOF, or EIO on Linux) or
    went quiet for `timeout` seconds; closes `master`."""
    chunks = []
    while select.select([master], [], [], timeout)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return b"".join(chunks)
