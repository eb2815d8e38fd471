"""Untrusted and local text is quoted plainly, never with repr() (review 2, finding F2).

repr() wrote a tab, a non-breaking or a zero-width space inside a personnummer as `\\t`,
`\\xa0` or `\\u200b`: digits and letters the output boundary cannot mask, so the number was
readable in the table, the JSON and the capture. Quoted plainly, the boundary masks the number
first and neutralises the character after. Every echo below goes through the CLI.
"""

from __future__ import annotations

import json
import re
import socket
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.output.privacy import Masker
from bokade_cli.quoting import quote, quote_value
from tests.fakeplatform import envelope, scheduling_body, slot
from tests.helpers import PNR
from tests.hostile import hostile_server
from tests.test_faults import RawServer

OTHER = ("19470323", "9873")  # someone else's number, split by the separator under test
# Each stands between the parts of a number as a space or as nothing at all.
SEPARATORS = {
    "tab": "\t",
    "nbsp": "\xa0",
    "zwsp": "\u200b",
    "ideographic-space": "\u3000",
    "word-joiner": "\u2060",
    "narrow-nbsp": "\u202f",
    "bom": "\ufeff",
    "line-separator": "\u2028",
}
# Separators of every kind the masking sees through: spaces, line and paragraph separators,
# format characters, controls, combining marks, dashes.
ANY_SEPARATOR = st.characters(categories=("Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Pd"))
_LENGTH = re.compile(r" \([0-9,]+ characters\)$")
_ESCAPE = re.compile(r"\\+(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[tnr])")


def split(sep: str) -> str:
    return OTHER[0] + sep + OTHER[1]


def assert_masked(text: str) -> None:
    """No form of the other number: escapes (`\\u200b`, `\\xa0`, `\\t`) dropped, every Unicode
    digit read as ASCII, everything else between the digits ignored."""
    digits = "".join(str(unicodedata.decimal(c)) for c in _ESCAPE.sub("", text) if c.isdecimal())
    assert "4703239873" not in digits, text


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout + result.stderr


# --- the quoting itself -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(alphabet="abc xyz,:", max_size=80),
    sep=ANY_SEPARATOR,
    after=st.text(alphabet="abc xyz,:", max_size=80),
    limit=st.integers(min_value=1, max_value=120),
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_quoted_value_never_leaves_a_number_the_boundary_cannot_mask(
    before: str, sep: str, after: str, limit: int
) -> None:
    """Whole, the number is masked; cut anywhere, no digit of it is left."""
    quoted = quote(before + split(sep) + after, limit)
    masked = Masker([], generic=True).mask(quoted)
    assert_masked(masked)
    rest = _LENGTH.sub("", masked).replace("19470323-****", "")
    assert not any(c.isdecimal() for c in rest), quoted


def test_quote_writes_text_as_it_is() -> None:
    assert quote("a\tb\u200bc") == '"a\tb\u200bc"'
    assert quote("x" * 100) == '"' + "x" * 60 + '..." (100 characters)'
    assert quote("abc 1947032", 8) == '"abc..." (11 characters)'  # digits and space dropped


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a\xa0b", '"a\xa0b"'),
        (True, "true"),
        ([1, "a\tb"], '[1, "a\tb"]'),
        ({"k": ["x"]}, '{k = ["x"]}'),
        (10**70, "a number of about 71 digits"),
    ],
)
def test_a_toml_value_is_written_as_toml_would(value: object, shown: str) -> None:
    assert quote_value(value) == shown


# --- echoes of arguments, the environment and files, through the CLI -------------------------


@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_now_holding_a_split_number_is_masked(sep: str, fmt: str) -> None:
    code, output = _invoke(
        "collect", PNR, "--now", split(sep), "--base-url", "http://127.0.0.1:9", "--format", fmt
    )
    assert code == 2 and "is not an ISO 8601 time" in output, output
    assert "19470323-****" in output
    assert_masked(output)


@settings(max_examples=60, deadline=None)
@given(sep=ANY_SEPARATOR)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_any_separator_in_a_now_is_masked(sep: str) -> None:
    code, output = _invoke("collect", PNR, "--now", split(sep), "--base-url", "http://127.0.0.1:9")
    assert code == 2
    assert_masked(output)


SPACES = {k: v for k, v in SEPARATORS.items() if v.isspace()} | {"zwsp": "\u200b"}


@pytest.mark.parametrize("sep", SPACES.values(), ids=SPACES.keys())
def test_a_base_url_holding_a_split_number_is_a_masked_config_error(sep: str) -> None:
    url = f"http://127.0.0.1:9/{split(sep)}"
    code, output = _invoke("collect", PNR, "--base-url", url)
    assert code == 5 and output.startswith("Error: --base-url: "), output
    assert_masked(output)
    code, output = _invoke("collect", PNR, env={"BOKADE_BASE_URL": url})
    assert code == 5 and output.startswith("Error: BOKADE_BASE_URL: "), output
    assert_masked(output)


@pytest.mark.parametrize("sep", ["\\t", "\\u00a0", "\\u200b", "\\u3000"])
@pytest.mark.parametrize(
    "line",
    [
        'base_url = "http://127.0.0.1:9/{}"',
        'timeout_s = "{}"',
        'timeout_s = ["{}"]',  # inside a list: repr would have escaped it as well
        'consumer_hsa_id = "{}"',
        '[profiles.p.paths]\nGetSubjectOfCareSchedule = "/{}"',
    ],
)
def test_a_config_value_holding_a_split_number_is_masked(
    tmp_path: Path, sep: str, line: str
) -> None:
    config = tmp_path / "bokade.toml"
    value = OTHER[0] + sep + OTHER[1]  # a TOML escape: the file itself is plain ASCII
    config.write_text(f"[profiles.p]\n{line.format(value)}\n", encoding="utf-8")
    for argv in (["config", "check"], ["collect", PNR]):
        code, output = _invoke(*argv, "--config", str(config))
        assert code == 5 and str(config) in output, output
        assert_masked(output)


