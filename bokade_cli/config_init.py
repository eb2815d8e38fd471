"""`bokade config init`: one profile, from a bundled sample and the user's values, into a config file.

The samples ship in the package (bokade_cli/samples, the same files as sample_configs/). A new file
gets the profile and `default_profile`. An existing file is edited as text, so its comments and
other profiles stay as they are: a new profile is appended; a profile of the same name is an
error unless --force, which replaces that profile's tables only. Every edit is verified by
parsing the result: the new profile must read back exactly, and nothing else may have changed;
a file written in a form this cannot edit safely (dotted keys, inline tables) is left alone.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from bokade_cli.config_values import url_problem
from bokade_cli.controls import kinds_of
from bokade_cli.errors import ConfigError, UsageError
from bokade_cli.hsa import FORMS, is_hsa_id
from bokade_cli.inputs import parse_toml
from bokade_cli.quoting import quote

SAMPLES = {
    "test": "test.toml",
    "qa": "qa.toml",
    "production": "production-like.toml",
    "demo": "demo.toml",
}
# What a user is asked for (on a terminal) unless a flag gave it, in this order.
ASKED = ("base_url", "consumer_hsa_id")
ASKED_TLS = ("tls.cert_file", "tls.key_file", "tls.key_password_file", "tls.ca_file")
_KINDS = {
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

Ask = Callable[[str, str], str]  # (question, default) -> the answer ("" keeps the default)


@dataclass(frozen=True)
class Sample:
    """A bundled sample's default profile: its name and its values by flat key (tls.cert_file)."""

    name: str
    profile: str
    values: dict[str, Any]

    @property
    def has_tls(self) -> bool:
        return any(key.startswith("tls.") for key in self.values)


def sample_text(name: str) -> str:
    return (resources.files("bokade_cli") / "samples" / SAMPLES[name]).read_text(encoding="utf-8")


def load_sample(name: str) -> Sample:
    data = parse_toml(sample_text(name), SAMPLES[name], "sample")
    profile = str(data["default_profile"])
    return Sample(name, profile, flatten(data["profiles"][profile]))


