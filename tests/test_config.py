"""Tests for settings resolution, config checks and the TLS context."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from bokade_cli.config import (
    Settings,
    TlsSettings,
    config_dir,
    load_settings,
    user_config_file,
)
from bokade_cli.config_report import check, describe
from bokade_cli.engine.tls import build_ssl_context
from bokade_cli.errors import ConfigError, ExitCode

SAMPLES = Path(__file__).resolve().parents[1] / "sample_configs"
ENV_VARS = [
    "BOKADE_BASE_URL",
    "BOKADE_AGGREGATOR_LOGICAL_ADDRESS",
    "BOKADE_CONSUMER_HSA_ID",
    "BOKADE_TIMEOUT_S",
    "BOKADE_CONNECT_TIMEOUT_S",
    "BOKADE_MAX_RESPONSE_BYTES",
    "BOKADE_RELATIONS_FILE",
    "BOKADE_CERT_FILE",
    "BOKADE_KEY_FILE",
    "BOKADE_KEY_PASSWORD_FILE",
    "BOKADE_CA_FILE",
]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty config dir and no BOKADE_* variables, whatever the developer's shell has."""
    for name in list(os.environ):
        if name.startswith("BOKADE_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "userconf"
    monkeypatch.setenv("BOKADE_CONFIG_DIR", str(folder))
    return folder


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _user(text: str) -> Path:
    return _write(user_config_file(), text)


def _config_error(**kwargs: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_settings(**kwargs)  # type: ignore[arg-type]
    assert info.value.exit_code == ExitCode.CONFIG
    return info.value


# --- where the config lives ---------------------------------------------------------------


def test_config_dir_honours_the_env_override(isolated: Path) -> None:
    assert config_dir() == isolated
    assert user_config_file() == isolated / "config.toml"
    assert config_dir({"BOKADE_CONFIG_DIR": "/elsewhere"}) == Path("/elsewhere")


def test_config_dir_falls_back_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOKADE_CONFIG_DIR")
    assert config_dir() == platformdirs.user_config_path("bokade", appauthor=False)


# --- defaults and precedence --------------------------------------------------------------


def test_defaults_without_any_config() -> None:
    settings = load_settings()
    profile = settings.profile
    assert profile.name == "(none)"
    assert profile.base_url is None
    assert profile.aggregator_logical_address == "5565594230"
    assert (profile.timeout_s, profile.connect_timeout_s) == (35.0, 5.0)
    assert profile.max_response_bytes == 20_000_000
    assert profile.paths == {
        "GetSubjectOfCareSchedule": "/GetSubjectOfCareSchedule/1/rivtabp21",
        "GetCareContacts/2": "/clinicalprocess/logistics/logistics/GetCareContacts/2/rivtabp21",
        "GetCareContacts/3": "/clinicalprocess/logistics/logistics/GetCareContacts/3/rivtabp21",
    }
    assert profile.tls == TlsSettings(None, None, None, None)
    assert settings.files == ()
    assert set(settings.origins.values()) == {"default"}


def test_each_layer_wins_over_the_ones_below(tmp_path: Path) -> None:
    user = _user(
        """
        [profiles.test]
        base_url = "https://user.example/vp"
        aggregator_logical_address = "USERAGG"
        consumer_hsa_id = "SE-USER"
        timeout_s = 11
        connect_timeout_s = 1.5
        """
    )
    explicit = _write(
        tmp_path / "explicit.toml",
        """
        [profiles.test]
        aggregator_logical_address = "FILEAGG"
        consumer_hsa_id = "SE-FILE"
        timeout_s = 12
        """,
    )
    env = {"BOKADE_CONSUMER_HSA_ID": "SE-ENV", "BOKADE_TIMEOUT_S": "13", "BOKADE_PROFILE": ""}
    settings = load_settings(
        config_file=explicit,
        overrides={"consumer_hsa_id": "SE-FLAG", "base_url": None},
        env={**os.environ, **env},
    )
    profile, origins = settings.profile, settings.origins
    assert profile.name == "test"
    assert (profile.consumer_hsa_id, origins["consumer_hsa_id"]) == (
        "SE-FLAG",
        "flag --consumer-hsa-id",
    )
    assert (profile.timeout_s, origins["timeout_s"]) == (13.0, "env BOKADE_TIMEOUT_S")
    assert (profile.aggregator_logical_address, origins["aggregator_logical_address"]) == (
        "FILEAGG",
        f"--config {explicit}",
    )
    assert (profile.base_url, origins["base_url"]) == (
        "https://user.example/vp",
        f"user config {user}",
    )
    assert (profile.connect_timeout_s, origins["connect_timeout_s"]) == (1.5, f"user config {user}")
    assert (profile.max_response_bytes, origins["max_response_bytes"]) == (20_000_000, "default")
    assert settings.files == (user, explicit)


def test_bokade_config_env_names_the_file_and_config_file_beats_it(tmp_path: Path) -> None:
    from_env = _write(tmp_path / "env.toml", '[profiles.a]\nbase_url = "https://env.example"\n')
    from_arg = _write(tmp_path / "arg.toml", '[profiles.a]\nbase_url = "https://arg.example"\n')
    env = {"BOKADE_CONFIG": str(from_env), "BOKADE_CONFIG_DIR": str(tmp_path / "none")}
    settings = load_settings(env=env)
    assert settings.profile.base_url == "https://env.example"
    assert settings.origins["base_url"] == f"env BOKADE_CONFIG {from_env}"
    assert load_settings(config_file=from_arg, env=env).profile.base_url == "https://arg.example"


def test_env_values_are_parsed_and_empty_ones_ignored(tmp_path: Path) -> None:
    env = {
        "BOKADE_CONFIG_DIR": str(tmp_path / "none"),
        "BOKADE_BASE_URL": "https://env.example/vp",
        "BOKADE_MAX_RESPONSE_BYTES": "1_000",
        "BOKADE_CONNECT_TIMEOUT_S": "0.25",
        "BOKADE_CONSUMER_HSA_ID": "",
        "BOKADE_CERT_FILE": "rel/cert.pem",
    }
    profile = load_settings(env=env).profile
    assert profile.base_url == "https://env.example/vp"
    assert profile.max_response_bytes == 1000
    assert profile.connect_timeout_s == 0.25
    assert profile.consumer_hsa_id is None
    assert profile.tls.cert_file == Path.cwd() / "rel/cert.pem"  # env paths: relative to cwd


def test_every_documented_env_var_is_honoured(tmp_path: Path) -> None:
    env = {name: "5" if "TIMEOUT" in name or "BYTES" in name else f"/x/{name}" for name in ENV_VARS}
    env["BOKADE_BASE_URL"] = "https://vp.example/x"
    env["BOKADE_AGGREGATOR_LOGICAL_ADDRESS"] = "SE2321000016-AGG1"
    env["BOKADE_CONSUMER_HSA_ID"] = "SE2321000016-C001"
    settings = load_settings(env={"BOKADE_CONFIG_DIR": str(tmp_path), **env})
    by_origin = {origin for key, origin in settings.origins.items() if key != "profile"}
    assert {f"env {name}" for name in ENV_VARS} <= by_origin
    assert settings.profile.tls.key_password_file == Path("/x/BOKADE_KEY_PASSWORD_FILE")


def test_flag_overrides_accept_paths_and_numbers_and_name_the_flag() -> None:
    settings = load_settings(
        overrides={"relations_file": Path("/r.txt"), "timeout_s": "7", "max_response_bytes": 9}
    )
    assert settings.profile.relations_file == Path("/r.txt")
    assert settings.origins["relations_file"] == "flag --relations"
    assert settings.profile.timeout_s == 7.0
    assert settings.origins["timeout_s"] == "flag --timeout-s"
    assert settings.profile.max_response_bytes == 9


def test_unknown_override_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timeout"):
        load_settings(overrides={"timeout": 3})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOKADE_TIMEOUT_S": "abc"}, 'BOKADE_TIMEOUT_S must be a positive number, got "abc"'),
        ({"BOKADE_TIMEOUT_S": "-1"}, 'BOKADE_TIMEOUT_S must be a positive number, got "-1"'),
        ({"BOKADE_TIMEOUT_S": "nan"}, 'BOKADE_TIMEOUT_S must be a positive number, got "nan"'),
        (
            {"BOKADE_MAX_RESPONSE_BYTES": "1.5"},
            'BOKADE_MAX_RESPONSE_BYTES must be a positive whole number, got "1.5"',
        ),
    ],
)
def test_bad_env_values_name_the_variable(
    env: dict[str, str], message: str, isolated: Path
) -> None:
    assert _config_error(env={"BOKADE_CONFIG_DIR": str(isolated), **env}).message == message


