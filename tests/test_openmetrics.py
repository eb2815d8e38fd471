"""`bokade smoke --format openmetrics`: a strict reader of the OpenMetrics text format, and the
smoke report of a real run (the simulator over loopback, plain and TLS) read back with it."""

from __future__ import annotations

import json
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.output.openmetrics import label_value
from bokade_cli.output.privacy import neutralise
from bokade_cli.simulator import Simulator, load_scenario, serve_in_thread

PNR = "191212121212"

# --- a strict reader of the OpenMetrics text format (OpenMetrics 1.0, section "Text format") --

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf")
_TYPES = {"counter", "gauge", "stateset", "info", "histogram", "gaugehistogram", "summary", "unknown"}  # fmt: skip
_SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",), "stateset": ("",), "info": ("_info",), "unknown": ("",)}  # fmt: skip


class Invalid(AssertionError):
    """A line that breaks the format, with its number."""


@dataclass
class Family:
    name: str
    type: str = "unknown"
    help: str | None = None
    unit: str | None = None
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)


def _unescape(text: str, line: int, quotes: bool) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            nxt = text[i + 1 : i + 2]
            mapping = {"\\": "\\", "n": "\n", '"': '"'} if quotes else {"\\": "\\", "n": "\n"}
            if nxt not in mapping:
                raise Invalid(f"line {line}: bad escape \\{nxt}")
            out.append(mapping[nxt])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _labels(text: str, line: int) -> tuple[dict[str, str], str]:
    """Parse `{a="x",b="y"}` at the start of `text`; return the labels and the rest."""
    labels: dict[str, str] = {}
    i = 1
    if text[i : i + 1] == "}":
        return labels, text[i + 1 :]
    while True:
        name = _LABEL_NAME.match(text, i)
        if not name or text[name.end() : name.end() + 2] != '="':
            raise Invalid(f"line {line}: bad label at {text[i:]!r}")
        i = name.end() + 2
        value = []
        while True:
            if i >= len(text):
                raise Invalid(f"line {line}: unterminated label value")
            char = text[i]
            if char == "\\":
                value.append(text[i : i + 2])
                i += 2
                continue
            if char == '"':
                break
            value.append(char)
            i += 1
        if name.group() in labels:
            raise Invalid(f"line {line}: label {name.group()} twice")
        labels[name.group()] = _unescape("".join(value), line, quotes=True)
        i += 1
        if text[i : i + 1] == ",":
            i += 1
            continue
        if text[i : i + 1] == "}":
            return labels, text[i + 1 :]
        raise Invalid(f"line {line}: expected , or }} after a label")


def parse_openmetrics(text: str) -> dict[str, Family]:
    """Every family of a text exposition; raises Invalid on anything the format does not allow."""
    if not text.endswith("# EOF\n"):
        raise Invalid("the exposition must end with '# EOF' and a line feed")
    lines = text[: -len("# EOF\n")].split("\n")[:-1] if text != "# EOF\n" else []
    families: dict[str, Family] = {}
    current: Family | None = None
    closed: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line or "\r" in line or line == "# EOF":
            raise Invalid(f"line {number}: empty, a carriage return, or # EOF before the end")
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) < 4 or parts[0] != "#" or parts[1] not in ("TYPE", "HELP", "UNIT"):
                raise Invalid(f"line {number}: not a # TYPE/HELP/UNIT line: {line!r}")
            _, kind, name, value = parts
            if not _NAME.fullmatch(name):
                raise Invalid(f"line {number}: bad metric name {name!r}")
            if current is None or current.name != name:
                if name in families:
                    raise Invalid(f"line {number}: family {name} is not contiguous")
                if current is not None:
                    closed.add(current.name)
                current = families[name] = Family(name)
            elif current.samples:
                raise Invalid(f"line {number}: metadata after samples of {name}")
            if kind == "TYPE":
                if value not in _TYPES or current.type != "unknown":
                    raise Invalid(f"line {number}: bad or repeated TYPE {value!r}")
                current.type = value
            elif kind == "HELP":
                if current.help is not None:
                    raise Invalid(f"line {number}: HELP twice for {name}")
                current.help = _unescape(value, number, quotes=False)
            else:
                if current.unit is not None or not name.endswith("_" + value):
                    raise Invalid(f"line {number}: UNIT {value!r} does not end the name {name}")
                current.unit = value
            continue
        name_match = _NAME.match(line)
        if not name_match:
            raise Invalid(f"line {number}: a sample must start with a metric name")
        sample_name, rest = name_match.group(), line[name_match.end() :]
        labels: dict[str, str] = {}
        if rest.startswith("{"):
            labels, rest = _labels(rest, number)
        if not rest.startswith(" "):
            raise Invalid(f"line {number}: no space before the value")
        pieces = rest[1:].split(" ")
        if len(pieces) > 2 or not _NUMBER.fullmatch(pieces[0]) or (len(pieces) == 2 and not _NUMBER.fullmatch(pieces[1])):  # fmt: skip
            raise Invalid(f"line {number}: bad value or timestamp {rest[1:]!r}")
        family = current
        if family is None or not any(
            sample_name == family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",))
        ):
            raise Invalid(f"line {number}: sample {sample_name} outside its family's block")
        if any(labels == other for _, other, _ in family.samples):
            raise Invalid(f"line {number}: the same labels twice in {family.name}")
        family.samples.append((sample_name, labels, float(pieces[0])))
    for family in families.values():
        if family.help is None or family.type == "unknown":
            raise Invalid(f"family {family.name} has no # HELP or # TYPE")
    return families


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("# TYPE a gauge\n# HELP a x\na 1\n", "# EOF"),
        ("# TYPE a gauge\n# HELP a x\na 1\n\n# EOF\n", "empty"),
        ("a 1\n# EOF\n", "outside its family"),
        (
            '# TYPE a gauge\n# HELP a x\na{x="1"} 1\n# TYPE b gauge\n# HELP b y\nb 2\na{x="2"} 3\n# EOF\n',
            "outside its family",
        ),  # fmt: skip
        ('# TYPE a gauge\n# HELP a x\na{x="q"uote"} 1\n# EOF\n', "expected , or }"),
        ('# TYPE a gauge\n# HELP a x\na{x="back\\slash"} 1\n# EOF\n', "bad escape"),
        ('# TYPE a gauge\n# HELP a x\na{x="1",x="2"} 1\n# EOF\n', "twice"),
        ("# TYPE a gauge\n# HELP a x\na one\n# EOF\n", "bad value"),
        ("# TYPE a_days gauge\n# UNIT a_days seconds\n# HELP a_days x\na_days 1\n# EOF\n", "UNIT"),
        ("# TYPE 9a gauge\n# HELP 9a x\n# EOF\n", "bad metric name"),
        ("# TYPE a gauge\na 1\n# EOF\n", "no # HELP"),
        ("# TYPE a gauge\n# HELP a x\na 1\na 2\n# EOF\n", "same labels twice"),
    ],
)
def test_the_reader_refuses_what_the_format_does_not_allow(text: str, needle: str) -> None:
    with pytest.raises(Invalid, match=re.escape(needle)):
        parse_openmetrics(text)


