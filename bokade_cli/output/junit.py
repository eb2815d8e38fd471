"""JUnit XML, the report format every CI system can show, for batch cases and smoke steps.

The shape follows the de-facto schema that Jenkins, GitLab and the GitHub test-report actions
read: `<testsuites>` around one `<testsuite>` with `tests`/`failures`/`errors`/`skipped`/`time`,
one `<testcase>` per case with at most one `<failure>`, `<error>` or `<skipped>` child.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

JUnitStatus = Literal["passed", "failed", "error", "skipped"]

# XML 1.0 cannot carry most control characters, even escaped; producer texts may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class JUnitCase:
    name: str
    status: JUnitStatus
    seconds: float = 0.0
    message: str = ""  # one line: the attribute most CI systems show in their summary
    details: str = ""  # every unmet expectation or the full error, one per line
    output: str = ""  # <system-out>: warnings and context worth keeping with the case
    kind: str = "expectation"  # the failure's `type` attribute


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_document(
    suite: str, cases: Sequence[JUnitCase], classname: str, timestamp: datetime
) -> str:
    """The JUnit XML text (UTF-8 declaration included) for one suite of cases."""
    counts = {status: sum(c.status == status for c in cases) for status in get_args(JUnitStatus)}
    total = sum(c.seconds for c in cases)
    attributes = {
        "name": suite,
        "tests": str(len(cases)),
        "failures": str(counts["failed"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"]),
        "time": f"{total:.3f}",
        "timestamp": timestamp.isoformat(timespec="seconds"),
    }
    root = ET.Element("testsuites", {k: v for k, v in attributes.items() if k != "timestamp"})
    suite_element = ET.SubElement(root, "testsuite", attributes)
    for case in cases:
        element = ET.SubElement(
            suite_element,
            "testcase",
            {"classname": classname, "name": _clean(case.name), "time": f"{case.seconds:.3f}"},
        )
        if case.status in ("failed", "error"):
            tag = "failure" if case.status == "failed" else "error"
            kind = case.kind if case.status == "failed" else "error"
            child = ET.SubElement(element, tag, {"message": _clean(case.message), "type": kind})
            child.text = _clean(case.details or case.message)
        elif case.status == "skipped":
            ET.SubElement(element, "skipped", {"message": _clean(case.message)})
        if case.output:
            ET.SubElement(element, "system-out").text = _clean(case.output)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