def test_bad_flag_value_names_the_flag() -> None:
    assert _config_error(overrides={"connect_timeout_s": 0}).message == (
        "--connect-timeout-s must be a positive number, got 0"
    )


# --- profile selection --------------------------------------------------------------------

TWO_PROFILES = """
default_profile = "test"
[profiles.test]
base_url = "https://test.example"
[profiles.prod]
base_url = "https://prod.example"
"""


def test_profile_argument_beats_env_beats_default_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    path = _user(TWO_PROFILES)
    settings = load_settings()
    assert (settings.profile.name, settings.origins["profile"]) == (
        "test",
        f"default_profile in {path}",
    )
    monkeypatch.setenv("BOKADE_PROFILE", "prod")
    settings = load_settings()
    assert (settings.profile.base_url, settings.origins["profile"]) == (
        "https://prod.example",
        "env BOKADE_PROFILE",
    )
    settings = load_settings(profile="test")
    assert (settings.profile.name, settings.origins["profile"]) == ("test", "flag --profile")
    assert settings.available_profiles == ("test", "prod")


def test_default_profile_in_config_file_beats_the_user_file(tmp_path: Path) -> None:
    _user(TWO_PROFILES)
    explicit = _write(tmp_path / "c.toml", 'default_profile = "prod"\n')
    settings = load_settings(config_file=explicit)
    assert settings.profile.name == "prod"
    assert settings.origins["profile"] == f"default_profile in {explicit}"