@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_a_batch_value_holding_a_split_number_is_masked(tmp_path: Path, sep: str) -> None:
    batch = tmp_path / "cases.toml"
    escaped = json.dumps(split(sep))  # a TOML basic string: JSON's escapes are TOML's
    batch.write_text(f'[[cases]]\npersonnummer = "{PNR}"\nlogic = {escaped}\n', encoding="utf-8")
    code, output = _invoke("batch", str(batch), "--base-url", "http://127.0.0.1:9")
    assert code == 2 and "logic must be one of" in output, output
    assert_masked(output)


@pytest.mark.parametrize("sep", ["\t", "\x1f", "\x85"])
def test_a_relation_holding_a_split_number_is_masked(sep: str) -> None:
    code, output = _invoke("collect", PNR, "-r", split(sep), "--base-url", "http://127.0.0.1:9")
    assert code == 2 and "--relation 1" in output, output
    assert_masked(output)


# --- what a producer or a proxy says, over loopback --------------------------------------------


def _latin1(text: str) -> str:
    """`text` as UTF-8 bytes, written through http.server's Latin-1 header encoding."""
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
@pytest.mark.parametrize("odd_header", [False, True], ids=["utf8", "latin1"])
@pytest.mark.slow  # a loopback server
def test_a_content_encoding_holding_the_number_is_masked_everywhere(
    tmp_path: Path, sep: str, odd_header: bool
) -> None:
    """The review's repro: a producer's Content-Encoding quoted with repr() in the table, the
    JSON and the capture. One header that is not UTF-8 makes httpx read them all as Latin-1."""
    number = PNR[:8] + sep + PNR[8:]
    headers = {"Content-Encoding": _latin1(number)}
    if odd_header:
        headers["X-Odd"] = "\xff"

    def answer(contract: str, _address: str) -> tuple[int, dict[str, str], bytes]:
        return 200, headers, b"<x/>"

    capture = tmp_path / "capture.json"
    with hostile_server(answer) as url:
        argv = ["collect", PNR, "--base-url", url, "--logic", "target"]
        _, table = _invoke(*argv, "-v", "--save-capture", str(capture))
        doc = CliRunner().invoke(app, [*argv, "--format", "json"]).stdout
    message = json.loads(doc)["calls"][0]["message"]
    assert "uses Content-Encoding" in message and "19121212-****" in message, message
    for text in (table, doc, capture.read_text(encoding="utf-8")):
        digits = "".join(c for c in _ESCAPE.sub("", text) if c.isdecimal())
        assert "1212121212" not in digits, text


@pytest.fixture
def refusing_proxy() -> Iterator[Callable[[str], RawServer]]:
    servers: list[RawServer] = []

    def start(status_line: str) -> RawServer:
        def refuse(conn: socket.socket) -> None:
            conn.sendall(f"{status_line}\r\nContent-Length: 0\r\n\r\n".encode())

        servers.append(RawServer(refuse))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("sep", ["\t", "\u200b", "\xa0"], ids=["tab", "zwsp", "nbsp"])
@pytest.mark.slow  # a loopback proxy
def test_smoke_masks_a_number_in_the_proxys_refusal(
    refusing_proxy: Callable[[str], RawServer], tmp_path: Path, sep: str
) -> None:
    proxy = refusing_proxy(f"HTTP/1.1 403 Blocked for {PNR[:8]}{sep}{PNR[8:]}")
    config = tmp_path / "bokade.toml"
    config.write_text(
        f'[profiles.p]\nbase_url = "https://127.0.0.1:9/vp"\nproxy = "{proxy.url}"\n',
        encoding="utf-8",
    )
    for fmt in ("table", "json"):
        code, output = _invoke("smoke", "--config", str(config), "--pnr", PNR, "-f", fmt)
        assert code == 1, output
        assert "the proxy answered" in output and "19121212-****" in output, output
        digits = "".join(c for c in _ESCAPE.sub("", output) if c.isdecimal())
        assert "1212121212" not in digits, output


@pytest.mark.parametrize("sep", ["\t", "\u200b", "\xa0"], ids=["tab", "zwsp", "nbsp"])
@pytest.mark.slow  # a loopback server
def test_explain_masks_the_number_in_a_filtered_records_value(sep: str) -> None:
    """support/known_causes quoted the offending value with repr() too; a producer's value is
    masked for the citizen's own number (SPEC §7), in any written form."""
    start = PNR[:8] + sep + PNR[8:]  # not a calendar time: bad_time_format, quoted in the detail
    body = scheduling_body([slot("SE2321000016-F001", start, "B1")])

    def answer(contract: str, _address: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, envelope(body if contract == "GetSubjectOfCareSchedule" else "").encode()

    with hostile_server(answer) as url:
        for fmt in ("table", "json"):
            argv = ["explain", PNR, "--base-url", url, "--booking-id", "B1", "--format", fmt]
            code, output = _invoke(*argv)
            assert "is not a valid YYYYMMDDhhmmss calendar time" in output, output
            assert '"19121212-****"' in output or '\\"19121212-****\\"' in output, output
            digits = "".join(c for c in _ESCAPE.sub("", output) if c.isdecimal())
            assert "1212121212" not in digits, output
