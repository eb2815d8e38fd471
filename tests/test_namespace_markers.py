"""A namespace URI may start with "#" or "@", the characters xmltodict marks text and attributes
with by default: such elements are read, or noted as unread, like any other, and a capture of
them holds no form of the number (review 2, finding 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.xmlparse import ATTR, DECLARED, TEXT, element_names, parse_xml
from bokade_cli.xmlwrite import serialise
from tests.fakeplatform import (
    AGGREGATOR,
    BASE_URL,
    HDR,
    SCHED_C,
    SCHED_R,
    care_contacts_body,
    envelope,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR, assert_conserved

F = "SE2321000016-A001"
G = "SE2321000016-G001"


def _answer(marker: str) -> str:
    """call1's answer as the review sent it: a booking, an unknown element holding the number
    (split by a zero-width space) in namespace "@x", and a record and a ProcessingStatus in the
    contract's namespaces behind a marker."""
    note = (
        f'<q:note xmlns:q="{marker}x" kind="1" q:kind="2">'
        "<q:t>Patient 19121212&#x200B;1212</q:t></q:note>"
    )
    hidden = (
        f'<z:timeslotDetail xmlns:z="{marker}{SCHED_R}" xmlns:c="{SCHED_C}">'
        f"<c:startTimeInclusive>20261203100000</c:startTimeInclusive>"
        f"<c:healthcare_facility>{F}</c:healthcare_facility><c:bookingId>HIDDEN</c:bookingId>"
        "</z:timeslotDetail>"
    )
    header = processing_status([{"logicalAddress": F, "statusCode": "DataFromSource"}])
    header += processing_status([{"logicalAddress": G, "statusCode": "NoDataSynchFailed"}]).replace(
        f'xmlns:h="{HDR}"', f'xmlns:h="{marker}{HDR}"'
    )
    body = scheduling_body([slot(F, "20261202100000", "B1", extra=note)])
    body = body.replace("</r:GetSubjectOfCareScheduleResponse>", hidden + "</r:GetSubjectOfCareScheduleResponse>")  # fmt: skip
    return envelope(body, header)


def _serve(platform: Any, marker: str) -> None:
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, _answer(marker))
    platform.scheduling(G, [])
    platform.set("GetCareContacts/3", AGGREGATOR, envelope(care_contacts_body(3, [])))
    platform.set("GetCareContacts/2", AGGREGATOR, envelope(care_contacts_body(2, [])))


def _collect(*args: str) -> Any:
    argv = ["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-r", G, "-f", "json", *args]
    result = CliRunner().invoke(app, argv)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize("marker", ["#", "@"])
def test_elements_in_a_namespace_starting_with_a_marker_are_noted(
    platform: Any, marker: str
) -> None:
    _serve(platform, marker)
    result = _collect()
    doc = json.loads(result.stdout)
    assert_conserved(doc)
    notes = doc["calls"][0]["notes"]
    assert f"timeslotDetail #1: unknown element note ({{{marker}x}}), not read" in notes
    assert any("a timeslotDetail in {" + marker in n and "bookingId HIDDEN" in n for n in notes)
    (header,) = [n for n in notes if n.startswith("SOAP Header: ProcessingStatus")]
    assert "unexpected namespace" in header and G in header and "NoDataSynchFailed" in header
    # An unread ProcessingStatus: the aggregator's sources are not known, so not complete.
    assert doc["complete"] is False and result.exit_code == 3


@pytest.mark.parametrize("marker", ["#", "@"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_of_them_holds_no_number_and_replays_as_the_run(
    platform: Any, tmp_path: Path, marker: str
) -> None:
    _serve(platform, marker)
    path = tmp_path / "c.json"
    live = _collect("--save-capture", str(path))
    raw = path.read_text(encoding="utf-8")
    # The review's capture held "{'@kind': '1', ..., 'Patient 19121212\u200b1212'}": a dict's repr.
    assert "{'" not in raw and "1212&#x200B;1212" not in raw and "19121212-****" in raw
    replayed = CliRunner().invoke(app, ["replay", str(path), "-f", "json"])
    assert replayed.exit_code == live.exit_code == 3, replayed.output
    assert json.loads(replayed.stdout) == json.loads(live.stdout)


def test_no_key_of_the_tree_can_be_taken_for_another() -> None:
    tree = parse_xml(b'<a xmlns:p="#x" xmlns:q="@y" p:b="1" q:b="2" b="3">t<p:c/><q:c>u</q:c></a>')
    node = tree["a"]
    assert element_names(node) == ["#x|c", "@y|c"]
    assert node[ATTR + "#x|b"] == "1" and node[ATTR + "@y|b"] == "2" and node[ATTR + "b"] == "3"
    assert node[TEXT] == "t" and node["@y|c"] == "u"


class _Plain:
    def value(self, text: str) -> str:
        return text

    def local(self, name: str) -> str:
        return name

    def namespace(self, uri: str) -> str:
        return uri


def test_the_writer_never_writes_a_value_that_is_not_text() -> None:
    """str() of a dict (the review's leak) would slip past masking: the writer refuses it."""
    with pytest.raises(TypeError):
        serialise({"a": {ATTR + "b": {"c": "19121212-1212"}}}, _Plain())
    with pytest.raises(TypeError):
        serialise({"a": {"b": 5}}, _Plain())


def test_an_xml_lang_attribute_is_written_back_as_one() -> None:
    """xml:lang binds the reserved XML namespace, which no other prefix may declare."""
    tree = parse_xml(b'<a xmlns:p="#x" xml:lang="sv"><p:b xml:lang="en">t</p:b></a>')
    again = parse_xml(serialise(tree, _Plain()).encode())
    assert again["a"].pop(DECLARED) == {"ns0": "#x"} and tree["a"].pop(DECLARED) == {"p": "#x"}
    assert again == tree
