"""Echoes of local input (files, argv, configuration) pass the output boundary masked (SPEC §7).

The run's own number is masked everywhere; an echo of what the user typed or wrote in a file
may hold someone else's number, so the boundary masks any personnummer-shaped number in it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread
from tests.helpers import PNR

OTHER = "19470323-9873"  # someone else's number, in an input file or an argument
OTHER_FORMS = ("194703239873", "19470323-9873", "470323-9873", "1947.03.23-9873")
FORMATS = ["table", "json", "markdown", "html"]


def _assert_masked(text: str) -> None:
    digits = re.sub(r"[^0-9*]", "", text)
    assert "4703239873" not in digits, text
    for form in OTHER_FORMS:
        assert form not in text, text


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_relations_explain_masks_names_and_notes_from_the_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "events.toml"
    path.write_text(
        '[[events]]\ndate = 2021-03-02\nfacility = "SE2321000016-A001"\n'
        f'event = "added_to_start_page"\nfacility_name = "Vc för {OTHER}"\n'
        f'note = "ringde {OTHER} (1947.03.23-9873)"\n',
        encoding="utf-8",
    )
    code, output = _run("relations", "explain", str(path), "--format", fmt)
    assert code == 0, output
    assert re.search(r"19470323-(\\?\*){4}", output)  # Markdown escapes the stars
    _assert_masked(output)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_smoke_masks_a_number_in_the_profile_name(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    name = f"fall-{OTHER}"
    config.write_text(f'[profiles."{name}"]\nbase_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    for fmt in ("table", "json", "openmetrics"):
        code, output = _run("smoke", "--config", str(config), "--profile", name, "--format", fmt)
        assert code == 1, output  # nothing listens on port 9
        _assert_masked(output)


@pytest.fixture(scope="module")
def base_url() -> object:
    with serve_in_thread(Simulator(load_scenario("demo"))) as server:
        yield server.base_url


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_explain_masks_a_number_given_as_the_booking_id(base_url: str, fmt: str) -> None:
    code, output = _run(
        "explain", PNR, "--base-url", base_url, "--booking-id", "470323-9873", "--format", fmt
    )
    assert code in (0, 3), output
    assert re.search(r"470323-(\\?\*){4}", output)
    _assert_masked(output)


@pytest.mark.parametrize(
    "line", ["19470323.9873", "1947.03.23-9873", "470323/9873", "19470323 \u2013 9873"]
)
def test_a_relations_file_line_holding_a_number_is_masked_in_the_error(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "relations.txt"
    path.write_text(f"SE2321000016-A001\n{line}\n", encoding="utf-8")
    code, output = _run(
        "collect", PNR, "--relations", str(path), "--base-url", "http://127.0.0.1:9"
    )
    assert code == 2, output
    assert "relations.txt, line 2" in output
    _assert_masked(output)


@pytest.mark.parametrize(
    ("argument", "said"),
    [
        ("19121212\n1212", "a line break"),
        ("1912\x1b[2J12121212", "a control character, 'J' and '['"),
        (os.fsdecode(b"19121212\xff1212"), "bytes that are not UTF-8"),  # as argv decodes them
        ("19121212 1212", "a space"),
    ],
)
def test_a_bad_personnummer_says_what_is_wrong_without_echoing_it(argument: str, said: str) -> None:
    code, output = _run("collect", argument, "--base-url", "http://127.0.0.1:9")
    assert code == 2, output
    assert output.splitlines()[0] == (
        f"Error: personnummer contains {said}; expected 12 digits, YYYYMMDD-NNNN or YYMMDD-NNNN"
    )
    assert "\x1b" not in output and "\udcff" not in output and "\\udcff" not in output


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["collect", "-"], "\n"),
        (["explain", "--booking-id", "1"], None),
        (["compare"], None),
    ],
)
def test_a_hints_example_is_shown_as_written(argv: list[str], stdin: str | None) -> None:
    """The boundary masks any number in a hint; an example must be a placeholder, or the user
    reads `echo 19121212-**** | bokade collect -` (review 2, F9)."""
    result = CliRunner().invoke(app, [*argv, "--base-url", "http://127.0.0.1:9"], input=stdin)
    assert result.exit_code == 2, result.output
    hint = result.stderr.splitlines()[-1]
    assert hint.startswith("Hint: ") and f"bokade {argv[0]} " in hint, hint
    assert "*" not in hint and "YYYYMMDD-NNNN" in hint, hint