def test_profiles_merge_across_files(tmp_path: Path) -> None:
    _user(
        '[profiles.test]\nbase_url = "https://u.example"\n[profiles.test.tls]\nca_file = "/ca.pem"\n'
    )
    explicit = _write(tmp_path / "c.toml", "[profiles.test.tls]\ncert_file = '/c.pem'\n")
    settings = load_settings(config_file=explicit)
    assert settings.profile.base_url == "https://u.example"
    assert settings.profile.tls == TlsSettings(Path("/c.pem"), None, None, Path("/ca.pem"))
    assert settings.origins["tls.cert_file"] == f"--config {explicit}"


def test_a_single_profile_is_chosen_without_default_profile() -> None:
    path = _user('[profiles.only]\nbase_url = "https://only.example"\n')
    settings = load_settings()
    assert settings.profile.name == "only"
    assert settings.origins["profile"] == f"the only profile in {path}"


def test_several_profiles_without_default_give_no_profile() -> None:
    _user('[profiles.a]\nbase_url = "https://a"\n[profiles.b]\nbase_url = "https://b"\n')
    settings = load_settings()
    assert settings.profile.name == "(none)"
    assert settings.profile.base_url is None
    assert check(settings) == ["base_url is not set (defined profiles: a, b)"]


def test_unknown_profile_names_the_files_and_the_defined_profiles(tmp_path: Path) -> None:
    user = _user('[profiles.test]\nbase_url = "https://t"\n')
    other = _write(tmp_path / "b.toml", '[profiles.prod]\nbase_url = "https://p"\n')
    error = _config_error(config_file=other, profile="qa")
    assert error.message == f"profile 'qa' is not defined in {user}, {other} (defined: test, prod)"
    assert "[profiles.qa]" in error.hint


def test_unknown_profile_without_any_file() -> None:
    error = _config_error(profile="qa")
    assert error.message == (
        "profile 'qa' is not defined in any config file (none was read) (defined: none)"
    )


def test_default_profile_that_does_not_exist_names_the_file() -> None:
    path = _user('default_profile = "qa"\n[profiles.test]\nbase_url = "https://t"\n')
    assert _config_error().message == f"{path}: default_profile 'qa' is not defined (defined: test)"


# --- malformed files fail loudly, naming file, key and line -------------------------------


