"""A facility call1's ProcessingStatus lists more than once, with statuses that disagree.

1177 excludes a facility from call2 once call1 called it, however it is listed; which listing
comes last must not decide the diagnosis: any failed listing means its bookings may be lost.
Through the CLI against a hostile platform on loopback, and against the simulator's own
answers with one listing added.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from itertools import permutations
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario
from tests.fakeplatform import (
    AGGREGATOR,
    care_contacts_body,
    envelope,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR
from tests.hostile import Reply, hostile_server, rewriting
from tests.support_sim import CLINIC_RELATIONS, DATA, invoke, relation_args

A001, G001 = "SE2321000016-A001", "SE2321000016-G001"
FAILED = {"logicalAddress": G001, "statusCode": "NoDataSynchFailed", "text": "timeout"}
ANSWERED = {"logicalAddress": G001.lower(), "statusCode": "DataFromSource"}
FROM_CACHE = {"logicalAddress": G001, "statusCode": "DataFromCache"}


def _platform(
    listings: list[dict[str, str]], direct: list[tuple[str, str]]
) -> Callable[..., Reply]:
    """call1 lists A001 and `listings`; a direct call to G001 would find booking G-1."""

    def answer(contract: str, address: str) -> Reply:
        if contract == "GetSubjectOfCareSchedule" and address == AGGREGATOR:
            header = processing_status(
                [{"logicalAddress": A001, "statusCode": "DataFromSource"}, *listings]
            )
            slots = [slot(A001, "20261201100000", "A-1")]
            return 200, {}, envelope(scheduling_body(slots), header).encode()
        if contract == "GetSubjectOfCareSchedule":
            direct.append((contract, address))
            return (
                200,
                {},
                envelope(scheduling_body([slot(address, "20261202100000", "G-1")])).encode(),
            )
        version = int(contract[-1])
        return 200, {}, envelope(care_contacts_body(version, [])).encode()

    return answer


def _run(url: str, *args: str) -> Any:
    argv = [*args[:1], PNR, "--base-url", url, "--relation", G001, *args[1:]]
    result = CliRunner().invoke(app, [*argv, "--format", "json", "--now", NOW])
    result.doc = json.loads(result.stdout) if result.stdout.strip() else None
    return result


def _call(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["calls"] if c["call"] == name)


@pytest.mark.parametrize("order", list(permutations([FAILED, ANSWERED])))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_failed_listing_wins_whatever_the_order(order: tuple[dict[str, str], ...]) -> None:
    direct: list[tuple[str, str]] = []
    with hostile_server(_platform(list(order), direct)) as url:
        collected = _run(url, "collect")
        explained = _run(url, "explain", "--facility", G001)
        compared = _run(url, "compare")
    assert collected.exit_code == 3, collected.output
    call1, call2 = _call(collected.doc, "call1"), _call(collected.doc, "call2")
    assert not collected.doc["complete"]
    assert call2["outcome"] == "skipped" and "failed there" in call2["message"]
    (note,) = [n for n in call1["notes"] if "times with different statuses" in n]
    assert "2 times" in note and "NoDataSynchFailed" in note and "DataFromSource" in note
    assert "may be missing" in note
    assert [s["logical_address"] for s in call1["sources"]] == [
        A001,
        *(s["logicalAddress"] for s in order),
    ]  # listed as received: the JSON keeps every listing

    assert explained.exit_code == 3, explained.output
    codes = [f["code"] for f in explained.doc["findings"]]
    assert codes == [
        "not_received",
        "call1_source_failed",
        "in_relation_list",
        "call2_excluded_lost",
        "call3_answered",
        "call3_answered",
        "hint_retry",
    ]  # not call1_answered + hint_ask_facility: the facility is not to blame
    message = {f["code"]: f["message"] for f in explained.doc["findings"]}["call1_source_failed"]
    assert "lists it 2 times" in message

    (row,) = [a for a in compared.doc["appointments"] if a["booking_id"] == "G-1"]
    assert row["missing"]["current"]["code"] == "call2_excluded_lost"
    # The exclusion is 1177's: only compare's `all` run called G001 directly, once per run.
    assert direct == [("GetSubjectOfCareSchedule", G001)]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_listings_that_each_say_it_answered_are_noted_and_excluded() -> None:
    direct: list[tuple[str, str]] = []
    with hostile_server(_platform([ANSWERED, FROM_CACHE], direct)) as url:
        collected = _run(url, "collect")
        explained = _run(url, "explain", "--facility", G001)
    assert collected.exit_code == 0, collected.output
    assert collected.doc["complete"]
    (note,) = [n for n in _call(collected.doc, "call1")["notes"] if "different statuses" in n]
    assert "each says it answered" in note
    assert _call(collected.doc, "call2")["outcome"] == "skipped"
    codes = [f["code"] for f in explained.doc["findings"]]
    assert codes[:4] == ["not_received", "call1_answered", "in_relation_list", "call2_excluded"]
    assert "unread_element" not in codes  # the listings were read: the note is no unread element
    assert direct == []


def test_a_facility_listed_twice_alike_is_not_noted() -> None:
    twice = [ANSWERED, {**ANSWERED, "logicalAddress": G001}]
    with hostile_server(_platform(twice, [])) as url:
        collected = _run(url, "collect")
    assert collected.exit_code == 0, collected.output
    assert _call(collected.doc, "call1")["notes"] == []


# --- the simulator's own answer, with the lost facility listed once more as answered -----------

F002 = "SE2321000016-F002"  # clinic.toml: slower than the aggregation timeout, so it fails in call1
AGAIN = (
    f"<ProcessingStatusList><logicalAddress>{F002.lower()}</logicalAddress>"
    "<statusCode>DataFromSource</statusCode></ProcessingStatusList>"
)


def _listed_again(where: str) -> Callable[[str, str, Reply], Reply]:
    def rewrite(contract: str, address: str, reply: Reply) -> Reply:
        status, headers, body = reply
        if contract != "GetSubjectOfCareSchedule" or address != AGGREGATOR:
            return reply
        text = body.decode()
        if where == "first":
            text = text.replace("<ProcessingStatusList>", AGAIN + "<ProcessingStatusList>", 1)
        else:
            end = text.rindex("</ProcessingStatusList>") + len("</ProcessingStatusList>")
            text = text[:end] + AGAIN + text[end:]
        return status, headers, text.encode()

    return rewrite


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_simulators_lost_facility_stays_lost_when_listed_again_as_answered(where: str) -> None:
    simulator = Simulator(load_scenario(str(DATA / "clinic.toml")), now=datetime.fromisoformat(NOW))
    with rewriting(simulator, _listed_again(where)) as url:
        result = invoke(
            "explain", PNR, "--base-url", url, *relation_args(CLINIC_RELATIONS), "--facility", F002
        )
    assert result.exit_code == 3, result.output
    codes = [f["code"] for f in result.doc["findings"]]
    assert codes == [
        "not_received",
        "call1_source_failed",
        "in_relation_list",
        "call2_excluded_lost",
        *["call3_answered", "call3_source_failed"] * 2,
        "hint_retry",
    ]  # as without the second listing (tests/test_explain.py, lost-after-call1-failure)
    assert not simulator.requests.count("GetSubjectOfCareSchedule", F002, "direct")
