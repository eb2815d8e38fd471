"""A number split across two fields that a renderer joins is masked as joined (review 3, finding 3).

Each value is masked on its own at the boundary; the table, Markdown, HTML and the by-facility
report then join a facility's HSA-id and name, and a source's address and status, into one
cell or sentence. A producer on loopback splits the citizen's number at every point between
such fields; no output holds it. Through the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from tests.fakeplatform import (
    AGGREGATOR,
    care_contacts_body,
    envelope,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, digits
from tests.hostile import Reply, hostile_server

NUMBER = "194703239873"
FORMS = (NUMBER, "19470323-9873", "470323-9873")


class Platform:
    """call1 answers one slot whose HSA-id and name hold the two halves, and a failed source
    whose address and status code do; every other answer is empty."""

    head, tail = "19470323", "9873"

    def __call__(self, contract: str, address: str) -> Reply:
        if contract == "GetSubjectOfCareSchedule":
            records = [{"logicalAddress": self.head, "statusCode": self.tail}]
            slots = [slot(self.head, "20271201100000", "B1", name=self.tail)]
            body = scheduling_body(slots if address == AGGREGATOR else [])
            return 200, {}, envelope(body, processing_status(records)).encode()
        version = 3 if contract.endswith("3") else 2
        return 200, {}, envelope(care_contacts_body(version, [])).encode()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Platform]]:
    platform = Platform()
    with hostile_server(platform) as url:
        yield url, platform


def _cells(text: str) -> str:
    """The output with its table cells kept apart: a Markdown pipe between two cells is not
    a join (a letter stands for it here, so the scan does not read across it)."""
    return text.replace(" | ", " x ")


def _splits() -> list[tuple[str, str]]:
    return [(form[:cut], form[cut:]) for form in FORMS for cut in range(1, len(form))]


@pytest.mark.parametrize(("head", "tail"), _splits())
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_number_split_across_joined_fields_is_masked(
    served: tuple[str, Platform], tmp_path: Path, head: str, tail: str
) -> None:
    url, platform = served
    platform.head, platform.tail = head, tail
    argv = ["collect", NUMBER, "--base-url", url, "--now", NOW]
    for fmt in ("table", "markdown", "html"):
        result = CliRunner().invoke(app, [*argv, "-f", fmt])
        assert result.exit_code in (0, 3), result.output
        assert "4703239873" not in digits(_cells(result.stdout)), (fmt, result.stdout)
    cases = tmp_path / "cases.toml"
    cases.write_text(f'[[cases]]\npersonnummer = "{NUMBER}"\n', encoding="utf-8")
    batch = ["batch", str(cases), "--base-url", url, "--now", NOW, "--by-facility"]
    for extra in ([], ["--unmask"]):  # the report masks even with --unmask
        result = CliRunner().invoke(app, [*batch, *extra])
        assert result.exit_code in (0, 3), result.output
        report = result.stdout[result.stdout.index("Target readiness by facility") :]
        assert "4703239873" not in digits(report), report
        if not extra:
            assert "4703239873" not in digits(result.stdout), result.stdout