def test_toml_syntax_error_names_file_and_line() -> None:
    path = _user('[profiles.test]\nbase_url = "https://t"\ntimeout_s = \n')
    error = _config_error()
    assert error.message.startswith(f"{path}: invalid TOML: ")
    assert "line 3" in error.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('timeout_s = "abc"', 'profiles.test.timeout_s must be a positive number, got "abc"'),
        ("timeout_s = true", "profiles.test.timeout_s must be a positive number, got true"),
        (
            "max_response_bytes = 2e7",
            "profiles.test.max_response_bytes must be a positive whole number, got 20000000.0",
        ),
        ("base_url = 5", "profiles.test.base_url must be a non-empty string, got 5"),
        ('base_url = ""', 'profiles.test.base_url must be a non-empty string, got ""'),
        ('paths = "x"', 'profiles.test.paths must be a table, got "x"'),
        ("tls.cert_file = []", "profiles.test.tls.cert_file must be a non-empty string, got []"),
    ],
)
def test_bad_values_name_file_and_key(body: str, message: str) -> None:
    path = _user(f"[profiles.test]\n{body}\n")
    error = _config_error()
    assert error.message == f"{path}: {message}"
    assert error.hint == "Fix the value or run `bokade config check`."


@pytest.mark.parametrize(
    ("body", "key", "suggestion"),
    [
        ("[profiles.test]\ntimeout = 3", "profiles.test.timeout", "timeout_s"),
        ("[profiles.test.tls]\ncert = 'x'", "profiles.test.tls.cert", "tls.cert_file"),
        (
            "[profiles.test.paths]\nGetCareContacts_v4 = '/x'",
            "profiles.test.paths.GetCareContacts_v4",
            "paths.GetCareContacts_v3",
        ),
        ("defaul_profile = 'x'", "defaul_profile", "default_profile"),
    ],
)
def test_unknown_keys_are_errors_with_a_suggestion(body: str, key: str, suggestion: str) -> None:
    path = _user(body + "\n")
    error = _config_error()
    assert error.message == f"{path}: {key} is not a known setting"
    assert f"Did you mean {suggestion!r}?" in error.hint


def test_unknown_key_in_an_unused_profile_still_fails() -> None:
    _user(
        'default_profile = "a"\n[profiles.a]\nbase_url = "https://a"\n[profiles.b]\nbase_ur = "x"\n'
    )
    assert "profiles.b.base_ur is not a known setting" in _config_error().message


def test_explicit_config_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert _config_error(config_file=missing).message == (
        f"{missing}: the config file named by --config does not exist"
    )
    env = {"BOKADE_CONFIG": str(missing), "BOKADE_CONFIG_DIR": str(tmp_path)}
    assert "named by env BOKADE_CONFIG" in _config_error(env=env).message


def test_user_config_that_cannot_be_read_is_an_error(isolated: Path) -> None:
    (isolated / "config.toml").mkdir(parents=True)
    assert _config_error().message.startswith(f"{isolated / 'config.toml'}: cannot read")


def test_non_utf8_config_is_an_error() -> None:
    path = user_config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b'[profiles.t]\nbase_url = "\xff"\n')
    assert _config_error().message == f"{path}: not UTF-8 text (line 2)"


# --- paths and URLs -----------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_file_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = _write(
        tmp_path / "conf" / "bokade.toml",
        """
        [profiles.t]
        relations_file = "relations.txt"
        [profiles.t.tls]
        cert_file = "certs/c.pem"
        key_file = "../keys/k.pem"
        ca_file = "/abs/ca.pem"
        """,
    )
    monkeypatch.chdir(tmp_path)
    profile = load_settings(config_file=Path("conf/bokade.toml")).profile
    assert profile.relations_file == conf.parent / "relations.txt"
    assert profile.tls.cert_file == conf.parent / "certs/c.pem"
    assert profile.tls.key_file == conf.parent / "../keys/k.pem"
    assert profile.tls.ca_file == Path("/abs/ca.pem")


def test_url_joins_base_and_path_whatever_the_slashes() -> None:
    _user(
        """
        [profiles.t]
        base_url = "https://vp.example/vp/"
        [profiles.t.paths]
        GetCareContacts_v2 = "custom/v2"
        """
    )
    profile = load_settings().profile
    assert profile.url("GetSubjectOfCareSchedule") == (
        "https://vp.example/vp/GetSubjectOfCareSchedule/1/rivtabp21"
    )
    assert profile.url("GetCareContacts/2") == "https://vp.example/vp/custom/v2"
    assert check(load_settings()) == [
        "paths.GetCareContacts_v2 \"custom/v2\" does not start with '/'"
    ]


def test_url_without_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings().profile.url("GetCareContacts/3")
    assert info.value.message == "no base_url is set (no profile is selected)"


# --- describe and check -------------------------------------------------------------------


