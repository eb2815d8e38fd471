"""`bokade relations explain` and relation event files as `--relations`: the seed's rules, by example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bokade_cli.relations import load_relations_file
from tests.support_sim import DATA, PNR, invoke, serving

SAMPLE = Path(__file__).parents[1] / "sample_configs" / "relations" / "relation-events.toml"


def _explain(tmp_path: Path, events: list[tuple[str, str, str]], *args: str) -> Any:
    """Write events (date, facility, event) to a file and run `relations explain` on it."""
    text = "".join(
        f'[[events]]\ndate = {day}\nfacility = "{facility}"\nevent = "{event}"\n\n'
        for day, facility, event in events
    )
    path = tmp_path / "events.toml"
    path.write_text(text, encoding="utf-8")
    return invoke("relations", "explain", str(path), *args, now=None)


@pytest.mark.parametrize(
    ("events", "relation", "rule"),
    [
        ([("2021-03-02", "added_to_start_page")], True, "start_page"),
        ([("2021-03-02", "listed")], True, "listed"),
        ([("2021-03-02", "invitation")], True, "start_page"),
        ([("2023-03-02", "booked_logged_in")], True, "start_page"),
        ([("2023-03-02", "booking_link_login")], True, "start_page"),
        ([("2021-12-31", "booked_indexed")], True, "start_page"),
        ([("2022-01-01", "booked_indexed")], False, "indexed_flow_ended"),
        ([("2021-03-02", "added_to_start_page"), ("2022-01-01", "removed_from_start_page")], False, "removed_from_start_page"),
        # The seed's Obs: removed from the start page but still approved: the relation stays ...
        ([("2021-03-02", "approved_for_communication"), ("2022-01-01", "removed_from_start_page")], True, "kept_while_approved"),
        # ... until staff withdraw the approval.
        ([("2021-03-02", "approved_for_communication"), ("2022-01-01", "removed_from_start_page"), ("2023-01-01", "approval_withdrawn")], False, "approval_withdrawn"),
        ([("2021-03-02", "approved_for_communication"), ("2023-01-01", "approval_withdrawn")], False, "approval_withdrawn"),
        ([("2021-03-02", "listed"), ("2022-01-01", "listed_elsewhere")], False, "listed_elsewhere"),
        # Listed elsewhere, but still under Mottagningar on the start page: it stays.
        ([("2021-03-02", "listed"), ("2021-04-01", "added_to_start_page"), ("2022-01-01", "listed_elsewhere")], True, "start_page"),
        ([("2021-03-02", "removed_from_start_page")], False, "no_relation"),
        # Applied by date, not by file order.
        ([("2024-01-01", "removed_from_start_page"), ("2021-03-02", "added_to_start_page")], False, "removed_from_start_page"),
    ],
)  # fmt: skip
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_each_rule_of_the_seed(
    tmp_path: Path, events: list[tuple[str, str]], relation: bool, rule: str
) -> None:
    result = _explain(tmp_path, [(day, "SE2321000016-A001", event) for day, event in events])
    assert result.exit_code == 0, result.output
    (facility,) = result.doc["facilities"]
    assert (facility["relation"], facility["rule"]) == (relation, rule)
    assert result.doc["relations"] == (["SE2321000016-A001"] if relation else [])
    assert len(facility["history"]) == len(events)


def test_the_sample_file_explains_each_relation() -> None:
    result = invoke("relations", "explain", str(SAMPLE), now=None)
    assert result.exit_code == 0 and result.stderr == ""
    rules = {
        f["facility_hsa_id"][-4:]: (f["relation"], f["rule"]) for f in result.doc["facilities"]
    }
    assert rules == {
        "A001": (True, "listed"),
        "B002": (True, "kept_while_approved"),
        "C003": (False, "removed_from_start_page"),
        "D004": (False, "indexed_flow_ended"),
    }
    b002 = result.doc["facilities"][1]
    assert b002["since"] == "2021-03-02"
    assert [s["effect"] for s in b002["history"]] == ["created", "no_change", "kept"]
    assert "stays while the approval for communication remains" in b002["explanation"]
    assert "2021/22 new year" in result.doc["facilities"][3]["explanation"]


def test_as_of_applies_only_the_events_up_to_that_day() -> None:
    result = invoke("relations", "explain", str(SAMPLE), "--as-of", "2022-12-31", now=None)
    assert result.doc["as_of"] == "2022-12-31"
    assert result.doc["relations"] == [
        "SE2321000016-A001",
        "SE2321000016-B002",
        "SE2321000016-C003",
    ]


def test_table_names_the_rule_and_the_history() -> None:
    result = invoke("relations", "explain", str(SAMPLE), fmt="table", now=None)
    assert result.exit_code == 0
    assert "2 of 4 facilities have a relation (mottagningsrelation)" in result.stdout
    assert (
        "SE2321000016-B002 Ögonmottagningen Solna: relation [kept_while_approved]" in result.stdout
    )
    assert "2023-01-15 removed_from_start_page → kept" in result.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_an_events_file_feeds_collect_relations() -> None:
    with serving("clinic") as url:
        events = str(DATA / "clinic-relations.toml")
        result = invoke("collect", PNR, "--base-url", url, "--relations", events)
    direct = {c["logical_address"] for c in result.doc["calls"] if c["call"] == "call2"}
    assert direct == {f"SE2321000016-{x}" for x in ("A001", "F002", "R003", "D004")}


def test_plain_lists_still_load_and_events_are_detected_by_content(tmp_path: Path) -> None:
    plain = tmp_path / "relations.txt"
    plain.write_text("# list\nSE2321000016-A001\n\nSE2321000016-B002  # comment\n")
    assert load_relations_file(plain) == ["SE2321000016-A001", "SE2321000016-B002"]
    events = tmp_path / "relations.txt"
    events.write_text(
        '[[events]]\ndate = 2021-01-01\nfacility = "SE2321000016-E001"\nevent = "listed"\n'
    )
    assert load_relations_file(events) == ["SE2321000016-E001"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[[events]]\ndate = 2021-01-01\nfacility = "SE2321000016-E001"\nevent = "added"\n', "event 1 (line 1): key 'event': \"added\" is not a known event"),
        ('# c\n[[events]]\ndate = 2021-01-01\nfacility = "SE2321000016-E001"\nevent = "listed"\n\n[[events]]\nfacility = "SE2321000016-E001"\nevent = "listed"\n', "event 2 (line 7): key 'date' is missing"),
        ('[[events]]\ndate = "yesterday"\nfacility = "SE2321000016-E001"\nevent = "listed"\n', "event 1 (line 1): key 'date': \"yesterday\" is not a date"),
        ('[[events]]\ndate = 2021-01-01\nfacility = "SE 1"\nevent = "listed"\n', "key 'facility': \"SE 1\" holds a space"),
        ('[[events]]\ndate = 2021-01-01\nfacility = "SE2321000016-E001"\nevent = "listed"\nwhen = 1\n', "event 1 (line 1): unknown key \"when\""),
        ("[[events]\n", "invalid TOML"),
        ("[citizen]\n", "unknown top-level key \"citizen\""),
        ("SE2321000016-A001\n", "invalid TOML"),
    ],
)  # fmt: skip
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_bad_events_file_is_exit_2_naming_file_entry_and_key(
    tmp_path: Path, text: str, needle: str
) -> None:
    path = tmp_path / "events.toml"
    path.write_text(text, encoding="utf-8")
    for command in (
        ["relations", "explain", str(path)],
        ["collect", PNR, "--relations", str(path)],
    ):
        result = invoke(*command, fmt="table", now=None)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"Error: {path}")
        assert needle in result.stderr and "\nHint: " in result.stderr


def test_a_plain_list_is_not_an_events_file(tmp_path: Path) -> None:
    path = tmp_path / "relations.txt"
    path.write_text("SE2321000016-A001\n")
    result = invoke("relations", "explain", str(path), fmt="json", now=None)
    assert result.exit_code == 2
    assert "is a plain list of HSA-ids" in result.doc["error"]["message"]
