"""The JUnit XML writer: counts, one child per outcome, text that XML cannot carry."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from bokade_cli.errors import InputError
from bokade_cli.output.files import write_private
from bokade_cli.output.junit import JUnitCase, junit_document


def write_junit(path: Path, text: str) -> None:
    write_private(path, text, "JUnit file")


WHEN = datetime.fromisoformat("2026-11-26T12:00:00+01:00")
CASES = [
    JUnitCase("ok", "passed", 0.25, output="3 shown, complete"),
    JUnitCase("two unmet", "failed", 1.5, "shown 0, expected at least 1 (and 1 more)", "a\nb"),
    JUnitCase("bad number", "error", 0.0, "check digit", "check digit\nhint: fix it"),
    JUnitCase("not run", "skipped", 0.0, "interrupted"),
]


def _suite(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    return suite


def test_counts_times_and_one_child_per_outcome() -> None:
    text = junit_document("bokade batch", CASES, "bokade.batch", WHEN)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    suite = _suite(text)
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")} == {
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
        "time": "1.750",
    }
    assert suite.get("timestamp") == "2026-11-26T12:00:00+01:00"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["ok", "two unmet", "bad number", "not run"]
    assert [[child.tag for child in c] for c in cases] == [
        ["system-out"],
        ["failure"],
        ["error"],
        ["skipped"],
    ]
    failure = cases[1][0]
    assert failure.get("message") == "shown 0, expected at least 1 (and 1 more)"
    assert failure.get("type") == "expectation" and failure.text == "a\nb"
    assert cases[2][0].text == "check digit\nhint: fix it"
    assert all(c.get("classname") == "bokade.batch" for c in cases)


def test_markup_and_control_characters_survive_as_well_formed_xml() -> None:
    nasty = 'Vårdcentral <b>&"x"</b>\x00\x1b[31m'
    text = junit_document("s", [JUnitCase(nasty, "failed", 0, nasty, nasty)], "c", WHEN)
    case = _suite(text).find("testcase")
    assert case is not None
    name = case.get("name") or ""
    assert name.startswith('Vårdcentral <b>&"x"</b>') and "\x00" not in name and "\x1b" not in name


def test_an_empty_suite_is_valid() -> None:
    suite = _suite(junit_document("s", [], "c", WHEN))
    assert suite.get("tests") == "0" and suite.findall("testcase") == []


def test_write_junit_reports_an_unwritable_path(tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    write_junit(target, "<x/>")
    assert target.read_text() == "<x/>"
    with pytest.raises(InputError) as info:
        write_junit(tmp_path / "missing" / "report.xml", "<x/>")
    assert "cannot write the JUnit file" in info.value.message
