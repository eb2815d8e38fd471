"""A capture judges on replay exactly as the live run did, though it holds no form of the number.

Values that differ live but mask alike (booking ids, facilities, names, namespaces), and times
that hold the number, used to replay with other verdicts or not at all (review 2, finding 3).
Through the CLI against a hostile platform on loopback: live run, capture, replay, compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import (
    AGGREGATOR,
    care_contacts_body,
    contact,
    envelope,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR, assert_clean_capture
from tests.hostile import Reply, hostile_server

F = "SE2321000016-A001"
SOON = "20261203100000"
# The test number is 191212121212: 2027-12-12 12:12:12 holds its ten-digit form (in the
# seconds), 1912-12-12 12:12 its twelve digits (in the minute).
HELD_IN_SECONDS = "20271212121212"
HELD_IN_MINUTE = "19121212121200"


class Platform:
    """call1's slots and call3-v3's contacts for the next run; every other answer empty."""

    def __init__(self) -> None:
        self.slots: list[dict[str, object]] = []
        self.contacts: list[dict[str, str | None]] = []

    def __call__(self, contract: str, address: str) -> Reply:
        if contract == "GetSubjectOfCareSchedule":
            slots = self.slots if address == AGGREGATOR else []
            header = processing_status([{"logicalAddress": F, "statusCode": "DataFromSource"}])
            return 200, {}, envelope(scheduling_body(slots), header).encode()
        version = 3 if contract.endswith("3") else 2
        contacts = self.contacts if version == 3 else []
        return 200, {}, envelope(care_contacts_body(version, contacts)).encode()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Platform]]:
    platform = Platform()
    with hostile_server(platform) as url:
        yield url, platform


def _verdicts(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("id", "call", "verdict", "reason", "duplicate_of", "match")
    return [tuple(a[k] for k in keys) for a in doc["appointments"]]


def _calls(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c["call"], c["outcome"], c["records"], len(c["notes"])) for c in doc["calls"]]


def _live_and_replay(url: str, path: Path) -> tuple[Any, Any]:
    argv = ["collect", PNR, "--base-url", url, "--now", NOW, "-f", "json"]
    live = CliRunner().invoke(app, [*argv, "--save-capture", str(path)])
    assert live.exit_code in (0, 3), live.output
    replayed = CliRunner().invoke(app, ["replay", str(path), "-f", "json"])
    assert replayed.exit_code == live.exit_code, replayed.output
    return json.loads(live.stdout), json.loads(replayed.stdout)


def _assert_judged_alike(url: str, path: Path) -> tuple[Any, Any]:
    live, replayed = _live_and_replay(url, path)
    assert _verdicts(replayed) == _verdicts(live)
    assert _calls(replayed) == _calls(live)
    assert (replayed["summary"], replayed["complete"]) == (live["summary"], live["complete"])
    assert_clean_capture(path)
    return live, replayed


# Each case as the review found it, or as the same cause shows elsewhere.
SLOTS = {
    "attribute names that mask alike": [
        slot(F, SOON, "B1", extra='<urn1:x a191212121212="1" a121212-1212="2"/>')
    ],
    "attribute namespaces that mask alike": [
        slot(
            F,
            SOON,
            "B1",
            extra='<urn1:x xmlns:p="urn:191212121212" xmlns:q="urn:121212-1212" p:a="1" q:a="2"/>',
        )  # fmt: skip
    ],
    "element names that mask alike": [
        slot(
            F,
            SOON,
            "B1",
            extra="<urn1:x191212121212>1</urn1:x191212121212><urn1:x121212-1212>2</urn1:x121212-1212>",
        )  # fmt: skip
    ],
    "element namespaces that mask alike": [
        slot(
            F,
            SOON,
            "B1",
            extra='<z:x xmlns:z="urn:a:191212121212">1</z:x><y:x xmlns:y="urn:a:121212-1212">2</y:x>',
        )  # fmt: skip
    ],
    "an xml:lang attribute": [slot(F, SOON, "B1", extra='<urn1:x xml:lang="sv">1</urn1:x>')],
    "booking ids that mask alike": [
        slot(F, SOON, "191212121212"),
        slot(F, "20261203110000", "121212-1212"),
    ],
    "a booking id written masked beside the number": [
        slot(F, SOON, "19121212-****"),
        slot(F, "20261203110000", "191212121212"),
    ],
    "facilities that mask alike": [
        slot("SE191212121212", SOON, "B1"),
        slot("SE121212-1212", SOON, "B2"),
    ],
    "facilities that differ in case only": [
        slot("se191212121212", SOON, "B1"),
        slot("SE191212121212 ", SOON, "B2"),
    ],
    "an end and a start holding the number in the minute": [
        slot(F, SOON, "B1", end=HELD_IN_MINUTE),
        slot(F, HELD_IN_MINUTE, "B2"),
    ],
    "starts holding the number in the seconds": [
        slot(F, HELD_IN_SECONDS, "B1"),
        slot(F, HELD_IN_SECONDS[:12] + "30", "B2"),  # the same minute: a duplicate of B1
        slot(F, "20271212121300", "B3"),  # the next minute: shown
    ],
}


@pytest.mark.parametrize("slots", SLOTS.values(), ids=list(SLOTS))
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_replays_with_the_live_verdicts(
    served: tuple[str, Platform], tmp_path: Path, slots: list[dict[str, object]]
) -> None:
    url, platform = served
    platform.slots, platform.contacts = slots, []
    _assert_judged_alike(url, tmp_path / "c.json")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_verdicts_the_review_saw_change_stay(
    served: tuple[str, Platform], tmp_path: Path
) -> None:
    """The review's cases, by verdict: what was shown stays shown, what passed stays passed."""
    url, platform = served
    platform.slots = [
        slot(F, SOON, "191212121212"),
        slot(F, "20261203110000", "121212-1212"),
        slot(F, HELD_IN_SECONDS, "B1"),
        slot(F, HELD_IN_SECONDS[:12] + "30", "B2"),
        slot(F, "20271212121300", "B3"),
        slot(F, "20261204100000", "B4", end=HELD_IN_MINUTE),
        slot(F, HELD_IN_MINUTE, "B5"),
    ]
    _, replayed = _assert_judged_alike(url, tmp_path / "c.json")
    verdicts = [(a["verdict"], a["reason"], a["match"]) for a in replayed["appointments"]]
    assert verdicts == [
        ("shown", None, None),
        ("shown", None, None),  # not a duplicate of the first: its id only masks alike
        ("shown", None, None),  # its start holds the number, yet is a time
        ("duplicate", None, "facility_start"),  # the same minute as B1's
        ("shown", None, None),
        ("shown", None, None),  # its end holds the number, yet is a time
        ("filtered", "start_passed", None),  # not bad_time_format
    ]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_care_contact_ids_that_mask_alike_stay_apart(
    served: tuple[str, Platform], tmp_path: Path
) -> None:
    url, platform = served
    platform.slots = []
    platform.contacts = [
        contact(F, SOON, "191212121212"),
        contact(F, "20261203110000", "121212-1212"),
        contact(F, "20261203120000", "D1", source="SE191212121212"),
        contact(F, "20261203130000", "D1", source="SE121212-1212"),
    ]
    _, replayed = _assert_judged_alike(url, tmp_path / "c.json")
    assert [a["verdict"] for a in replayed["appointments"]] == ["shown"] * 4


