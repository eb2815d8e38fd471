"""`bokade config path|show|check|init`: where the configuration is, what it says, whether it
works, and a first profile written from a bundled sample."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.helptext import Command, examples
from bokade_cli.commands.options import (
    BaseUrlOption,
    ConfigOption,
    DebugOption,
    OutputOption,
    ProfileOption,
    format_option,
)
from bokade_cli.errors import ExitCode
from bokade_cli.quoting import quote

if TYPE_CHECKING:
    from bokade_cli.config import Settings
    from bokade_cli.output.boundary import Output


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


class SampleChoice(StrEnum):
    test = "test"
    qa = "qa"
    production = "production"
    demo = "demo"


def config_path(debug: DebugOption = False) -> None:
    """Print the user config file's path."""
    with guarded(None, ShowFormat, debug=debug) as out:
        from bokade_cli.config import user_config_file

        out.write_line(str(user_config_file()))


def config_show(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    fmt: Annotated[ShowFormat | None, format_option()] = None,
    output: OutputOption = None,
    debug: DebugOption = False,
) -> None:
    """Print the effective settings and where each came from (secrets redacted)."""
    with guarded(fmt, ShowFormat, debug=debug, output=output) as out:
        from bokade_cli.config import load_settings
        from bokade_cli.config_report import describe
        from bokade_cli.output.boundary import View

        settings = load_settings(config_file=config, profile=profile)
        document = {k: {"value": v, "origin": o} for k, v, o in describe(settings)}
        out.emit(View("config", document, echoes=tuple(document)))


