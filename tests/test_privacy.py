"""The personnummer never appears in clear on any output path unless --unmask is given.

One simulator run of the demo scenario feeds every command; stdout, stderr and every file
written (capture, JUnit, JSON Lines, --output) are scanned for every written form of the number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

PNR = "191212121212"
FORMS = (
    "191212121212",
    "19121212-1212",
    "19121212+1212",
    "121212-1212",
    "121212+1212",
    "1212121212",
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(Simulator(load_scenario("demo"))) as server:
        yield server.base_url


def _clean(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"{form} in clear in {where}"


def _relations() -> list[str]:
    args = []
    for relation in load_scenario("demo").relations:
        args += ["-r", relation]
    return args


def _batch_file(tmp_path: Path) -> Path:
    path = tmp_path / "batch.toml"
    path.write_text(
        f'[[cases]]\nname = "patient {PNR}"\npersonnummer = "{PNR}"\n'
        f"relations = {load_scenario('demo').relations!r}\n".replace("'", '"')
        + "[cases.expect]\nmin_shown = 100\n"  # fails, so the failure message is written too
        + '[[cases]]\npersonnummer = "19121212-1213"\n'  # invalid: its error is reported
    )
    return path


def _commands(base_url: str, tmp: Path) -> list[tuple[list[str], list[Path]]]:
    batch = _batch_file(tmp)
    common = ["--base-url", base_url, *_relations()]
    return [
        (["collect", PNR, *common], []),
        (["collect", PNR, *common, "-f", "json", "-v"], []),
        (["collect", PNR, *common, "--save-capture", str(tmp / "c.json")], [tmp / "c.json"]),
        (["replay", str(tmp / "c.json")], []),
        (["replay", str(tmp / "c.json"), "-f", "json"], []),
        (["demo", "-v"], []),
        (["explain", PNR, *common, "--booking-id", "A-1000"], []),
        (["explain", PNR, *common, "--facility", "SE2321000016-F003", "-f", "json"], []),
        (["compare", PNR, *common, "-f", "json"], []),
        (
            [
                "batch",
                str(batch),
                "--base-url",
                base_url,
                "--junit",
                str(tmp / "j.xml"),
                "-f",
                "jsonl",
                "-o",
                str(tmp / "b.jsonl"),
                "-v",
            ],
            [tmp / "j.xml", tmp / "b.jsonl"],
        ),
        (["batch", str(batch), "--base-url", base_url, "--by-facility"], []),
        (["batch", str(batch), "--base-url", base_url, "--by-facility", "-f", "json"], []),
        (["batch", str(batch), "--base-url", base_url, "--by-facility", "-f", "jsonl"], []),
        (
            ["batch", str(batch), "--base-url", base_url, "-f", "csv", "-o", str(tmp / "f.csv")],
            [tmp / "f.csv"],
        ),
        (
            [
                "smoke",
                "--base-url",
                base_url,
                "--pnr",
                PNR,
                "--junit",
                str(tmp / "s.xml"),
                "-f",
                "json",
            ],
            [tmp / "s.xml"],
        ),
        (["collect", "19121212-1213", *common], []),  # an error message about the number
        (["collect", PNR, "--base-url", "http://127.0.0.1:9", "-v"], []),  # transport errors
    ]


@pytest.mark.slow
def test_no_output_path_shows_the_number_in_clear(base_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for args, files in _commands(base_url, tmp_path):
        result = runner.invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        where = " ".join(args[:2])
        _clean(result.stdout, f"stdout of {where}")
        _clean(result.stderr, f"stderr of {where}")
        for path in files:
            assert path.exists(), path
            _clean(path.read_text(encoding="utf-8"), str(path.name))


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_unmask_is_the_one_way_to_see_it(base_url: str) -> None:
    result = CliRunner().invoke(
        app, ["collect", PNR, "--base-url", base_url, "--unmask", "-f", "json"]
    )
    assert '"subject_of_care": "19121212-1212"' in result.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_capture_stays_masked_even_with_unmask(base_url: str, tmp_path: Path) -> None:
    path = tmp_path / "capture.json"
    args = ["collect", PNR, "--base-url", base_url, "--unmask", "--save-capture", str(path)]
    CliRunner().invoke(app, args)
    _clean(path.read_text(encoding="utf-8"), "capture written with --unmask")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_internal_errors_show_no_locals(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    import bokade_cli.rules as rules

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(rules, "judge", broken)
    result = CliRunner().invoke(app, ["collect", PNR, "--base-url", base_url])
    assert result.exit_code == 70
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    _clean(result.stdout + result.stderr, "an internal error")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_facility_report_holds_no_form_of_the_number_even_masked(
    base_url: str, tmp_path: Path
) -> None:
    """A planning aggregate: facilities and counts, never a citizen, not even with --unmask."""
    runner = CliRunner()
    batch = str(_batch_file(tmp_path))
    for unmask in ([], ["--unmask"]):
        csv_out = runner.invoke(app, ["batch", batch, "--base-url", base_url, "-f", "csv", *unmask])
        assert csv_out.stdout.startswith("facility_hsa_id,"), csv_out.output
        assert PNR[:8] not in csv_out.stdout and PNR[2:8] not in csv_out.stdout
        args = ["batch", batch, "--base-url", base_url, "--by-facility", *unmask]
        doc = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
        assert doc["facilities"] and PNR[:8] not in json.dumps(doc["facilities"])
        last = runner.invoke(app, [*args, "-f", "jsonl"]).stdout.splitlines()[-1]
        assert json.loads(last)["kind"] == "facilities" and PNR[:8] not in last
        table = runner.invoke(app, args).stdout
        section = table[table.index("Target readiness by facility") :]
        assert "SE2321000016-A001" in section and PNR[:8] not in section