# --- any hostile answer: live run == replay of its capture --------------------------------------

_NUMBER = ["191212121212", "121212-1212", "1212121212", "19121212-1212", "121212+1212"]
_NUMBER += ["19121212\u200b1212", "１９１２１２１２１２１２", "121272-1212", "19121212-****"]
_IDS = ["B1", "b1", *_NUMBER, " 191212121212", "x191212121212"]
_FACILITIES = [F, F.lower(), *("SE" + n for n in _NUMBER[:4]), "se191212121212", " SE191212121212"]
_TIMES = [
    SOON,
    SOON[:12] + "30",
    HELD_IN_SECONDS,
    HELD_IN_SECONDS[:12] + "30",
    "20271212121300",
    "20271212121100",
    HELD_IN_MINUTE,
    HELD_IN_MINUTE[:12] + "59",
    "20121212121200",  # 2012-12-12 12:12: ten digits in the minute
    "20301212121212",  # beyond three years, the number in its seconds
    "20261126120000",  # now, to the second
    "20261126115959",
    " " + HELD_IN_SECONDS,
    "19121212129900",  # no time (minute 99)
]
_EXTRAS = [
    "",
    "<urn1:x191212121212>1</urn1:x191212121212>",
    "<urn1:x121212-1212>191212121212</urn1:x121212-1212>",
    '<urn1:x a191212121212="1" a121212-1212="2"/>',
    '<z:x xmlns:z="urn:191212121212" z:a="121212-1212">1</z:x>',
]
_SLOT = st.builds(
    slot,
    st.sampled_from(_FACILITIES),
    st.sampled_from(_TIMES),
    st.sampled_from(_IDS),
    end=st.sampled_from([None, *_TIMES]),
    extra=st.sampled_from(_EXTRAS),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(slots=st.lists(_SLOT, min_size=1, max_size=6))
@pytest.mark.slow
def test_property_any_answer_replays_as_the_live_run(
    served: tuple[str, Platform], tmp_path: Path, slots: list[dict[str, object]]
) -> None:
    url, platform = served
    platform.slots, platform.contacts = slots, []
    _assert_judged_alike(url, tmp_path / "p.json")
