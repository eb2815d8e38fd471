"""The trust boundary (SPEC §7) as an attacker or a careless producer would try it, through the CLI.

A hostile platform writes the citizen's number in every form it can think of (plain, spaced,
en-dashed, full-width, zero-width split, as samordningsnummer, as XML character references,
split by a comment or a CDATA boundary) into every field a producer controls, with control,
bidi and invisible characters besides. No output of any command, no file it writes, and no
capture may hold any form of the number; no untrusted character may reach a terminal raw or
start an output line; JSON stays valid; a capture's replay equals the live run.
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
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
    BASE_URL,
    care_contacts_body,
    contact,
    envelope,
    fault,
    processing_status,
    scheduling_body,
    slot,
)
from tests.helpers import NOW, PNR

RELATION = "SE2321000016-R001"
FACILITY = "SE2321000016-A001"
FUTURE = "20261203100000"

# Every written form a careless producer might use (SPEC §7).
TEXT_FORMS = [
    "191212121212",
    "19121212-1212",
    "19121212+1212",
    "121212-1212",
    "121212+1212",
    "1212121212",
    "19121212 1212",
    "19121212\u20131212",  # en dash (Word's autocorrect)
    "19121212\u20141212",  # em dash
    "19121212\u20111212",  # non-breaking hyphen
    "19121212\u00a01212",  # non-breaking space
    "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12\uff0d\uff11\uff12\uff11\uff12",  # full width
    "1912\u200b1212-1212",  # a zero-width space inside
    "19121272-1212",  # the samordningsnummer form of the same number
    "\u0661\u0669\u0661\u0662\u0661\u0662\u0661\u0662\u0661\u0662\u0661\u0662",  # Arabic-Indic
]
# Forms only XML can write: the parsed value is the number, the raw bytes are not.
XML_FORMS = [
    "".join(f"&#{ord(c)};" for c in "19121212-1212"),
    "".join(f"&#x{ord(c):x};" for c in "191212121212"),
    "1912121<!-- split -->2-1212",
    "<![CDATA[19121212]]>-<![CDATA[1212]]>",
]
UNTRUSTED = "A\x9b[31mB\u202eC\u200bD\u2028E\u0085F\r\n::error file=x::boom\t\x7fG"
RAW_FORBIDDEN = ("\x9b", "\u202e", "\u200b", "\u2028", "\u0085", "\x1b", "\x7f")


def _normalised(text: str) -> str:
    """An independent normaliser: NFKC, visible escapes and invisible characters dropped,
    every Unicode digit as ASCII, separators between digits removed."""
    text = re.sub(r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}", "", text)
    text = re.sub(r"<!--.*?-->|<!\[CDATA\[|\]\]>", "", html.unescape(text), flags=re.S)
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "Cf":
            continue
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            out.append(str(digit))
        elif char.isspace() or char in "-+\u2212" or unicodedata.category(char) == "Pd":
            continue
        else:
            out.append(char)
    return "".join(out)


def assert_no_number(text: str, where: str) -> None:
    flat = _normalised(text)
    for digits in ("1212121212", "1212721212"):  # the 10 digits of both forms, in any shape
        assert digits not in flat, f"a form of the number in {where}: {text[:300]!r}"


def assert_no_number_in_json(text: str, where: str) -> None:
    """JSON escapes invisible characters: scan the decoded values as well as the text."""
    assert_no_number(text, where)
    for line in text.splitlines() if where.endswith("jsonl") else [text]:
        if line.strip():
            assert_no_number(json.dumps(json.loads(line), ensure_ascii=False), where)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def hostile_platform(platform: Any, form: str, text: str = "") -> None:
    """Every producer-controlled field of every contract carries `form` (and `text`)."""
    slots = [
        slot(FACILITY, FUTURE, f"B-{form}", name=f"Vårdcentral {form} {text}"),
        slot(FACILITY, "20261204100000", "B-2", name="Vårdcentral", extra=f"<odd>{form}</odd>"),
    ]
    sources = [
        {"logicalAddress": FACILITY, "statusCode": "DataFromSource"},
        {
            "logicalAddress": "SE2321000016-F001",
            "statusCode": "NoDataSynchFailed",
            "code": "500",
            "text": f"patient {form} not found {text}",
        },
    ]
    call1 = envelope(scheduling_body(slots), processing_status(sources))
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, call1)
    platform.set(
        "GetSubjectOfCareSchedule",
        RELATION,
        fault(f"Bokningen för {form} kunde inte läsas {text}"),
        status=500,
    )
    contacts = [
        contact(
            "SE2321000016-C001",
            "20261205100000",
            f"D-{form}",
            source=f"SE2321000016-S{form}",
            name=f"Mottagning {form} {text}",
            status_text=f"tidbokad {form}",
        )
    ]
    v3 = envelope(care_contacts_body(3, contacts), processing_status(sources))
    platform.set("GetCareContacts/3", AGGREGATOR, v3)
    platform.set("GetCareContacts/2", AGGREGATOR, f"Internal error for {form} {text}", status=500)


def hostile_xml_platform(platform: Any, raw_form: str) -> None:
    """The number written with XML's own tricks, so raw bytes never show it but values do."""
    marker = "MARKER-NUMBER"
    hostile_platform(platform, marker)
    for key, answer in list(platform.answers.items()):
        text = answer.content.decode("utf-8")
        if marker in text:
            platform.set(key[0], key[1], text.replace(marker, raw_form), status=answer.status_code)