def test_describe_lists_every_key_with_its_origin_and_never_reads_secrets(tmp_path: Path) -> None:
    password = _write(tmp_path / "pw.txt", "hunter2\n")
    path = _user(
        f"""
        [profiles.t]
        base_url = "https://vp.example/vp"
        [profiles.t.tls]
        key_password_file = "{password}"
        """
    )
    rows = describe(load_settings())
    table = {key: (value, origin) for key, value, origin in rows}
    assert [key for key, _, _ in rows][:2] == ["profile", "base_url"]
    assert table["base_url"] == ("https://vp.example/vp", f"user config {path}")
    assert table["tls.key_password_file"] == (str(password), f"user config {path}")
    assert table["tls.cert_file"] == ("(not set)", "default")
    assert table["paths.GetCareContacts_v3"][1] == "default"
    assert table["timeout_s"] == ("35.0", "default")
    assert len(rows) == 16  # profile + every setting (proxy included)
    assert table["proxy"] == ("(not set)", "default")
    assert not any("hunter2" in cell for row in rows for cell in row)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://svc:s3cret@vp.example/vp", "holds user information"),
        ("https://svc@vp.example/vp", "holds user information"),
        ("https://vp.example/vp?x=1", "holds a query"),
        ("https://vp.example/vp#frag", "holds a fragment"),
        ("http://[::1", "is not a valid URL"),
        ("https://vp.example:99999/vp", "an invalid port"),
        ("https://vp.example:-1/vp", "an invalid port"),
        ("https://vp.example:19999:80/vp", "an invalid port"),
        ("https://xn--a.example/vp", "not valid (IDNA)"),
        ("https:///vp", "names no host"),
    ],
)
def test_a_base_url_that_cannot_be_used_as_is_is_a_config_error(
    tmp_path: Path, url: str, problem: str
) -> None:
    """SPEC §5: user information, a query or a fragment, or an unusable host or port: exit 5,
    and the message never echoes a password."""
    _user(f'[profiles.t]\nbase_url = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert problem in caught.value.message
    assert "s3cret" not in caught.value.message and caught.value.exit_code == 5


def test_a_base_url_that_is_not_http_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    _user('[profiles.t]\nbase_url = "ftp://user:secret@vp.example"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.message == (
        f'{user_config_file()}: profiles.t.base_url: "ftp://***@vp.example" must start with '
        "http:// or https://"
    )


def test_check_reports_missing_files(tmp_path: Path) -> None:
    _user(
        f"""
        [profiles.t]
        base_url = "https://vp.example"
        relations_file = "{tmp_path / "rel.txt"}"
        """
    )
    settings = load_settings(overrides={"ca_file": tmp_path / "ca.pem"})
    assert check(settings) == [
        f"relations_file: {tmp_path / 'rel.txt'} does not exist (user config {user_config_file()})",
        f"tls.ca_file: {tmp_path / 'ca.pem'} does not exist (flag --ca-file)",
    ]


def test_check_is_quiet_for_a_good_setup(pki: Pki) -> None:
    settings = load_settings(
        overrides={
            "base_url": "https://vp.example/vp",
            "cert_file": pki.cert,
            "key_file": pki.key,
            "ca_file": pki.ca_file,
        }
    )
    assert check(settings) == []


def test_check_reports_a_key_without_a_certificate(pki: Pki) -> None:
    settings = load_settings(overrides={"base_url": "https://vp.example", "key_file": pki.key})
    assert check(settings) == ["tls.cert_file: not set, but tls.key_file is"]


def test_check_reports_a_certificate_without_a_key(pki: Pki) -> None:
    settings = load_settings(overrides={"base_url": "https://vp.example", "cert_file": pki.cert})
    assert check(settings) == [f"tls.cert_file: {pki.cert} holds no usable PEM private key"]


def test_check_warns_that_http_never_presents_the_certificate(pki: Pki) -> None:
    overrides = {"base_url": "http://vp.example", "cert_file": pki.combined}
    assert check(load_settings(overrides=overrides)) == [
        "base_url uses http, so the client certificate is never presented"
    ]


# --- the TLS context ----------------------------------------------------------------------


class Pki:
    """A throwaway CA with a client certificate in the shapes a profile can name."""

    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        self.issued = self.ca.issue_cert("client.example")
        self.ca_file = folder / "ca.pem"
        self.combined = folder / "client-combined.pem"
        self.cert = folder / "client-cert.pem"
        self.key = folder / "client-key.pem"
        self.encrypted_key = folder / "client-key-encrypted.pem"
        self.password = folder / "client-key.password"
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.issued.private_key_and_cert_chain_pem.write_to_path(self.combined)
        for blob in self.issued.cert_chain_pems:
            blob.write_to_path(self.cert, append=True)
        self.issued.private_key_pem.write_to_path(self.key)
        key = serialization.load_pem_private_key(self.issued.private_key_pem.bytes(), None)
        self.encrypted_key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"correct horse"),
            )
        )
        self.password.write_text("correct horse\n")  # the trailing newline must be stripped


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    folder = tmp_path / "pki"
    folder.mkdir()
    return Pki(folder)


