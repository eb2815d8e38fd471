"""Every VP fault code gets its own plain-language hint; other faults a generic one."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.engine.vpcodes import fault_hint, vp_code
from tests.fakeplatform import (
    AGGREGATOR,
    BASE_URL,
    care_contacts_body,
    envelope,
    fault,
    processing_status,
    scheduling_body,
)
from tests.helpers import NOW, PNR


def test_each_vp_code_has_its_own_hint() -> None:
    generic = fault_hint("Producer database unavailable")
    hints = {fault_hint(f"VP{n:03d} something went wrong") for n in range(1, 16)}
    assert len(hints) == 15 and generic not in hints


def test_the_code_is_found_where_the_platform_puts_it() -> None:
    assert vp_code("VP004 No Logical Adress found for serviceNamespace:x, receiverId:y") == "VP004"
    assert vp_code("VP013 Sender NOT on ConsumerList:10.0.0.1") == "VP013"
    assert vp_code("\n   VP009 Error connecting to service producer at address x") == "VP009"
    assert vp_code("VP016 unknown") is None
    assert vp_code("XVP0041") is None


def test_a_code_anywhere_but_first_is_not_the_platforms() -> None:
    """The platform writes its code first (`VP007 Authorization missing for ...`); a producer's
    own text that mentions one is the producer's fault, and gets the producer's hint."""
    for text in (
        "Tidboken: internal error, incident ref VP007-4711 logged",
        "Error VP013: Sender NOT on ConsumerList",
        "Producer failed (VP004 seen upstream)",
    ):
        assert vp_code(text) is None, text
        assert "TAK" not in fault_hint(text) and "producer" in fault_hint(text)


def test_a_producer_fault_quoting_a_vp_code_blames_the_producer(platform: Any) -> None:
    facility = "SE2321000016-P001"
    platform.set(
        "GetSubjectOfCareSchedule",
        AGGREGATOR,
        envelope(scheduling_body([]), processing_status([])),
    )
    platform.set(
        "GetSubjectOfCareSchedule",
        facility,
        fault("Tidboken: internal error, incident ref VP007-4711 logged"),
        status=500,
    )
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(care_contacts_body(3, [])))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))
    argv = ["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-f", "json", "-r", facility]
    doc = json.loads(CliRunner().invoke(app, argv).stdout)
    (call2,) = [c for c in doc["calls"] if c["call"] == "call2"]
    assert call2["outcome"] == "soap_fault" and "VP007-4711" in call2["message"]
    assert "authoris" not in call2["hint"] and "TAK" not in call2["hint"]
    assert "producer" in call2["hint"]