def _run(args: list[str], env: dict[str, str] | None = None) -> Any:
    result = CliRunner(env=env).invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.stderr
    return result


def _every_command(tmp_path: Path) -> list[tuple[list[str], list[Path]]]:
    """Each command and format over the hostile platform, with the files it writes."""
    common = [PNR, "--base-url", BASE_URL, "--now", NOW, "-r", RELATION]
    capture = tmp_path / "capture.json"
    batch = tmp_path / "batch.toml"
    batch.write_text(
        f'[[cases]]\nname = "Tolvan {PNR} 19121212\u20131212"\npersonnummer = "{PNR}"\n'
        f'relations = ["{RELATION}"]\n[cases.expect]\nmin_shown = 99\n'
        '[[cases]]\nname = "typo 19121212-1213"\npersonnummer = "19121212-1213"\n',
        encoding="utf-8",
    )
    batch_common = [str(batch), "--base-url", BASE_URL, "--now", NOW]
    return [
        (["collect", *common], []),
        (["collect", *common, "-f", "json", "-v"], []),
        (["collect", *common, "-f", "json", "--save-capture", str(capture)], [capture]),
        (["replay", str(capture)], []),
        (["replay", str(capture), "-f", "json", "-v"], []),
        (["explain", *common, "--booking-id", "B-2"], []),
        (["explain", *common, "--facility", "SE2321000016-F001", "-f", "json"], []),
        (["compare", *common], []),
        (["compare", *common, "-f", "json", "-v"], []),
        (["batch", *batch_common, "-f", "jsonl", "-o", str(tmp_path / "b.jsonl"), "-v",
          "--junit", str(tmp_path / "j.xml")], [tmp_path / "b.jsonl", tmp_path / "j.xml"]),
        (["batch", *batch_common, "-f", "json"], []),
        (["batch", *batch_common], []),
    ]  # fmt: skip


