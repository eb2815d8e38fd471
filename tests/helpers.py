"""Constants and checks the tests share (conftest.py holds only fixtures)."""

from __future__ import annotations

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