def _tls_error(tls: TlsSettings) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build_ssl_context(tls)
    return info.value


def test_context_always_verifies_and_uses_system_roots_by_default() -> None:
    context = build_ssl_context(TlsSettings())
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_context_trusts_only_the_given_ca(pki: Pki) -> None:
    context = build_ssl_context(TlsSettings(ca_file=pki.ca_file))
    issuers = [dict(item[0] for item in ca["subject"]) for ca in context.get_ca_certs()]
    assert len(issuers) == 1
    assert "trustme" in issuers[0]["organizationName"]


@pytest.mark.parametrize("shape", ["combined", "separate", "encrypted"])
def test_client_certificate_loads_in_every_shape(pki: Pki, shape: str) -> None:
    tls = {
        "combined": TlsSettings(cert_file=pki.combined),
        "separate": TlsSettings(cert_file=pki.cert, key_file=pki.key),
        "encrypted": TlsSettings(pki.cert, pki.encrypted_key, pki.password),
    }[shape]
    assert isinstance(build_ssl_context(tls), ssl.SSLContext)


def test_wrong_password_names_the_password_file(pki: Pki, tmp_path: Path) -> None:
    wrong = _write(tmp_path / "wrong.password", "battery staple\n")
    error = _tls_error(TlsSettings(pki.cert, pki.encrypted_key, wrong))
    assert (
        error.message
        == f"tls.key_password_file: the password in {wrong} does not decrypt {pki.encrypted_key}"
    )
    assert "staple" not in error.message + error.hint
    assert error.exit_code == ExitCode.CONFIG


def test_encrypted_key_without_password_file_never_prompts_off_a_terminal(pki: Pki) -> None:
    error = _tls_error(TlsSettings(pki.cert, pki.encrypted_key))
    assert error.message == (
        f"tls.key_password_file: {pki.encrypted_key} is encrypted, "
        "but tls.key_password_file is not set (and no terminal to ask on)"
    )