def _check_all(tmp_path: Path) -> dict[str, Any]:
    """Run every command, assert no form of the number anywhere; the outputs by command line."""
    seen: dict[str, Any] = {}
    for args, files in _every_command(tmp_path):
        result = _run(args)
        where = " ".join(a for a in args if not a.startswith(("/", "http")))
        machine = ("json" in args or "jsonl" in args) and "-o" not in args
        if machine and result.stdout.strip():
            assert_no_number_in_json(result.stdout, f"stdout of {where}")
        assert_no_number(result.stdout, f"stdout of {where}")
        assert_no_number(result.stderr, f"stderr of {where}")
        for path in files:
            assert path.exists(), path
            text = path.read_text(encoding="utf-8")
            assert_no_number(text, path.name)
            if path.suffix in (".json", ".jsonl"):
                assert_no_number_in_json(
                    text, path.name + (".jsonl" if path.suffix == ".jsonl" else "")
                )
            assert path.stat().st_mode & 0o777 == 0o600, path
        seen[where] = result
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("form", TEXT_FORMS)
def test_no_form_of_the_number_in_any_output_or_file(
    platform: Any, tmp_path: Path, form: str
) -> None:
    hostile_platform(platform, form)
    _check_all(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("raw_form", XML_FORMS)
def test_xml_character_references_comments_and_cdata_do_not_defeat_masking(
    platform: Any, tmp_path: Path, raw_form: str
) -> None:
    hostile_xml_platform(platform, raw_form)
    _check_all(tmp_path)
    capture = json.loads((tmp_path / "capture.json").read_text(encoding="utf-8"))
    stored = " ".join(_strings(capture))
    assert_no_number(stored, "the capture's decoded strings")


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    separator=st.sampled_from(["", "-", "+", " ", "\u2013", "\u2010", "\u00a0", " - "]),
    ten=st.booleans(),
    wide=st.booleans(),
    invisible=st.sampled_from(["", "\u200b", "\u2060", "\ufeff"]),
    before=st.text(alphabet="abcÅÄÖ .,:;/()", max_size=8),
)
def test_property_generated_forms_are_masked_in_collect_and_its_capture(
    platform: Any,
    tmp_path: Path,
    separator: str,
    ten: bool,
    wide: bool,
    invisible: str,
    before: str,
) -> None:
    digits = PNR[2:] if ten else PNR
    written = digits[:-4] + separator + digits[-4:]
    if wide:
        written = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in written)
    if invisible:
        written = written[:3] + invisible + written[3:]
    hostile_platform(platform, before + written)
    capture = tmp_path / "prop.json"
    result = _run(["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-r", RELATION,
                   "-f", "json", "--save-capture", str(capture)])  # fmt: skip
    assert_no_number_in_json(result.stdout, "collect json")
    assert_no_number(capture.read_text(encoding="utf-8"), "capture")


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_replay_of_a_hostile_capture_is_the_live_run(platform: Any, tmp_path: Path) -> None:
    hostile_xml_platform(platform, XML_FORMS[2])
    capture = tmp_path / "c.json"
    args = [PNR, "--base-url", BASE_URL, "--now", NOW, "-r", RELATION]
    live = _run(["collect", *args, "-f", "json", "--save-capture", str(capture)])
    replayed = _run(["replay", str(capture), "-f", "json"])
    assert json.loads(replayed.stdout) == json.loads(live.stdout)
    live_table = _run(["collect", *args])
    replayed_table = _run(["replay", str(capture)])
    strip = re.compile(r"\d+ ms")
    assert strip.sub("", replayed_table.stdout) == strip.sub("", live_table.stdout)


def test_unmask_shows_the_number_but_the_capture_stays_clean(platform: Any, tmp_path: Path) -> None:
    hostile_platform(platform, "19121212\u20131212")
    capture = tmp_path / "c.json"
    result = _run(["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-r", RELATION,
                   "-f", "json", "--unmask", "--save-capture", str(capture)])  # fmt: skip
    assert json.loads(result.stdout)["subject_of_care"] == "19121212-1212"
    assert_no_number(capture.read_text(encoding="utf-8"), "a capture made with --unmask")


# --- neutralising -----------------------------------------------------------------------------


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_untrusted_text_never_drives_a_terminal_or_a_ci_log(platform: Any, tmp_path: Path) -> None:
    hostile_platform(platform, "x", UNTRUSTED)
    outputs = _check_all(tmp_path)
    for where, result in outputs.items():
        machine = (" json" in f" {where}" or "jsonl" in where) and " -o " not in f" {where} "
        for stream in (result.stdout, result.stderr):
            if not machine or stream is result.stderr:
                assert not any(c in stream for c in RAW_FORBIDDEN), f"raw control in {where}"
            for line in stream.splitlines():
                assert not line.lstrip("│┃ ").startswith("::"), f"{where}: {line!r}"
        if machine and result.stdout.strip():
            assert not any(c in result.stdout for c in RAW_FORBIDDEN), f"raw in JSON of {where}"
            for line in result.stdout.splitlines() if "jsonl" in where else [result.stdout]:
                json.loads(line)
    table = outputs[next(w for w in outputs if w.startswith("collect") and "-f" not in w)].stdout
    assert "\\u202e" in table and "\\n::error" in table  # shown, as a visible escape
    junit = (tmp_path / "j.xml").read_text(encoding="utf-8")
    ET.fromstring(junit.split("\n", 1)[1])  # still well-formed XML
    assert not any(c in junit for c in RAW_FORBIDDEN)
    lines = (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line) for line in lines)  # no U+2028 split a record


