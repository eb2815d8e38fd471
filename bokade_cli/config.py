"""Resolve settings from flags, BOKADE_* environment, TOML config files and defaults."""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import platformdirs

from bokade_cli.config_values import (
    ADDRESS_HINT,
    PROXY_HINT,
    URL_HINT,
    address_problem,
    path_problem,
    proxy_problem,
    url_problem,
)
from bokade_cli.config_values import redact_url as redact_url  # re-exported for commands
from bokade_cli.errors import BokadeError, ConfigError
from bokade_cli.inputs import quoted

DEFAULT_PATHS: Mapping[str, str] = MappingProxyType(
    {
        "GetSubjectOfCareSchedule": "/GetSubjectOfCareSchedule/1/rivtabp21",
        "GetCareContacts/2": "/clinicalprocess/logistics/logistics/GetCareContacts/2/rivtabp21",
        "GetCareContacts/3": "/clinicalprocess/logistics/logistics/GetCareContacts/3/rivtabp21",
    }
)
# TOML bare keys cannot hold "/", so the file spells the contract keys differently.
PATH_KEYS = {
    "GetSubjectOfCareSchedule": "GetSubjectOfCareSchedule",
    "GetCareContacts_v2": "GetCareContacts/2",
    "GetCareContacts_v3": "GetCareContacts/3",
}
TLS_KEYS = ("cert_file", "key_file", "key_password_file", "ca_file")
# Every setting by its flat key (as `config show` prints it), its kind and its default.
SETTINGS: dict[str, tuple[str, object]] = {
    "base_url": ("url", None),
    "aggregator_logical_address": ("address", "5565594230"),
    "consumer_hsa_id": ("address", None),
    "timeout_s": ("seconds", 35.0),
    "connect_timeout_s": ("seconds", 5.0),
    "max_response_bytes": ("bytes", 20_000_000),
    "relations_file": ("path", None),
    "proxy": ("proxy", None),
    **{f"paths.{key}": ("urlpath", DEFAULT_PATHS[contract]) for key, contract in PATH_KEYS.items()},
    **{f"tls.{key}": ("path", None) for key in TLS_KEYS},
}
# Env var and flag names use the last part of the key: tls.cert_file -> BOKADE_CERT_FILE.
_OVERRIDABLE = {key.rpartition(".")[2]: key for key in SETTINGS if not key.startswith("paths.")}
_FLAGS = {"relations_file": "--relations"}  # where the CLI flag is not just the key dashed
_FIX_HINT = "Fix the value or run `bokade config check`."
_NO_PROFILE = "(none)"


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """BOKADE_CONFIG_DIR if set (tests isolate themselves with it), else the platform's dir."""
    env = os.environ if env is None else env
    if env.get("BOKADE_CONFIG_DIR"):
        return Path(env["BOKADE_CONFIG_DIR"]).expanduser()
    return platformdirs.user_config_path("bokade", appauthor=False)