def flatten(table: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{sub}": item for sub, item in value.items()})
        else:
            flat[key] = value
    return flat


def check_target(path: Path) -> None:
    """The file to edit must be a regular file, or a new path; checked before anything is asked
    or claimed. A symbolic link is refused, not replaced: a config kept in a dotfiles repository
    is linked into place, and the §7 rule for written files (a link is replaced by a 0600 copy,
    never followed) would silently cut it off from the repository. The hint names the file the
    link points to, so the user edits that one on purpose."""
    hint = "Give the path of a TOML config file, or a new one, with --config FILE."
    if path.is_symlink():
        target = os.path.realpath(path)
        raise UsageError(
            f"{path} is a symbolic link to {target}; nothing was written",
            f"To edit the file it points to, give --config {target} (the link stays).",
        )
    try:
        kind = stat.S_IFMT(path.stat().st_mode)
    except FileNotFoundError:
        return  # a new file
    except OSError:
        return  # reading it names the problem
    if kind == stat.S_IFDIR:
        raise UsageError(f"{path} is a folder, not a config file; nothing was written", hint)
    if kind != stat.S_IFREG:
        shown = _KINDS.get(kind, "not a regular file")
        raise UsageError(f"{path} is {shown}, not a config file; nothing was written", hint)


def check_profile_name(name: str, source: str) -> str:
    """The new profile's name, from `source` (--profile, BOKADE_PROFILE, the answer): it becomes
    a TOML key, so it must be text a UTF-8 file can hold and a reader can see. A space is fine
    (the key is quoted); a control character, a line break or bytes that are not UTF-8 are not."""
    if not name.strip():
        raise UsageError(f"{source} is empty", "Give the profile a name, e.g. --profile qa.")
    _refuse_unwritable(name, source, "Name the profile with letters, digits, '-' or '_'.")
    return name


def _refuse_unwritable(value: str, source: str, hint: str) -> None:
    """NOTE: bytes that are not UTF-8 (argv or the environment, as Python reads them) cannot be
    written to the UTF-8 config file at all; controls would make a key nobody can read or type.
    Named by kind, never echoed."""
    kinds = [kind for kind in kinds_of(value) if kind != "a space"]
    if kinds:
        raise UsageError(f"{source} holds {' and '.join(kinds)}", hint)


# The flag that gives each value (messages name what the user typed).
FLAGS = {
    "base_url": "--base-url",
    "consumer_hsa_id": "--consumer-hsa-id",
    **{
        f"tls.{key}": "--" + key.replace("_", "-")
        for key in ("cert_file", "key_file", "key_password_file", "ca_file")
    },
}


def check_value(key: str, value: str, source: str | None = None) -> str:
    """A value typed or given by flag (`source`: its flag), checked like the config file checks
    it; paths made absolute."""
    value = value.strip()
    if key == "base_url":
        problem = url_problem(value)
        if problem:
            raise UsageError(f"base_url {problem}", "Write it as https://host[:port][/path].")
    elif key == "consumer_hsa_id":
        if not is_hsa_id(value):
            raise UsageError(
                f"consumer_hsa_id {quote(value)} is not {FORMS}", "E.g. SE2321000016-ABCD."
            )
    elif key.startswith("tls."):
        if not value:
            raise UsageError(f"{key} is empty", "Give the path of the file.")
        hint = "Give a path without such characters (rename or link the file): a config file is UTF-8 text."
        _refuse_unwritable(value, source or key, hint)
        # Typed on the command line, so relative to where the user stands, not to the file.
        absolute = str(Path(value).expanduser().absolute())
        _refuse_unwritable(
            absolute,
            f"the current folder's path (that {source or key} is relative to)",
            f"Give {source or key} as an absolute path.",
        )
        return absolute
    return value


def profile_values(
    sample: Sample, given: Mapping[str, str | None], ask: Ask | None
) -> dict[str, Any]:
    """The sample's values, with flags, or (on a terminal) answers, for what users set."""
    values = dict(sample.values)
    keys = ASKED + (ASKED_TLS if sample.has_tls or any(given.get(k) for k in ASKED_TLS) else ())
    for key in keys:
        if given.get(key) is not None:
            values[key] = check_value(key, str(given[key]), FLAGS[key])
        elif ask is not None:
            values[key] = _ask_until_valid(ask, key, values.get(key))
    return values


def _ask_until_valid(ask: Ask, key: str, default: Any) -> Any:
    shown = "" if default is None else str(default)
    for attempt in range(3):
        answer = ask(key, shown).strip()
        if not answer:
            return default
        try:
            return check_value(key, answer)
        except UsageError:
            if attempt == 2:
                raise
    return default  # not reached: the third failure raises


def render_profile(name: str, values: Mapping[str, Any]) -> str:
    """The profile's TOML tables: its own keys, then [paths] and [tls]."""
    head = f"profiles.{_key(name)}"
    lines = [f"[{head}]"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in values.items() if "." not in k]
    for section in ("paths", "tls"):
        items = [(k.partition(".")[2], v) for k, v in values.items() if k.startswith(section + ".")]
        if items:
            lines += ["", f"[{head}.{section}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in items]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    """A TOML value: JSON's string escapes are all valid TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


@dataclass(frozen=True)
class Plan:
    text: str
    action: str  # created, added, replaced


def plan(
    path: Path,
    existing: str | None,
    sample: Sample,
    profile: str,
    values: Mapping[str, Any],
    force: bool,
) -> Plan:
    """The whole new file text, or an error that leaves the file as it is."""
    block = render_profile(profile, values)
    if existing is None:
        header = (
            f"# Written by `bokade config init --from-sample {sample.name}`. Every key is described\n"
            "# in sample_configs/README.md; check the file with `bokade config check`.\n\n"
        )
        return Plan(f"{header}default_profile = {_value(profile)}\n\n{block}", "created")
    before = parse_toml(existing, str(path), "config file", error=ConfigError)
    profiles = before.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: profiles must be a table of [profiles.NAME]", "Fix the file.")
    if profile in profiles and not force:
        raise UsageError(
            f"{path} already has a profile {quote(profile)}; nothing was written",
            "Give --force to replace that profile (the rest of the file is kept), or choose "
            "another name with --profile.",
        )
    action = "replaced" if profile in profiles else "added"
    kept = _without_profile(existing, profile) if action == "replaced" else existing
    text = kept.rstrip("\n") + "\n\n" + block if kept.strip() else block
    _verify(path, before, text, profile, values)
    return Plan(text, action)


def _header(name: str) -> re.Pattern[str]:
    quoted = "|".join(re.escape(form) for form in {name, json.dumps(name), f"'{name}'"})
    return re.compile(rf"\s*\[\s*profiles\s*\.\s*(?:{quoted})\s*(?:\.[^\]]*)?\]\s*(?:#.*)?")


def _without_profile(text: str, name: str) -> str:
    """`text` without the tables [profiles.NAME] and [profiles.NAME.*] (each up to the next table)."""
    header, kept, dropping = _header(name), [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("["):
            dropping = bool(header.fullmatch(line.rstrip("\r\n")))
        if not dropping:
            kept.append(line)
    return "".join(kept)


def _verify(
    path: Path, before: dict[str, Any], text: str, profile: str, values: Mapping[str, Any]
) -> None:
    """The edited text must read back as the old file plus exactly the new profile."""

    def others(data: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in data.items() if k != "profiles"}
        rest["profiles"] = {k: v for k, v in data.get("profiles", {}).items() if k != profile}
        return rest

    try:
        after = parse_toml(text, str(path), "config file", error=ConfigError)
    except ConfigError:
        after = {}  # the edit broke the file (a table declared twice): refused below
    written = after.get("profiles", {}).get(profile)
    if (
        not after
        or others(after) != others(before)
        or not isinstance(written, dict)
        or flatten(written) != dict(values)
    ):
        raise ConfigError(
            f"{path}: cannot replace the profile {quote(profile)} safely (it is written in a form "
            "bokade does not edit, such as dotted keys or an inline table); nothing was written",
            "Edit or remove that profile by hand, or write to another file with --config FILE.",
        )