def test_raw_escape_in_a_tampered_capture_is_refused(platform: Any, tmp_path: Path) -> None:
    hostile_platform(platform, "x")
    capture = tmp_path / "c.json"
    _run(["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-r", RELATION,
          "--save-capture", str(capture)])  # fmt: skip
    document = json.loads(capture.read_text(encoding="utf-8"))
    document["calls"][0]["message"] = "evil \x1b]0;title\x07 \x1b[2J"
    capture.write_text(json.dumps(document), encoding="utf-8")
    result = _run(["replay", str(capture)])
    assert result.exit_code == 2
    assert "calls[0].message holds raw control characters" in result.stderr
    assert "\x1b" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "content", "args"),
    [
        (
            "batch.toml",
            '[[cases]]\nname = "a\\u001b[2J\\u202e"\npersonnummer = "191212121212"\n'
            'relations = ["SE2321000016-R001,SE2321000016-R002"]\n',
            ["batch"],
        ),
        ("relations.txt", "SE2321000016-A001\n\u202e\x1b[2J\n", ["collect", PNR, "--relations"]),
        ("relations.txt", "19121212\u20131212\n", ["collect", PNR, "--relations"]),
    ],
)
def test_local_input_echoes_are_neutralised_and_masked(
    tmp_path: Path, name: str, content: str, args: list[str]
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    argv = [*args, str(path)] if args[-1] != "batch" else [*args, str(path)]
    result = _run([*argv, "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert not any(c in result.stderr for c in RAW_FORBIDDEN)
    assert_no_number(result.stderr, "the error message")
    assert result.stderr.count("\n") <= 2  # Error + Hint: one line each


def test_usage_errors_do_not_echo_argv_in_clear() -> None:
    result = _run(["collect", PNR, "19121212\u20131212", "also 121212-1212"])
    assert result.exit_code == 2
    assert "unexpected extra argument" in result.stderr
    assert_no_number(result.stderr, "a usage error")


# --- files ------------------------------------------------------------------------------------


def _symlinked(tmp_path: Path, name: str) -> tuple[Path, Path]:
    target = tmp_path / "precious.txt"
    target.write_text("do not touch", encoding="utf-8")
    link = tmp_path / name
    link.symlink_to(target)
    return link, target


@pytest.mark.parametrize(
    ("flag", "name"),
    [("--save-capture", "c.json"), ("--junit", "j.xml"), ("-o", "out.json")],
)
def test_a_symlink_at_an_output_path_is_replaced_never_followed(
    platform: Any, tmp_path: Path, flag: str, name: str
) -> None:
    hostile_platform(platform, "x")
    link, target = _symlinked(tmp_path, name)
    if flag == "--junit":
        batch = tmp_path / "b.toml"
        batch.write_text(f'[[cases]]\npersonnummer = "{PNR}"\nrelations = ["{RELATION}"]\n')
        args = ["batch", str(batch), "--base-url", BASE_URL, "--now", NOW, flag, str(link)]
    else:
        args = ["collect", PNR, "--base-url", BASE_URL, "--now", NOW, "-r", RELATION, "-f", "json"]
        args += [flag, str(link)]
    _run(args)
    assert target.read_text(encoding="utf-8") == "do not touch"
    assert not link.is_symlink() and link.is_file()
    assert link.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_failed_run_leaves_no_half_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = _run(
        ["collect", "19121212-1213", "--base-url", BASE_URL, "-f", "json", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "config"]


def test_sslkeylogfile_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bokade_cli.config import TlsSettings
    from bokade_cli.engine.tls import build_ssl_context

    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    assert build_ssl_context(TlsSettings()).keylog_filename is None


def test_throwaway_simulator_keys_are_owner_only(tmp_path: Path) -> None:
    from bokade_cli.simulator.tls import throwaway_pki

    throwaway_pki(tmp_path / "pki")
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "pki").iterdir()}
    assert modes == dict.fromkeys(
        ("ca.pem", "server.pem", "server.key", "client.pem", "client.key"), 0o600
    )


def test_masking_lives_in_one_place() -> None:
    """SPEC §7: one output boundary. No module but output/privacy.py builds masking patterns,
    only the boundary makes a Masker, and nothing outside output/ masks or neutralises: the
    capture writer hands the boundary raw values (which masks first, then neutralises)."""
    package = Path(__file__).resolve().parents[1] / "bokade_cli"
    makers, patterns, users = [], [], []
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(package).as_posix()
        if "Masker(" in text and relative not in ("output/privacy.py", "output/boundary.py"):
            makers.append(relative)
        if re.search(r"output\.privacy|neutralise\(|\.mask\(", text) and not relative.startswith(
            "output/"
        ):
            users.append(relative)
        if re.search(r"-\*{4}|mask_text|mask_numbers|scrub", text) and relative not in (
            "output/privacy.py",
            "personnummer.py",  # Personnummer.__str__/__repr__ print a parsed number masked
        ):
            patterns.append(relative)
    assert makers == [] and patterns == [] and users == []
    assert os.path.exists(package / "output" / "privacy.py")