def user_config_file(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / "config.toml"


def profile_names(
    config_file: Path | None = None, env: Mapping[str, str] | None = None
) -> list[str]:
    """The profiles the effective config files define (user file, then --config/BOKADE_CONFIG).

    For shell completion: lenient (a file with a bad value elsewhere still lists its profiles)
    and never raises; a file that cannot be read lists nothing.
    """
    env = os.environ if env is None else env
    files = [user_config_file(env)]
    explicit = config_file or (Path(env["BOKADE_CONFIG"]) if env.get("BOKADE_CONFIG") else None)
    if explicit is not None:
        files.append(explicit.expanduser())
    names: list[str] = []
    for path in files:
        try:
            tables = _read_toml(path).get("profiles") if path.is_file() else None
        except (BokadeError, OSError, ValueError):
            continue
        if isinstance(tables, dict):
            names += [name for name, table in tables.items() if isinstance(table, dict)]
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class TlsSettings:
    """Paths only: the key password is read from its file when the context is built."""

    cert_file: Path | None = None
    key_file: Path | None = None
    key_password_file: Path | None = None
    ca_file: Path | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str | None
    aggregator_logical_address: str = "5565594230"
    consumer_hsa_id: str | None = None
    timeout_s: float = 35.0
    connect_timeout_s: float = 5.0
    max_response_bytes: int = 20_000_000
    paths: Mapping[str, str] = field(default_factory=lambda: DEFAULT_PATHS)
    relations_file: Path | None = None
    proxy: str | None = None  # the egress proxy (may hold credentials: shown only redacted)
    tls: TlsSettings = field(default_factory=TlsSettings)

    @property
    def chosen(self) -> bool:
        """Whether a profile is selected (not the defaults alone)."""
        return self.name != _NO_PROFILE

    def url(self, contract_key: str) -> str:
        """The endpoint of a contract ("GetCareContacts/3", …) under base_url."""
        if self.base_url is None:
            chosen = (
                "no profile is selected" if self.name == _NO_PROFILE else f"profile {self.name}"
            )
            raise ConfigError(
                f"no base_url is set ({chosen})",
                "Set base_url in a profile, BOKADE_BASE_URL or --base-url; or pick a --profile.",
            )
        return f"{self.base_url.rstrip('/')}/{self.paths[contract_key].lstrip('/')}"


@dataclass(frozen=True)
class Settings:
    profile: Profile
    origins: Mapping[str, str]  # flat key (and "profile") -> where its value came from
    files: tuple[Path, ...]  # config files read, in precedence order (lowest first)
    available_profiles: tuple[str, ...] = ()


def _coerce(key: str, raw: object, where: str, base: Path | None, text_ok: bool) -> object:
    """Validate one value; `text_ok` lets env/flag strings stand for numbers."""
    kind = SETTINGS[key][0]
    value = raw
    if text_ok and isinstance(raw, str) and kind in ("seconds", "bytes"):
        try:
            value = float(raw) if kind == "seconds" else int(raw)
        except ValueError:
            pass
    if kind == "seconds":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and value > 0:  # type: ignore[operator]
            try:
                seconds = float(value)  # type: ignore[arg-type]
            except OverflowError:  # a 400-digit integer: as good as infinite
                seconds = math.inf
            if math.isfinite(seconds):
                return seconds
        problem = "a positive number"
    elif kind == "bytes":
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        problem = "a positive whole number"
    elif isinstance(value, str) and value.strip():
        if kind in ("url", "urlpath"):
            wrong = (url_problem if kind == "url" else path_problem)(value.strip())
            if wrong is None:
                return value.strip()
            raise ConfigError(f"{where}: {wrong}", URL_HINT)
        if kind == "address":
            wrong = address_problem(value.strip())
            if wrong is None:
                return value.strip()
            raise ConfigError(f"{where}: {wrong}", ADDRESS_HINT)
        if kind == "proxy":
            wrong = proxy_problem(value.strip())
            if wrong is None:
                return value.strip()
            raise ConfigError(f"{where}: {wrong}", PROXY_HINT)
        if kind != "path":
            return value.strip()
        path = Path(value).expanduser()
        # Relative paths in a file mean "next to this file", wherever bokade runs from.
        return path if path.is_absolute() else (base or Path.cwd()) / path
    else:
        problem = "a non-empty string"
    raise ConfigError(f"{where} must be {problem}, got {quoted(raw)}", _FIX_HINT)


def _unknown(where: str, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return ConfigError(f"{where}{key} is not a known setting", f"{hint}Known: {', '.join(known)}.")


def _read_toml(path: Path) -> dict[str, Any]:
    from bokade_cli.inputs import parse_toml, read_input

    text = read_input(path, "config file", "Check the file and its permissions.", error=ConfigError)
    return parse_toml(text, str(path), "config file", error=ConfigError)


_FileData = tuple[str | None, dict[str, dict[str, object]]]  # default_profile, profiles


def _parse_file(path: Path) -> _FileData:
    """Validate a whole file, every profile in it, so a typo fails even in an unused profile."""
    data = _read_toml(path)
    for key in data:
        if key not in ("default_profile", "profiles"):
            raise _unknown(f"{path}: ", key, ["default_profile", "profiles"])
    default = data.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(
            f"{path}: default_profile must be a string, got {quoted(default)}", _FIX_HINT
        )
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: profiles must be a table of [profiles.NAME]", _FIX_HINT)
    profiles: dict[str, dict[str, object]] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: profiles.{name} must be a table", _FIX_HINT)
        flat: dict[str, object] = {}
        for key, value in table.items():
            if key in ("paths", "tls"):
                if not isinstance(value, dict):
                    where = f"{path}: profiles.{name}.{key}"
                    raise ConfigError(f"{where} must be a table, got {quoted(value)}", _FIX_HINT)
                flat.update({f"{key}.{sub}": item for sub, item in value.items()})
            else:
                flat[key] = value
        for key, value in flat.items():
            if key not in SETTINGS:
                raise _unknown(f"{path}: profiles.{name}.", key, list(SETTINGS))
            where = f"{path}: profiles.{name}.{key}"
            flat[key] = _coerce(key, value, where, path.absolute().parent, text_ok=False)
        profiles[name] = flat
    return default, profiles


def _select_profile(
    profile: str | None, env: Mapping[str, str], parsed: list[tuple[Path, str, _FileData]]
) -> tuple[str | None, str, list[str]]:
    defined = list(dict.fromkeys(name for _, _, (_, profiles) in parsed for name in profiles))
    name, origin, default_from = profile, "flag --profile", None
    if name is None and env.get("BOKADE_PROFILE"):
        name, origin = env["BOKADE_PROFILE"], "env BOKADE_PROFILE"
    if name is None:
        for path, _, (default, _) in parsed:
            if default is not None:  # the later (--config) file wins over the user file
                name, origin, default_from = default, f"default_profile in {path}", path
    if name is None and len(defined) == 1:
        name, origin = defined[0], f"the only profile in {', '.join(str(p) for p, _, _ in parsed)}"
    if name is not None and name not in defined:
        known = f"(defined: {', '.join(defined) or 'none'})"
        if default_from is not None:
            raise ConfigError(
                f"{default_from}: default_profile '{name}' is not defined {known}",
                "Fix default_profile or add that profile.",
            )
        read = ", ".join(str(path) for path, _, _ in parsed) or "any config file (none was read)"
        raise ConfigError(
            f"profile '{name}' is not defined in {read} {known}",
            f"Pick a defined profile or add [profiles.{name}] to a config file.",
        )
    return name, (origin if name is not None else "default"), defined


def load_settings(
    *,
    config_file: Path | None = None,
    profile: str | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Layer defaults < user config < --config/BOKADE_CONFIG < BOKADE_* env < flags.

    `overrides` are flag values keyed like the env vars without prefix (`base_url`,
    `cert_file`, …); None means the flag was not given. Empty env values count as unset.
    """
    env = os.environ if env is None else env
    parsed: list[tuple[Path, str, _FileData]] = []
    user_file = user_config_file(env)
    if user_file.exists():  # a missing user file just means defaults
        parsed.append((user_file, f"user config {user_file}", _parse_file(user_file)))
    explicit, label = config_file, "--config"
    if explicit is None and env.get("BOKADE_CONFIG"):
        explicit, label = Path(env["BOKADE_CONFIG"]), "env BOKADE_CONFIG"
    if explicit is not None:
        explicit = explicit.expanduser().absolute()
        if not explicit.exists():
            raise ConfigError(
                f"{explicit}: the config file named by {label} does not exist",
                "Check the path, or drop the option to use the user config file.",
            )
        parsed.append((explicit, f"{label} {explicit}", _parse_file(explicit)))

    name, profile_origin, defined = _select_profile(profile, env, parsed)
    values = {key: default for key, (_, default) in SETTINGS.items()}
    origins = dict.fromkeys(SETTINGS, "default")
    for _, origin, (_, profiles) in parsed:
        for key, value in profiles.get(name, {}).items() if name is not None else ():
            values[key], origins[key] = value, origin
    for short, key in _OVERRIDABLE.items():
        var = f"BOKADE_{short.upper()}"
        if env.get(var):
            values[key] = _coerce(key, env[var], var, None, text_ok=True)
            origins[key] = f"env {var}"
    for short, raw in (overrides or {}).items():
        if short not in _OVERRIDABLE:
            raise ValueError(f"unknown settings override {short!r}")  # a bug in the caller
        if raw is not None:
            flag = _FLAGS.get(short, "--" + short.replace("_", "-"))
            key = _OVERRIDABLE[short]
            values[key] = _coerce(key, str(raw) if isinstance(raw, Path) else raw, flag, None, True)
            origins[key] = f"flag {flag}"

    tls = TlsSettings(**{key: values[f"tls.{key}"] for key in TLS_KEYS})  # type: ignore[arg-type]
    paths = {contract: str(values[f"paths.{key}"]) for key, contract in PATH_KEYS.items()}
    result = Profile(
        name=name or _NO_PROFILE,
        paths=MappingProxyType(paths),
        tls=tls,
        **{key: values[key] for key in SETTINGS if "." not in key},  # type: ignore[arg-type]
    )
    return Settings(
        profile=result,
        origins=MappingProxyType({"profile": profile_origin, **origins}),
        files=tuple(path for path, _, _ in parsed),
        available_profiles=tuple(defined),
    )
