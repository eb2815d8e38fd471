"""`bokade collect` through the CLI against platform answers served by pytest-httpx."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from tests.fakeplatform import AGGREGATOR, STYLES, contact, fault, slot
from tests.helpers import PNR, PNR_MASKED, by_booking

F1, F2, F3 = "SE2321000016-0001", "SE2321000016-0002", "SE2321000016-0003"
SYS = "SE2321000016-SYS1"
OK = "DataFromSource"
FUTURE = "20261201100000"

DOC_KEYS = {
    "schema_version",
    "subject_of_care",
    "now",
    "logic",
    "complete",
    "calls",
    "appointments",
    "summary",
    # additive keys (SPEC §4)
    "relations",
    "not_called",
    "stats",
    "target_readiness",
}
CALL_KEYS = {
    "call",
    "contract",
    "logical_address",
    "outcome",
    "elapsed_ms",
    "records",
    "message",
    "sources",
    # additive keys (SPEC §4)
    "hint",
    "correlation_id",
    "notes",
    "queued_ms",
}
APPOINTMENT_KEYS = {
    "id",
    "call",
    "facility_hsa_id",
    "facility_name",
    "start",
    "end",
    "raw_start",
    "booking_id",
    "invitation",
    "verdict",
    "reason",
    "duplicate_of",
    "match",
}


def _empty_call3(platform: Any) -> None:
    platform.care_contacts(3, [], sources=[])
    platform.care_contacts(2, [], sources=[])


@pytest.mark.parametrize("style", STYLES)
def test_every_filter_reason_is_named(platform: Any, collect: Any, style: str) -> None:
    platform.scheduling(
        AGGREGATOR,
        [
            slot(F1, None, "missing"),
            slot(F1, "20261131100000", "31-november"),
            slot(F1, FUTURE, "bad-end", end="20261201106000"),
            slot("", FUTURE, "no-facility"),
            slot(F1, "20261126115959", "passed"),
            slot(F1, "20291126120001", "beyond"),
            slot(F1, "20291126120000", "exactly-3-years"),
            slot(F1, "20261126120000", "exactly-now"),
        ],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
        style=style,
    )
    platform.care_contacts(
        3,
        [
            contact(F2, "20261202100000", "not-approved", approved="false"),
            contact(F2, "20261202110000", "nullified", nullified=" true "),
            contact(F2, "20261202120000", "cancelled", status="1234", status_text="Inställd"),
            contact(F2, "20261202130000", "snomed", status="53631000052103"),
            contact(F2, "20261202140000", "text-booked", status="x", status_text="Tidbokad"),
            contact(F2, "20261202150000", "no-status"),
        ],
        sources=[{"logicalAddress": "SE2321000016-SRC1", "statusCode": OK}],
        style=style,
    )
    platform.care_contacts(
        2,
        [
            contact(F3, "20261203100000", "v2-started", status="3"),
            contact(F3, "20261203110000", "v2-booked", status=" 1 "),
        ],
        sources=[{"logicalAddress": "SE2321000016-SRC1", "statusCode": OK}],
        style=style,
    )
    result = collect()
    assert result.exit_code == 0, result.output
    verdicts = {k: (a["verdict"], a["reason"]) for k, a in by_booking(result.doc).items()}
    assert verdicts == {
        "missing": ("filtered", "missing_start"),
        "31-november": ("filtered", "bad_time_format"),
        "bad-end": ("filtered", "bad_time_format"),
        "no-facility": ("filtered", "missing_facility"),
        "passed": ("filtered", "start_passed"),
        "beyond": ("filtered", "beyond_3_years"),
        "exactly-3-years": ("shown", None),
        "exactly-now": ("shown", None),
        "not-approved": ("filtered", "not_approved_for_patient"),
        "nullified": ("filtered", "nullified"),
        "cancelled": ("filtered", "not_booked_status"),
        "snomed": ("shown", None),
        "text-booked": ("shown", None),
        "no-status": ("shown", None),
        "v2-started": ("filtered", "not_booked_status"),
        "v2-booked": ("shown", None),
    }
    bad = by_booking(result.doc)["31-november"]
    assert bad["start"] is None and bad["raw_start"] == "20261131100000"
    shown = by_booking(result.doc)["exactly-now"]
    assert shown["start"] == "2026-11-26T12:00:00+01:00"


# One booked time per pair of calls, each returned by both calls of its pair.
PAIRS = list(itertools.combinations(["call1", "call2", "call3-v3", "call3-v2"], 2))


def _pair_platform(platform: Any, delays: dict[str, float]) -> None:
    slots1, slots2, v3, v2 = [], [], [], []
    for n, (a, b) in enumerate(PAIRS):
        start = f"202612{10 + n:02d}100000"
        for call in (a, b):
            tag = f"{a}/{b}@{call}"
            if call == "call1":
                slots1.append(slot(F1, start, tag))
            elif call == "call2":
                slots2.append(slot(F1, start, tag))
            elif call == "call3-v3":
                v3.append(contact(F1, start, tag))
            else:
                v2.append(contact(F1, start, tag))
    # booking_id: same facility and bookingId, different minute; document_id likewise.
    slots1.append(slot(F1, "20261220100000", "B-1"))
    slots2.append(slot(F1.lower(), "20261220113000", "B-1"))
    v3.append(contact(F3, "20261221100000", "D-1"))
    v2.append(contact(F2, "20261221113000", "D-1"))
    src = [{"logicalAddress": SYS, "statusCode": OK}]
    platform.scheduling(AGGREGATOR, slots1, sources=src, delay=delays["call1"])
    platform.scheduling(F2, slots2, delay=delays["call2"])
    platform.care_contacts(3, v3, sources=src, delay=delays["call3-v3"])
    platform.care_contacts(2, v2, sources=src, delay=delays["call3-v2"])


def _stable(doc: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    for call in doc["calls"]:
        call["elapsed_ms"] = call["queued_ms"] = 0
        call["correlation_id"] = None  # fresh per call, by design
    return doc


@pytest.mark.slow
def test_duplicates_across_every_pair_of_calls_do_not_depend_on_arrival_order(
    platform: Any, collect: Any
) -> None:
    outputs = []
    for order in itertools.permutations(["call1", "call2", "call3-v3", "call3-v2"]):
        delays = {call: 0.01 * rank for rank, call in enumerate(order)}
        platform.answers.clear()
        _pair_platform(platform, delays)
        result = collect("--relation", F2)
        assert result.exit_code == 0, result.output
        outputs.append(_stable(result.doc))
    assert all(o == outputs[0] for o in outputs)
    appointments = by_booking(outputs[0])
    ids = {a["id"]: a for a in outputs[0]["appointments"]}
    for a, b in PAIRS:
        winner, loser = appointments[f"{a}/{b}@{a}"], appointments[f"{a}/{b}@{b}"]
        assert winner["verdict"] == "shown"
        assert (loser["verdict"], loser["match"]) == ("duplicate", "facility_start")
        assert ids[loser["duplicate_of"]] is winner
    booking = [x for x in outputs[0]["appointments"] if x["booking_id"] == "B-1"]
    assert [(x["call"], x["verdict"], x["match"]) for x in booking] == [
        ("call1", "shown", None),
        ("call2", "duplicate", "booking_id"),
    ]
    document = [x for x in outputs[0]["appointments"] if x["booking_id"] == "D-1"]
    assert [(x["call"], x["verdict"], x["match"]) for x in document] == [
        ("call3-v3", "shown", None),
        ("call3-v2", "duplicate", "document_id"),
    ]


def test_call2_skips_what_call1_called_case_insensitively_even_when_it_failed(
    platform: Any, collect: Any
) -> None:
    platform.scheduling(
        AGGREGATOR,
        [slot(F1, FUTURE, "via-call1")],
        sources=[
            {"logicalAddress": F1.lower(), "statusCode": OK},
            {
                "logicalAddress": F2,
                "statusCode": "NoDataSynchFailed",
                "code": "504",
                "text": "Timeout",
            },
        ],
    )
    platform.scheduling(F3, [slot(F3, FUTURE, "via-call2")])
    _empty_call3(platform)
    result = collect("--relation", F1, "--relation", F2.lower(), "--relation", F3)
    assert result.exit_code == 3, result.output
    assert platform.count("GetSubjectOfCareSchedule", F3) == 1
    assert platform.count("GetSubjectOfCareSchedule", F1) == 0
    assert platform.count("GetSubjectOfCareSchedule", F2) == 0
    calls = {(c["call"], c["logical_address"].casefold()): c for c in result.doc["calls"]}
    skipped_ok = calls[("call2", F1.casefold())]
    skipped_failed = calls[("call2", F2.casefold())]
    assert skipped_ok["outcome"] == skipped_failed["outcome"] == "skipped"
    assert "failed there" in skipped_failed["message"] and "504" in skipped_failed["message"]
    assert "failed" not in skipped_ok["message"]
    assert calls[("call2", F3.casefold())]["outcome"] == "ok"
    assert result.doc["complete"] is False
    failed = calls[("call1", AGGREGATOR)]["sources"][1]
    assert failed == {
        "logical_address": F2,
        "status": "NoDataSynchFailed",
        "error": "service_producer 504: Timeout",
    }


def test_call2_calls_every_relation_when_call1_failed(platform: Any, collect: Any) -> None:
    platform.set(
        "GetSubjectOfCareSchedule",
        AGGREGATOR,
        fault("VP007 Authorization missing for serviceNamespace"),
        status=500,
    )
    platform.scheduling(F1, [slot(F1, FUTURE, "direct")])
    _empty_call3(platform)
    result = collect("--relation", F1)
    assert result.exit_code == 3
    call1 = result.doc["calls"][0]
    assert (call1["call"], call1["outcome"]) == ("call1", "soap_fault")
    assert "VP007" in call1["message"]
    assert by_booking(result.doc)["direct"]["verdict"] == "shown"


def test_target_and_legacy_logics_make_the_calls_they_name(platform: Any, collect: Any) -> None:
    platform.scheduling(
        AGGREGATOR, [slot(F1, FUTURE, "a")], sources=[{"logicalAddress": F1, "statusCode": OK}]
    )
    platform.scheduling(F1, [slot(F1, FUTURE, "a")])
    _empty_call3(platform)
    target = collect("--relation", F1, "--logic", "target")
    assert [c["call"] for c in target.doc["calls"]] == ["call1"]
    legacy = collect("--relation", F1, "--logic", "legacy")
    assert [c["call"] for c in legacy.doc["calls"]] == ["call2", "call3-v3", "call3-v2"]
    assert by_booking(legacy.doc)["a"]["verdict"] == "shown"
    assert platform.count("GetSubjectOfCareSchedule", F1) == 1  # legacy does not exclude


def test_json_document_has_exactly_the_documented_shape(platform: Any, collect: Any) -> None:
    platform.scheduling(
        AGGREGATOR,
        [slot(F1, FUTURE, "81347", name="Vårdcentralen X", invitation=True)],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
    )
    _empty_call3(platform)
    result = collect()
    assert result.exit_code == 0
    assert result.stderr == ""
    doc = result.doc
    assert set(doc) == DOC_KEYS
    assert doc["schema_version"] == 1 and doc["subject_of_care"] == PNR_MASKED
    assert doc["now"] == "2026-11-26T12:00:00+01:00" and doc["logic"] == "current"
    assert all(set(c) == CALL_KEYS for c in doc["calls"])
    assert [set(a) for a in doc["appointments"]] == [APPOINTMENT_KEYS]
    assert doc["appointments"][0] | {"id": None} == {
        "id": None,
        "call": "call1",
        "facility_hsa_id": F1,
        "facility_name": "Vårdcentralen X",
        "start": "2026-12-01T10:00:00+01:00",
        "end": None,
        "raw_start": FUTURE,
        "booking_id": "81347",
        "invitation": True,
        "verdict": "shown",
        "reason": None,
        "duplicate_of": None,
        "match": None,
    }
    assert "\x1b" not in result.stdout
    assert PNR not in result.stdout


def test_unknown_elements_are_tolerated_and_reported_in_verbose_output(
    platform: Any, collect: Any
) -> None:
    extra = '<v:vendorNote xmlns:v="urn:example:vendor">x</v:vendorNote>'
    platform.scheduling(
        AGGREGATOR,
        [slot(F1, FUTURE, "x", extra=extra)],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
    )
    _empty_call3(platform)
    result = collect("--verbose", fmt="table")
    assert result.exit_code == 0
    assert "unknown element vendorNote" in result.stdout
    assert "x-skltp-correlation-id" in result.stdout


def test_requests_carry_the_contract_headers(platform: Any, collect: Any) -> None:
    platform.scheduling(AGGREGATOR, [], sources=[])
    _empty_call3(platform)
    collect()
    actions = {c: r.headers["SOAPAction"] for c, _a, r in platform.requests}
    assert actions == {
        "GetSubjectOfCareSchedule": '"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"',
        "GetCareContacts/2": '"urn:riv:ehr:patientsummary:GetCareContactsResponder:2:GetCareContacts"',
        "GetCareContacts/3": '"urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:3:GetCareContacts"',
    }
    ids = [r.headers["x-skltp-correlation-id"] for _c, _a, r in platform.requests]
    assert len(set(ids)) == len(ids) == 3
    paths = {c: r.url.path for c, _a, r in platform.requests}
    assert (
        paths["GetCareContacts/3"]
        == "/clinicalprocess/logistics/logistics/GetCareContacts/3/rivtabp21"
    )
    for _c, _a, r in platform.requests:
        assert r.headers["Content-Type"] == "text/xml; charset=UTF-8"
        assert "x-rivta-original-serviceconsumer-hsaid" not in r.headers
        assert f">{AGGREGATOR}<" in r.content.decode()


def test_table_escapes_producer_text_and_masks_the_number(platform: Any, collect: Any) -> None:
    platform.scheduling(
        AGGREGATOR,
        [slot(F1, FUTURE, "x", name="[bold red]Klinik[/] ÅÄÖ")],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
    )
    _empty_call3(platform)
    result = collect(fmt="table")
    assert result.exit_code == 0, result.output
    assert "[bold red]Klinik[/] ÅÄÖ" in result.stdout
    assert PNR_MASKED in result.stdout and PNR not in result.stdout
    assert "Received 1: shown 1, duplicate 0, filtered 0. Complete." in result.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_unmask_shows_the_number(platform: Any, collect: Any) -> None:
    platform.scheduling(AGGREGATOR, [], sources=[])
    _empty_call3(platform)
    result = collect("--unmask")
    assert result.doc["subject_of_care"] == "19121212-1212"


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ("all-ok", 0),
        ("one-source-failed", 3),
        ("one-call-failed", 3),
        ("nothing", 4),
    ],
)
def test_exit_codes_of_a_collection(platform: Any, collect: Any, answers: str, code: int) -> None:
    sources = [{"logicalAddress": F1, "statusCode": OK}]
    if answers == "one-source-failed":
        sources.append({"logicalAddress": F2, "statusCode": "NoDataSynchFailed"})
    if answers != "nothing":
        platform.scheduling(AGGREGATOR, [slot(F1, FUTURE, "x")], sources=sources)
        platform.care_contacts(3, [], sources=[])
        if answers != "one-call-failed":
            platform.care_contacts(2, [], sources=[])
    result = collect()
    assert result.exit_code == code, result.output
    assert result.doc["complete"] is (code == 0)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["collect", "19121212-1213", "--base-url", "https://vp.test"], "check digit"),
        (["collect", "20231131-1234", "--base-url", "https://vp.test"], "not a real date"),
        (["collect", "abc", "--base-url", "https://vp.test"], "expected"),
        (["collect", PNR, "--now", "tomorrow", "--base-url", "https://vp.test"], "--now"),
        (["collect", PNR, "--logic", "fastest"], "fastest"),
    ],
)
def test_bad_input_is_exit_2_with_one_line_and_a_hint(
    runner: Any, args: list[str], needle: str
) -> None:
    from bokade_cli.cli import app

    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert PNR not in result.stderr and "19121212-1213" not in result.stderr


def test_personnummer_from_stdin(platform: Any, runner: Any) -> None:
    from bokade_cli.cli import app

    platform.scheduling(AGGREGATOR, [], sources=[])
    _empty_call3(platform)
    result = runner.invoke(
        app,
        ["collect", "-", "--base-url", "https://vp.test", "-f", "json"],
        input="19121212-1212\n",
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["subject_of_care"] == PNR_MASKED


def test_config_errors_exit_5_naming_file_and_key(runner: Any, tmp_path: Any) -> None:
    from bokade_cli.cli import app

    bad = tmp_path / "bad.toml"
    bad.write_text('[profiles.test]\nbase_url = "https://vp.test"\ntimeout_s = "slow"\n')
    result = runner.invoke(app, ["collect", PNR, "--config", str(bad), "-f", "json"])
    assert result.exit_code == 5
    error = json.loads(result.stdout)["error"]
    assert str(bad) in error["message"] and "timeout_s" in error["message"] and error["hint"]
    no_url = runner.invoke(app, ["collect", PNR])
    assert no_url.exit_code == 5 and "base_url" in no_url.stderr


def test_collect_uses_the_profile_and_relations_file(
    platform: Any, runner: Any, tmp_path: Any
) -> None:
    from bokade_cli.cli import app

    relations = tmp_path / "relations.txt"
    relations.write_text(f"# the citizen's relations\n{F3}\n\n")
    config = tmp_path / "bokade.toml"
    config.write_text(
        'default_profile = "qa"\n[profiles.qa]\nbase_url = "https://vp.test/"\n'
        f'consumer_hsa_id = "SE5565594230-B9P"\nrelations_file = "{relations.name}"\n'
    )
    platform.scheduling(AGGREGATOR, [], sources=[])
    platform.scheduling(F3, [slot(F3, FUTURE, "rel")])
    _empty_call3(platform)
    result = runner.invoke(
        app, ["collect", PNR, "--config", str(config), "--now", "2026-11-26T12:00", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert by_booking(json.loads(result.stdout))["rel"]["call"] == "call2"
    assert all(
        r.headers["x-rivta-original-serviceconsumer-hsaid"] == "SE5565594230-B9P"
        for _c, _a, r in platform.requests
    )


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_a_producer_quoting_the_number_is_masked_in_every_output(
    platform: Any, collect: Any
) -> None:
    platform.set(
        "GetSubjectOfCareSchedule",
        AGGREGATOR,
        fault("No patient 191212121212 (19121212-1212, 121212-1212) in the booking system"),
        status=500,
    )
    _empty_call3(platform)
    forms = ("191212121212", "19121212-1212", "121212-1212", "1212121212")
    for fmt in ("json", "table"):
        result = collect("-v", fmt=fmt)
        assert result.exit_code == 3
        assert "19121212-****" in result.stdout
        for form in forms:
            assert form not in result.stdout and form not in result.stderr
    unmasked = collect("--unmask")
    assert "191212121212" in unmasked.doc["calls"][0]["message"]


def test_the_number_in_a_record_field_is_masked_too(platform: Any, collect: Any) -> None:
    platform.scheduling(
        AGGREGATOR,
        [slot(F1, FUTURE, "191212121212-7", name="Kalle 19121212-1212")],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
    )
    _empty_call3(platform)
    for fmt in ("json", "table"):
        result = collect(fmt=fmt)
        assert result.exit_code == 0
        assert "191212121212" not in result.stdout and "19121212-1212" not in result.stdout
        assert "Kalle 19121212-****" in result.stdout
        if fmt == "json":  # the table has no booking-id column
            assert by_booking(result.doc)["19121212-****-7"]["verdict"] == "shown"


def test_a_start_made_of_child_elements_is_a_bad_time_not_a_missing_one(
    platform: Any, collect: Any
) -> None:
    platform.scheduling(
        AGGREGATOR,
        [slot(F1, None, "nested", extra="")],
        sources=[{"logicalAddress": F1, "statusCode": OK}],
    )
    body = platform.answers[("GetSubjectOfCareSchedule", AGGREGATOR)].text.replace(
        "<urn1:healthcare_facility>",
        "<urn1:startTimeInclusive><urn1:b>20261201100000</urn1:b></urn1:startTimeInclusive>"
        "<urn1:healthcare_facility>",
    )
    platform.set("GetSubjectOfCareSchedule", AGGREGATOR, body)
    _empty_call3(platform)
    appointment = by_booking(collect().doc)["nested"]
    assert (appointment["reason"], appointment["raw_start"]) == (
        "bad_time_format",
        "(element content)",
    )


def test_an_unknown_xml_encoding_is_invalid_response_not_a_bug(platform: Any, collect: Any) -> None:
    platform.set(
        "GetSubjectOfCareSchedule", AGGREGATOR, '<?xml version="1.0" encoding="bogus"?><a/>'
    )
    _empty_call3(platform)
    call1 = collect().doc["calls"][0]
    assert call1["outcome"] == "invalid_response" and "unknown encoding" in call1["message"]


@pytest.mark.parametrize(
    ("base_url", "tls", "warned"),
    [
        ("http://vp.example.org", False, "unencrypted"),
        ("http://127.0.0.1:9", True, "TLS settings are not used"),
        ("http://127.0.0.1:9", False, None),
    ],
)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_plain_http_is_warned_about_unless_it_is_loopback(
    runner: Any, tmp_path: Any, base_url: str, tls: bool, warned: str | None
) -> None:
    from bokade_cli.cli import app

    config = tmp_path / "c.toml"
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    config.write_text(
        f'[profiles.p]\nbase_url = "{base_url}"\nconnect_timeout_s = 0.2\ntimeout_s = 0.5\n'
        + (f'[profiles.p.tls]\nca_file = "{ca}"\n' if tls else "")
    )
    result = runner.invoke(
        app, ["collect", PNR, "--config", str(config), "--logic", "target", "-f", "json"]
    )
    if warned:
        assert (
            f"Warning: base_url {base_url} is plain http" in result.stderr
            and warned in result.stderr
        )
    else:
        assert "Warning" not in result.stderr


def test_an_unwritable_capture_path_is_refused_before_any_call(
    platform: Any, collect: Any, tmp_path: Any
) -> None:
    result = collect("--save-capture", str(tmp_path / "missing-folder" / "c.json"))
    assert result.exit_code == 2 and "cannot write" in result.stdout
    assert platform.requests == []


@pytest.mark.parametrize("now", ["9999-12-31T23:00", "0001-01-01T00:00+05:00"])
def test_now_outside_the_rules_years_is_a_usage_error(runner: Any, now: str) -> None:
    from bokade_cli.cli import app

    result = runner.invoke(app, ["collect", PNR, "--base-url", "http://127.0.0.1:9", "--now", now])
    assert result.exit_code == 2 and "outside the years" in result.stderr