def test_encrypted_key_asks_for_the_password_on_a_terminal(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass
    import sys

    prompts: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(
        getpass, "getpass", lambda prompt: prompts.append(prompt) or "correct horse"
    )
    assert isinstance(build_ssl_context(TlsSettings(pki.cert, pki.encrypted_key)), ssl.SSLContext)
    assert prompts and str(pki.encrypted_key) in prompts[0]


def test_key_of_another_certificate_names_the_key_file(pki: Pki, tmp_path: Path) -> None:
    other = tmp_path / "other-key.pem"
    trustme.CA().issue_cert("other.example").private_key_pem.write_to_path(other)
    error = _tls_error(TlsSettings(pki.cert, other))
    assert error.message == f"tls.key_file: {other} does not match the certificate {pki.cert}"


@pytest.mark.parametrize("key", ["cert_file", "key_file", "key_password_file", "ca_file"])
def test_missing_tls_file_names_the_key(pki: Pki, tmp_path: Path, key: str) -> None:
    values = {
        "cert_file": pki.cert,
        "key_file": pki.encrypted_key,
        "key_password_file": pki.password,
    }
    values[key] = tmp_path / "missing.pem"
    error = _tls_error(TlsSettings(**values))
    assert error.message == f"tls.{key}: {tmp_path / 'missing.pem'} does not exist"
    assert f"BOKADE_{key.upper()}" in error.hint


def test_garbage_files_name_their_key(pki: Pki, tmp_path: Path) -> None:
    junk = _write(tmp_path / "junk.pem", "not a certificate\n")
    assert _tls_error(TlsSettings(ca_file=junk)).message.startswith("tls.ca_file: ")
    assert _tls_error(TlsSettings(cert_file=junk, key_file=pki.key)).message == (
        f"tls.cert_file: {junk} holds no PEM certificate"
    )
    assert _tls_error(TlsSettings(cert_file=pki.cert, key_file=junk)).message == (
        f"tls.key_file: {junk} holds no usable PEM private key"
    )


def _serve_once(pki: Pki, server_ca: trustme.CA) -> tuple[int, dict[str, object]]:
    """A one-shot TLS server that requires a client certificate from `pki`'s CA."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ca.issue_cert("localhost").configure_cert(server_context)
    pki.ca.configure_trust(server_context)
    server_context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    seen: dict[str, object] = {}

    def run() -> None:
        with listener, listener.accept()[0] as raw:
            try:
                with server_context.wrap_socket(raw, server_side=True) as conn:
                    seen["peer"] = conn.getpeercert()
                    conn.sendall(b"ok")
            except (ssl.SSLError, OSError) as exc:
                seen["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    seen["thread"] = thread
    return listener.getsockname()[1], seen


def test_mutual_tls_handshake_presents_the_client_certificate(pki: Pki, tmp_path: Path) -> None:
    server_ca = trustme.CA()
    server_ca_file = tmp_path / "server-ca.pem"
    server_ca.cert_pem.write_to_path(server_ca_file)
    port, seen = _serve_once(pki, server_ca)
    context = build_ssl_context(
        TlsSettings(pki.cert, pki.encrypted_key, pki.password, server_ca_file)
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as conn:
            assert conn.recv(2) == b"ok"
    thread = seen["thread"]
    assert isinstance(thread, threading.Thread)
    thread.join(timeout=5)
    peer = seen["peer"]
    assert isinstance(peer, dict)
    assert ("DNS", "client.example") in peer["subjectAltName"]  # type: ignore[operator]


# --- the sample configs -------------------------------------------------------------------

SAMPLE_FILES = sorted(SAMPLES.glob("*.toml"))


def test_all_four_samples_exist() -> None:
    names = {path.name for path in SAMPLE_FILES}
    assert names == {"test.toml", "qa.toml", "production-like.toml", "demo.toml"}


def _sample_profiles(path: Path) -> Iterator[Settings]:
    yield load_settings(config_file=path)
    if path.name == "production-like.toml":
        yield load_settings(config_file=path, profile="qa")


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_samples_load_and_only_miss_their_certificate_files(path: Path) -> None:
    for settings in _sample_profiles(path):
        assert settings.profile.base_url is not None
        assert (
            settings.origins["profile"] == f"default_profile in {path}"
            or settings.origins["profile"] == "flag --profile"
        )
        for problem in check(settings):
            assert problem.startswith("tls.")
            assert "does not exist" in problem


def test_the_tls_samples_name_all_four_tls_files() -> None:
    for name in ("test.toml", "qa.toml", "production-like.toml"):
        problems = check(load_settings(config_file=SAMPLES / name))
        assert sorted(problem.split(":")[0] for problem in problems) == [
            "tls.ca_file",
            "tls.cert_file",
            "tls.key_file",
            "tls.key_password_file",
        ]


def test_demo_sample_points_at_the_local_simulator_and_has_no_problems() -> None:
    settings = load_settings(config_file=SAMPLES / "demo.toml")
    assert settings.profile.base_url == "http://127.0.0.1:8080"
    assert check(settings) == []
    assert settings.profile.url("GetCareContacts/3") == (
        "http://127.0.0.1:8080/clinicalprocess/logistics/logistics/GetCareContacts/3/rivtabp21"
    )


def test_sample_relative_cert_paths_resolve_next_to_the_sample() -> None:
    tls = load_settings(config_file=SAMPLES / "test.toml").profile.tls
    assert tls.cert_file == SAMPLES / "certs/test-function-cert.pem"


def test_explicit_config_that_is_a_folder_cannot_be_read(tmp_path: Path) -> None:
    message = _config_error(config_file=tmp_path).message
    assert message.startswith(f"{tmp_path}: cannot read the config file")


def test_url_error_names_the_selected_profile() -> None:
    _user("[profiles.empty]\ntimeout_s = 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings().profile.url("GetSubjectOfCareSchedule")
    assert info.value.message == "no base_url is set (profile empty)"


def test_settings_are_immutable() -> None:
    settings = load_settings()
    with pytest.raises(TypeError):
        settings.profile.paths["GetCareContacts/3"] = "/x"  # type: ignore[index]
    with pytest.raises(TypeError):
        settings.origins["base_url"] = "x"  # type: ignore[index]
