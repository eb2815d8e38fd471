"""consumer_hsa_id and aggregator_logical_address are checked as configuration (review 2, F4).

Both go out verbatim: the HSA-id as an HTTP header, the logical address in the SOAP header.
Unchecked, a non-ASCII HSA-id crashed the run (exit 70, UnicodeEncodeError), a line break in
it was blamed on the network ("could not reach 127.0.0.1: Illegal header value"), and a control
character in the address made a request that is not well-formed XML. Now each is a
configuration error (exit 5) that names the key, from the environment, a file or `config check`.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.engine.soap import SoapClient, build_envelope
from bokade_cli.errors import ConfigError
from tests.fakeplatform import SCHED_R, envelope
from tests.helpers import PNR
from tests.hostile import Seen, hostile_server

KEYS = {
    "consumer_hsa_id": "BOKADE_CONSUMER_HSA_ID",
    "aggregator_logical_address": "BOKADE_AGGREGATOR_LOGICAL_ADDRESS",
}
BAD = {
    "non-ascii": ("SE2321000016-C\u00e4", "outside ASCII"),
    "crlf": ("SE2321000016-C\r\nX-Injected: 1", "line break"),
    "not-utf8": ("5565594230\udcff", "not UTF-8"),  # the byte 0xff in the environment
    "control": ("5565594230\x01", "control character"),
    "space": ("SE2321000016 C001", "space"),
    "markup": ("5565594230</add:LogicalAddress>", "other than letters"),
    "too-long": ("SE" + "1" * 80, "longer than 64"),
}
ANSWER = envelope(f'<r:GetSubjectOfCareScheduleResponse xmlns:r="{SCHED_R}"/>').encode()


def _reply(_contract: str, _address: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, ANSWER


def _collect(url: str, env: dict[str, str], *extra: str) -> tuple[int, str]:
    argv = ["collect", PNR, "--base-url", url, "--logic", "target", *extra]
    result = CliRunner(env=env).invoke(app, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stderr


def _assert_config_error(code: int, stderr: str, where: str, phrase: str) -> None:
    assert code == 5, stderr
    error, hint = stderr.splitlines()  # one line each, whatever the value held
    assert error.startswith(f"Error: {where}: "), stderr
    assert phrase in error, stderr
    assert hint.startswith("Hint: Give an HSA-id such as"), stderr


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(("value", "phrase"), BAD.values(), ids=BAD.keys())
@pytest.mark.slow  # a loopback server
def test_a_bad_value_in_the_environment_is_exit_5_and_nothing_is_sent(
    key: str, value: str, phrase: str
) -> None:
    seen: list[Seen] = []
    with hostile_server(_reply, seen) as url:
        code, stderr = _collect(url, {KEYS[key]: value})
    _assert_config_error(code, stderr, KEYS[key], phrase)
    assert seen == []


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    ("value", "phrase"),
    [v for k, v in BAD.items() if k != "not-utf8"],  # a TOML file is UTF-8 by definition
    ids=[k for k in BAD if k != "not-utf8"],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_bad_value_in_a_file_fails_config_check_and_collect(
    tmp_path: Path, key: str, value: str, phrase: str
) -> None:
    config = tmp_path / "bokade.toml"
    config.write_text(  # a TOML basic string: JSON's escapes are TOML's
        f'default_profile = "p"\n[profiles.p]\nbase_url = "http://127.0.0.1:9"\n'
        f"{key} = {json.dumps(value)}\n",
        encoding="utf-8",
    )
    where = f"{config}: profiles.p.{key}"
    for argv in (["config", "check"], ["collect", PNR]):
        result = CliRunner().invoke(app, [*argv, "--config", str(config)])
        _assert_config_error(result.exit_code, result.stderr, where, phrase)


# Anything an environment variable can hold (no NUL), with the odd characters weighted up.
ODD = st.text(
    alphabet=st.one_of(
        st.sampled_from("SE2321000016-A:._ \t\r\n\x01\x7f\xa0\u200b\u00e4\udcff"),
        st.characters(codec="utf-8", exclude_characters="\x00"),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(consumer=ODD, address=ODD)
@pytest.mark.slow  # a loopback server per example
def test_any_value_is_either_sent_as_given_or_a_config_error(consumer: str, address: str) -> None:
    """Never exit 70, never a call blamed on the network: exit 5 naming a key, or the request
    carries both values exactly (stripped; an empty variable is no setting)."""
    seen: list[Seen] = []
    env = {KEYS["consumer_hsa_id"]: consumer, KEYS["aggregator_logical_address"]: address}
    with hostile_server(_reply, seen) as url:
        code, stderr = _collect(url, env)
    if code == 5:
        assert stderr.startswith(tuple(f"Error: {name}" for name in KEYS.values())), stderr
        assert seen == []
        return
    assert code in (0, 3, 4), stderr
    ((headers, body),) = seen
    sent = headers.get("x-rivta-original-serviceconsumer-hsaid")
    assert sent == (consumer.strip() or None)
    routed = address.strip() or "5565594230"
    assert f">{routed}</add:LogicalAddress>" in body


def test_a_valid_hsa_id_and_address_are_sent_verbatim() -> None:
    seen: list[Seen] = []
    env = {
        KEYS["consumer_hsa_id"]: " SE2321000016-C001 ",
        KEYS["aggregator_logical_address"]: "T:1",
    }
    with hostile_server(_reply, seen) as url:
        code, stderr = _collect(url, env)
    assert code == 0, stderr
    ((headers, body),) = seen
    assert headers["x-rivta-original-serviceconsumer-hsaid"] == "SE2321000016-C001"
    assert ">T:1</add:LogicalAddress>" in body


# --- the last guards, for callers that bypass the configuration ---------------------------------


@pytest.mark.parametrize("consumer", ["SE2321000016-C\u00e4", "C\r\nX: 1", "C 1", ""])
def test_the_client_refuses_a_header_it_could_not_send(consumer: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SoapClient(
            timeout_s=1, connect_timeout_s=1, max_response_bytes=1000, consumer_hsa_id=consumer
        )
    assert caught.value.message.startswith("consumer_hsa_id cannot be sent as an HTTP header")


@pytest.mark.parametrize("address", ["5565594230\x01", "5565594230\udcff", "a\ufffeb"])
def test_an_envelope_never_holds_what_xml_cannot(address: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_envelope(address, "<b/>")
    assert "the logical address cannot be written" in caught.value.message
    assert address not in caught.value.message


@pytest.mark.slow  # a loopback server
def test_a_header_httpx_cannot_encode_is_a_config_error_not_a_network_one() -> None:
    async def post(url: str) -> None:
        client = SoapClient(timeout_s=2, connect_timeout_s=1, max_response_bytes=10_000)
        try:
            await client.call(url, "urn:\u00e5tg\u00e4rd", build_envelope("5565594230", "<b/>"))
        finally:
            await client.aclose()

    seen: list[Seen] = []
    with hostile_server(_reply, seen) as url, pytest.raises(ConfigError) as caught:
        asyncio.run(post(url))
    assert "cannot be sent as configured" in caught.value.message
    assert seen == []


@pytest.mark.parametrize(
    "aggregator", ["5565594230\\u0001", "SE2321000016 AGG", "5565594230\\u00e4"]
)
def test_a_scenarios_aggregator_is_checked_like_the_configs(
    tmp_path: Path, aggregator: str
) -> None:
    """bokade collects with the scenario's aggregator as its logical address: the simulator
    refuses what the configuration would (a TOML escape: the file itself is ASCII)."""
    scenario = tmp_path / "odd.toml"
    scenario.write_text(f'[platform]\naggregator = "{aggregator}"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["simulator", "serve", "--scenario", str(scenario)])
    assert result.exit_code == 2, result.output
    assert "odd.toml" in result.stderr and '"aggregator"' in result.stderr, result.stderr