def config_check(
    profile: ProfileOption = None,
    config: ConfigOption = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Missing or unreadable files are errors too (exit 5)."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check the configuration: exit 5 when a value is wrong.

    Files the profile names (certificates, key, CA, relations) are checked too; a missing one is
    a warning, since a config is often checked where it is written, not where it runs. With
    --strict it is an error. `bokade smoke` checks the files on the machine that runs.
    """
    with guarded(None, ShowFormat, debug=debug) as out:
        from bokade_cli.config import load_settings

        settings = load_settings(config_file=config, profile=profile)
        out.code = _check(out, settings, strict)


def _check(out: Output, settings: Settings, strict: bool) -> int:
    """config check's report (problems, warnings, the OK line) and its exit code."""
    from bokade_cli.config import redact_url
    from bokade_cli.config_report import check_files, check_values

    problems = check_values(settings)
    file_problems = check_files(settings)
    if strict:
        problems, file_problems = problems + file_problems, []
    for problem in problems:
        out.say(f"Problem: {problem}")
    for problem in file_problems:
        out.warn(problem)
    if settings.profile.chosen:
        _completion_note(out, settings.profile.name)
    if problems:
        return ExitCode.CONFIG
    files = ", ".join(str(f) for f in settings.files) or "no config file"
    warned = f"; {len(file_problems)} warning(s)" if file_problems else ""
    proxy = settings.profile.proxy
    via = f"; through the proxy {redact_url(proxy)}" if proxy else ""
    out.write_line(f"Configuration OK: profile {settings.profile.name} ({files}){via}{warned}.")
    return ExitCode.COMPLETE


def _completion_note(out: Output, name: str) -> None:
    """Shell completion leaves out a name it could not put on a command line safely (see
    output/boundary.py shell_safe); where the profile is checked, the user learns why TAB
    does not find it."""
    from bokade_cli.output.boundary import SHELL_INERT_WORDS, shell_safe

    if not shell_safe([name]):
        out.say(
            f"Note: shell completion does not offer the profile name {quote(name)}: it offers "
            f"only names of {SHELL_INERT_WORDS} with no personnummer-shaped number."
        )


def _path_option(flag: str, what: str) -> object:
    return typer.Option(flag, metavar="FILE", help=what, show_default=False)


def config_init(
    ctx: typer.Context,
    from_sample: Annotated[
        SampleChoice | None,
        typer.Option(
            "--from-sample",
            help="The bundled sample to start from (asked on a terminal): test, qa, production "
            "(its prod profile) or demo (the local simulator).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    consumer_hsa_id: Annotated[
        str | None,
        typer.Option(
            "--consumer-hsa-id",
            metavar="HSAID",
            help="Your system's HSA-id, as the platform knows it.",
            show_default=False,
        ),
    ] = None,
    cert_file: Annotated[
        Path | None, _path_option("--cert-file", "The client certificate (PEM).")
    ] = None,
    key_file: Annotated[Path | None, _path_option("--key-file", "Its private key (PEM).")] = None,
    key_password_file: Annotated[
        Path | None, _path_option("--key-password-file", "A file holding the key's password.")
    ] = None,
    ca_file: Annotated[
        Path | None, _path_option("--ca-file", "The CA of the platform's server certificate.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a profile of the same name (the rest is kept)."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Write a profile into the user config file (or --config FILE) from a bundled sample.

    Values not given as flags are asked for on a terminal (Enter keeps the sample's); elsewhere
    the sample's stand. Paths given here are taken from the current folder. An existing file
    keeps its comments and other profiles; a profile of the same name is replaced only with
    --force. The file is readable by you only. A config file that is a symbolic link (a
    dotfiles setup) is not written: give --config with the file it points to. Ends with the
    checks of `bokade config check`.
    """
    with guarded(None, ShowFormat, debug=debug) as out:
        from bokade_cli import config_init as init
        from bokade_cli.config import load_settings, user_config_file
        from bokade_cli.errors import ConfigError, UsageError
        from bokade_cli.inputs import read_input
        from bokade_cli.output.files import write_private

        user_file = user_config_file()
        path = (config or user_file).expanduser()
        init.check_target(path)
        ask = _asker(out) if _interactive() else None
        if from_sample is None:
            if ask is None:
                raise UsageError(
                    "say which sample to start from: --from-sample test|qa|production|demo",
                    "E.g. `bokade config init --from-sample qa --consumer-hsa-id SE2321000016-ABCD`.",
                )
            chosen = ask("sample (test, qa, production, demo)", "qa").strip() or "qa"
            if chosen not in init.SAMPLES:
                raise UsageError(
                    f"no sample {quote(chosen)}", "Choose test, qa, production or demo."
                )
        else:
            chosen = from_sample.value
        sample = init.load_sample(chosen)
        if profile is not None:
            name = init.check_profile_name(profile, _given_by(ctx, "profile", "--profile"))
        else:
            answer = ask("profile name", sample.profile).strip() if ask else ""
            name = init.check_profile_name(answer, "the profile name") if answer else sample.profile
        given = {
            "base_url": base_url,
            "consumer_hsa_id": consumer_hsa_id,
            **{
                f"tls.{key}": str(value) if value else None
                for key, value in (
                    ("cert_file", cert_file),
                    ("key_file", key_file),
                    ("key_password_file", key_password_file),
                    ("ca_file", ca_file),
                )
            },
        }
        values = init.profile_values(sample, given, ask)
        existing = None
        if path.exists():
            existing = read_input(path, "config file", "Check the file.", error=ConfigError)
        elif path == user_file:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        planned = init.plan(path, existing, sample, name, values, force)
        write_private(path, planned.text, "config file")
        out.say(
            f"Profile {name} {planned.action} in {path} (from the {chosen} sample; owner-only)."
        )
        settings = load_settings(config_file=None if path == user_file else path, profile=name)
        out.code = _check(out, settings, strict=False)


def _given_by(ctx: typer.Context, param: str, flag: str) -> str:
    """The flag, or the environment variable, that gave a parameter (an error names it)."""
    source = ctx.get_parameter_source(param)
    if source is not None and source.name == "ENVIRONMENT":
        option = next(p for p in ctx.command.params if p.name == param)
        return str(getattr(option, "envvar", None) or flag)
    return flag


def _interactive() -> bool:
    """Ask only a person: stdin and stderr (where questions go) both a terminal."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def _asker(out: Output) -> Callable[[str, str], str]:
    def ask(question: str, default: str) -> str:
        out.say(f"{question} [{default}]:" if default else f"{question}:")
        # Bytes that are not UTF-8 are kept as Python keeps them in argv, so the checks name
        # them (a strict decode ended the run with exit 70).
        return sys.stdin.buffer.readline().decode("utf-8", "surrogateescape")

    return ask


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Show, check and write the configuration.", no_args_is_help=True)
    group.command(
        "path",
        cls=Command,
        epilog=examples("bokade config path", "BOKADE_CONFIG_DIR=/etc/bokade bokade config path"),
    )(config_path)
    group.command(
        "show",
        cls=Command,
        epilog=examples("bokade config show", "bokade config show --profile qa --format json"),
    )(config_show)
    group.command(
        "check",
        cls=Command,
        epilog=examples("bokade config check", "bokade config check --config bokade.toml --strict"),
    )(config_check)
    group.command(
        "init",
        cls=Command,
        epilog=examples(
            "bokade config init --from-sample qa --consumer-hsa-id SE2321000016-ABCD",
            "bokade config init --from-sample demo --config bokade-demo.toml",
            "bokade config init --from-sample production --profile prod --force",
        ),
    )(config_init)
    app.add_typer(group, name="config")