def test_label_values_are_escaped_as_the_format_says() -> None:
    assert label_value('a\\b"c\nd') == 'a\\\\b\\"c\\nd'
    text = f'# TYPE a gauge\n# HELP a x\na{{p="{label_value(chr(10) + chr(34) + chr(92))}"}} 1\n# EOF\n'  # fmt: skip
    assert parse_openmetrics(text)["a"].samples[0][1] == {"p": '\n"\\'}


# --- smoke runs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain() -> Iterator[str]:
    with serve_in_thread(Simulator(load_scenario("demo"))) as server:
        yield server.base_url


def smoke(*args: str) -> Any:
    result = CliRunner().invoke(app, ["smoke", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _check_against_json(families: dict[str, Family], doc: dict[str, Any]) -> None:
    profile = doc["profile"]
    (passed,) = families["bokade_smoke_passed"].samples
    assert passed == ("bokade_smoke_passed", {"profile": profile}, 1.0 if doc["passed"] else 0.0)
    verdicts = {
        labels["step"]: labels["verdict"]
        for _, labels, value in families["bokade_smoke_step_verdict"].samples
        if value == 1
    }
    assert verdicts == {s["step"]: s["verdict"] for s in doc["steps"]}
    assert len(families["bokade_smoke_step_verdict"].samples) == 4 * len(doc["steps"])
    # Two runs (one per format): the same steps timed, each in seconds, not the same times.
    latency = {labels["step"]: value for _, labels, value in families["bokade_smoke_step_latency_seconds"].samples}  # fmt: skip
    assert set(latency) == {s["step"] for s in doc["steps"] if s["verdict"] != "skip"}
    assert all(0 <= value < 30 for value in latency.values())
    assert families["bokade_smoke_step_latency_seconds"].unit == "seconds"
    (stamp,) = families["bokade_smoke_timestamp_seconds"].samples
    assert abs(stamp[2] - time.time()) < 120


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_smoke_on_the_simulator_in_openmetrics(plain: str) -> None:
    args = ["--base-url", plain, "--pnr", PNR, "--facility", "SE2321000016-R004"]
    metrics = smoke(*args, "--format", "openmetrics")
    doc = json.loads(smoke(*args, "--format", "json").stdout)
    assert metrics.exit_code == 0 and metrics.stderr == ""
    families = parse_openmetrics(metrics.stdout)
    assert set(families) == {
        "bokade_smoke_passed",
        "bokade_smoke_step_verdict",
        "bokade_smoke_step_latency_seconds",
        "bokade_smoke_timestamp_seconds",
    }  # plain HTTP: no certificate, so no days to expiry
    assert {s["step"]: s["verdict"] for s in doc["steps"]}["call1"] == "warn"  # F003 fails in call1
    _check_against_json(families, doc)


def test_a_failed_smoke_still_writes_every_step(tmp_path: Path) -> None:
    result = smoke("--base-url", "http://127.0.0.1:9", "--format", "openmetrics")
    assert result.exit_code == 1
    families = parse_openmetrics(result.stdout)
    assert families["bokade_smoke_passed"].samples[0][2] == 0
    failed = [labels["step"] for _, labels, v in families["bokade_smoke_step_verdict"].samples if labels["verdict"] == "fail" and v == 1]  # fmt: skip
    assert failed == ["endpoint"]


def test_output_file_for_the_textfile_collector(plain: str, tmp_path: Path) -> None:
    target = tmp_path / "bokade.prom"
    decoy = tmp_path / "decoy.prom"
    decoy.write_text("keep me\n")
    target.symlink_to(decoy)  # a planted link is replaced, never followed
    result = smoke("--base-url", plain, "--format", "openmetrics", "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout.startswith("Smoke test of profile")  # the table still goes to stdout
    assert not target.is_symlink() and decoy.read_text() == "keep me\n"
    assert target.stat().st_mode & 0o777 == 0o600
    parse_openmetrics(target.read_text(encoding="utf-8"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bokade.prom.")]  # no temp left


def test_a_hostile_profile_name_stays_one_label_value(plain: str, tmp_path: Path) -> None:
    name = 'qa"} evil 1\n# EOF\\ \u202e'
    config = tmp_path / "bokade.toml"
    config.write_text(f"[profiles.{json.dumps(name)}]\nbase_url = {json.dumps(plain)}\n", encoding="utf-8")  # fmt: skip
    result = smoke("--config", str(config), "--format", "openmetrics")
    assert result.exit_code == 0, result.output
    families = parse_openmetrics(result.stdout)
    assert set(families) >= {"bokade_smoke_passed", "bokade_smoke_step_verdict"}
    assert families["bokade_smoke_passed"].samples[0][1] == {"profile": neutralise(name)}
    assert "\u202e" not in result.stdout
    assert result.stdout.splitlines().count("# EOF") == 1  # the one in the name stayed inside


# --- certificates: the client's (tls.cert_file) and the platform's (the TLS handshake) ----------


def _client_certificate(folder: Path, days: int) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "SE2321000016-ABCD"),
            x509.NameAttribute(NameOID.COMMON_NAME, "bokade openmetrics test"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days, hours=12))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "client.pem", folder / "client.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_certificate_days_to_expiry(tmp_path: Path) -> None:
    ca = trustme.CA()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    cert_file, key_file = _client_certificate(tmp_path, days=20)
    with serve_in_thread(Simulator(load_scenario("demo")), ssl_context=server) as running:
        config = tmp_path / "tls.toml"
        config.write_text(
            f'[profiles.tls]\nbase_url = "{running.base_url}"\n[profiles.tls.tls]\n'
            f'cert_file = "{cert_file}"\nkey_file = "{key_file}"\nca_file = "{ca_file}"\n'
        )
        metrics = smoke("--config", str(config), "--format", "openmetrics")
        doc = json.loads(smoke("--config", str(config), "--format", "json").stdout)
    families = parse_openmetrics(metrics.stdout)
    days = {labels["certificate"]: value for _, labels, value in families["bokade_smoke_certificate_expiry_days"].samples}  # fmt: skip
    assert days["client"] == 20  # warned: it expires within 30 days
    assert days["server"] > 300_000  # trustme's certificates run to the year 3000
    steps = {s["step"]: s for s in doc["steps"]}
    assert steps["certificate"]["verdict"] == "warn" and steps["certificate"]["data"]["days_left"] == 20  # fmt: skip
    assert families["bokade_smoke_certificate_expiry_days"].help.startswith("Whole days")  # type: ignore[union-attr]
    _check_against_json(families, doc)


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_repeated_ping_is_one_series_and_a_warning(plain: str) -> None:
    # The same HSA-id twice, and once more in other case: one step, one series per label set
    # (review 3, finding 4). Prometheus drops a file that repeats a label set.
    pings = ["SE2321000016-A001", "SE2321000016-A001", "se2321000016-a001"]
    args = ["--base-url", plain, "--pnr", PNR, *(x for p in pings for x in ("--ping", p))]
    metrics = smoke(*args, "--format", "openmetrics")
    families = parse_openmetrics(metrics.stdout)  # refuses the same labels twice
    steps = [
        labels["step"] for _, labels, _ in families["bokade_smoke_step_latency_seconds"].samples
    ]
    assert steps.count("ping:SE2321000016-A001") == 1 and not any("a001" in s for s in steps)
    assert metrics.stderr.count("is pinged once") == 2, metrics.stderr
    doc = json.loads(smoke(*args, "--format", "json").stdout)
    assert [s["step"] for s in doc["steps"]].count("ping:SE2321000016-A001") == 1


def test_the_renderer_writes_a_label_set_once() -> None:
    from bokade_cli.output.openmetrics import render_smoke

    step = {"step": "ping:X", "title": "t", "verdict": "pass", "elapsed_ms": 5, "data": {}}
    doc = {"profile": "p", "passed": True, "steps": [step, {**step, "elapsed_ms": 9}]}
    families = parse_openmetrics(render_smoke(doc))
    assert families["bokade_smoke_step_latency_seconds"].samples == [
        ("bokade_smoke_step_latency_seconds", {"profile": "p", "step": "ping:X"}, 0.005)
    ]
