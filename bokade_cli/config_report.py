"""Report on the effective settings: `config show` (with origins, secrets redacted) and checks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bokade_cli.config import (
    PATH_KEYS,
    SETTINGS,
    TLS_KEYS,
    Profile,
    Settings,
)
from bokade_cli.config_values import redact_url, url_problem
from bokade_cli.engine.tls import build_ssl_context
from bokade_cli.errors import ConfigError
from bokade_cli.quoting import quote


def _value(profile: Profile, key: str) -> object:
    section, _, short = key.rpartition(".")
    if section == "tls":
        return getattr(profile.tls, short)
    if section == "paths":
        return profile.paths[PATH_KEYS[short]]
    return getattr(profile, key)


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value, origin) rows for `bokade config show`; never opens any file."""
    rows = [("profile", settings.profile.name, settings.origins["profile"])]
    for key in SETTINGS:
        value = _value(settings.profile, key)
        text = "(not set)" if value is None else str(value)
        if key in ("base_url", "proxy") and value is not None:
            text = redact_url(text)
        rows.append((key, text, settings.origins[key]))
    return rows


def check(settings: Settings) -> list[str]:
    """Every problem found in the effective settings (values, then files); [] = fine."""
    return check_values(settings) + check_files(settings)


def check_values(settings: Settings) -> list[str]:
    """Problems with the values themselves (URL, paths), whatever machine the config is on."""
    profile, problems = settings.profile, []
    if profile.base_url is None:
        choose = f" (defined profiles: {', '.join(settings.available_profiles)})"
        problems.append("base_url is not set" + (choose if settings.available_profiles else ""))
    else:
        url = urlsplit(profile.base_url)
        problem = url_problem(profile.base_url)
        if problem is not None:
            problems.append(f"base_url {problem}")
        elif url.scheme == "http" and profile.tls.cert_file is not None:
            problems.append("base_url uses http, so the client certificate is never presented")
    for key, contract in PATH_KEYS.items():
        if not profile.paths[contract].startswith("/"):
            problems.append(f"paths.{key} {quote(profile.paths[contract])} does not start with '/'")
    return problems


def unusable_files(settings: Settings, keys: Sequence[str]) -> list[tuple[str, Path, str, str]]:
    """(key, path, what is wrong, where it was set) for each named file that cannot be read."""
    found = []
    for key in keys:
        path = _value(settings.profile, key)
        if isinstance(path, Path) and not path.is_file():
            found.append((key, path, "does not exist", settings.origins[key]))
        elif isinstance(path, Path) and not os.access(path, os.R_OK):
            found.append((key, path, "is not readable", settings.origins[key]))
    return found


TLS_FILE_KEYS = tuple(f"tls.{key}" for key in TLS_KEYS)


def check_files(settings: Settings) -> list[str]:
    """Problems with the files the settings name: missing, unreadable, or no usable TLS."""
    problems = [
        f"{key}: {path} {what} ({origin})"
        for key, path, what, origin in unusable_files(settings, ("relations_file", *TLS_FILE_KEYS))
    ]
    profile = settings.profile
    if not any(problem.startswith("tls.") for problem in problems):
        try:
            build_ssl_context(profile.tls)
        except ConfigError as exc:
            problems.append(exc.message)
    return problems


def plain_http_warning(profile: Profile) -> str | None:
    """Plain http sends the personnummer in clear: fine on loopback, worth a word elsewhere."""
    parts = urlsplit(profile.base_url or "")
    if parts.scheme != "http":
        return None
    tls = profile.tls
    if tls.cert_file or tls.key_file or tls.ca_file:
        why = "the profile's TLS settings are not used over http"
    elif parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        why = "the personnummer crosses the network unencrypted"
    else:
        return None
    return f"base_url {redact_url(profile.base_url or '')} is plain http: {why}; the platform wants https."
