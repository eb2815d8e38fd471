"""Shell completion: scripts for bash, zsh and fish, and what they complete, through the very
environment variables the scripts set (`_BOKADE_COMPLETE`, COMP_WORDS/COMP_CWORD for bash,
_TYPER_COMPLETE_ARGS for zsh and fish), as Typer's own tests do."""

from __future__ import annotations

import os
import pty
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import list_scenarios

CONFIG = """
default_profile = "qa"
[profiles.qa]
base_url = "https://qa.example.se/vp"
[profiles.production]
base_url = "https://vp.example.se/vp"
[profiles."two words"]
[profiles."evil\\u001b[31m"]
[profiles."pnr-19121212-1212"]
"""


@pytest.fixture
def user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = Path(os.environ["BOKADE_CONFIG_DIR"]) / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def bash(line: str) -> list[str]:
    """What bash's completion asks bokade for the last word of `line` (a trailing space: a new one)."""
    words = line.split(" ")
    env = {"_BOKADE_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}  # fmt: skip
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    return [word for word in result.stdout.splitlines() if word]  # an empty line offers nothing


def zsh(line: str) -> str:
    env = {"_BOKADE_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def fish(line: str) -> list[str]:
    env = {"_BOKADE_COMPLETE": "complete_fish", "_TYPER_COMPLETE_ARGS": line}
    env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    return [line.split("\t")[0] for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("shell", "marks"),
    [
        (
            "bash",
            ["_BOKADE_COMPLETE=complete_bash", "complete -o default -F _bokade_completion bokade"],
        ),  # fmt: skip
        ("zsh", ["#compdef bokade", "_BOKADE_COMPLETE=complete_zsh"]),
        ("fish", ["complete --command bokade", "_BOKADE_COMPLETE=complete_fish"]),
    ],
)
def test_completion_scripts_for_each_shell(
    monkeypatch: pytest.MonkeyPatch, shell: str, marks: list[str]
) -> None:
    # Typer's switch to name the shell instead of detecting it; read when the app is built.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = CliRunner().invoke(app, ["--show-completion", shell])
    assert result.exit_code == 0, result.output
    for mark in marks:
        assert mark in result.stdout


def test_install_completion_writes_into_the_users_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["--install-completion", "bash"])
    assert result.exit_code == 0, result.output
    script = tmp_path / ".bash_completions" / "bokade.sh"
    assert "_BOKADE_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_profile_names_come_from_the_user_config(user_config: Path) -> None:
    # Names a shell could not take back as they are, or that hold a number, are never offered.
    assert bash("bokade collect --profile ") == ["qa", "production"]
    assert bash("bokade smoke -p pr") == ["production"]
    assert "production" in zsh("bokade config show --profile p")
    assert fish("bokade explain --profile q") == ["qa"]


def test_profile_names_follow_config_on_the_line_and_bokade_config(
    user_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "lab.toml"
    other.write_text('[profiles.lab]\nbase_url = "http://127.0.0.1:8080"\n', encoding="utf-8")
    assert bash(f"bokade collect --config {other} --profile ") == ["qa", "production", "lab"]
    monkeypatch.setenv("BOKADE_CONFIG", str(other))
    assert bash("bokade batch cases.toml -p l") == ["lab"]


# Profile names a config file from a repository or a colleague could hold: each one would do
# something if bash put it on the command line as it is (bash inserts candidates verbatim).
HOSTILE = [
    "prod$(touch${IFS}/tmp/x)",
    "`id`",
    "a;b",
    "a|b",
    "a&b",
    "a>b",
    "${HOME}",
    "*",
    "?",
    "[ab]",
    "{a,b}",
    "~root",
    "-rf",
    "--unmask",
    "a'b",
    'a"b',
    "a\\b",
    "!!",
    "#x",
    "a:b",
    "a=b",
    "@x",
    "%x",
    "a,b",
    "::error::x",
    "skåne",
]
_TOML_ABLE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


def _toml_key(name: str) -> str:
    escaped = (
        f"\\u{ord(c):04X}" if c in '"\\' or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F else c
        for c in name
    )
    return '"' + "".join(escaped) + '"'


def _offered(tmp_path: Path, names: list[str], typed: str = "") -> list[str]:
    config = tmp_path / "names.toml"
    tables = "".join(f"[profiles.{_toml_key(name)}]\n" for name in dict.fromkeys(names))
    config.write_text(tables, encoding="utf-8")
    return bash(f"bokade collect --config {config} --profile {typed}")


def test_names_a_shell_would_act_on_are_never_offered(tmp_path: Path) -> None:
    plain = ["qa", "prod-2", "lab_1.eu"]
    assert _offered(tmp_path, [*HOSTILE, *plain]) == plain


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(st.one_of(st.sampled_from(HOSTILE), _TOML_ABLE), min_size=1, max_size=6))
@example(names=["prod$(touch${IFS}/tmp/x)"])
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_every_candidate_is_inert_in_the_shell(tmp_path: Path, names: list[str]) -> None:
    """Through the real protocol: whatever the config holds, a candidate needs no quoting
    (shlex.quote leaves it alone), is no option, and plain names still come."""
    offered = _offered(tmp_path, names)
    for name in offered:
        assert shlex.quote(name) == name and not name.startswith("-"), name
    plain = [n for n in dict.fromkeys(names) if n.isascii() and n.replace("-", "").isalnum()]
    assert [n for n in offered if n in plain] == [n for n in plain if not n.startswith("-")]
    assert set(offered) <= set(names)


def test_config_check_says_when_completion_leaves_the_profile_out(tmp_path: Path) -> None:
    config = tmp_path / "names.toml"
    url = 'base_url = "http://127.0.0.1:8080"\n'
    config.write_text(f'[profiles."a;b"]\n{url}[profiles.qa]\n{url}', encoding="utf-8")
    left_out = CliRunner().invoke(app, ["config", "check", "--config", str(config), "-p", "a;b"])
    assert left_out.exit_code == 0, left_out.output
    assert 'Note: shell completion does not offer the profile name "a;b"' in left_out.stderr
    offered = CliRunner().invoke(app, ["config", "check", "--config", str(config), "-p", "qa"])
    assert offered.exit_code == 0 and "completion" not in offered.stderr


@pytest.mark.parametrize(
    "env",
    [
        {},  # COMP_WORDS and COMP_CWORD missing
        {"COMP_WORDS": "bokade "},  # COMP_CWORD missing
        {"COMP_WORDS": "bokade ", "COMP_CWORD": "x"},
        {"COMP_WORDS": "bokade collect --profile 'unclosed", "COMP_CWORD": "-7"},
        {"COMP_WORDS": "bokade co\udcff", "COMP_CWORD": "1"},
    ],
)
def test_a_broken_completion_environment_offers_nothing_and_says_nothing(
    env: dict[str, str],
) -> None:
    # What a shell (or a user trying the protocol by hand) may set; the first three ended in a
    # traceback, printed into the user's prompt.
    result = CliRunner().invoke(app, [], env={"_BOKADE_COMPLETE": "complete_bash", **env})
    assert (result.exit_code, result.stderr) == (0, "")
    assert "Traceback" not in result.stdout and "Error" not in result.stdout


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_bokade_process_completes_nothing_from_a_broken_environment() -> None:
    bokade = Path(sys.executable).parent / "bokade"
    if not bokade.exists():
        pytest.skip("no bokade console script next to this Python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMP_")}
    env["_BOKADE_COMPLETE"] = "complete_bash"
    done = subprocess.run([str(bokade)], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_broken_config_completes_nothing_and_says_nothing(user_config: Path) -> None:
    user_config.write_text("this is = = not toml", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [],
        env={
            "_BOKADE_COMPLETE": "complete_bash",
            "COMP_WORDS": "bokade collect -p ",
            "COMP_CWORD": "3",
        },  # fmt: skip
    )
    assert result.exit_code == 0 and result.stdout.strip() == "" and result.stderr == ""


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_scenarios_formats_logics_and_commands() -> None:
    assert bash("bokade demo --scenario one-of") == [
        name for name in list_scenarios() if name.startswith("one-of")
    ]
    assert bash("bokade simulator serve -s ") == list_scenarios()
    assert bash("bokade collect --format ") == ["table", "json", "markdown", "html"]
    assert bash("bokade smoke --format ") == ["table", "json", "openmetrics"]
    assert bash("bokade batch x.toml -f j") == ["json", "jsonl"]
    assert bash("bokade replay case.json --logic ") == ["current", "target", "legacy"]
    assert bash("bokade co") == ["collect", "compare", "config"]
    assert bash("bokade config ") == ["path", "show", "check", "init"]
    assert bash("bokade config init --from-sample ") == ["test", "qa", "production", "demo"]


BASH = shutil.which("bash")


@pytest.mark.skipif(BASH is None, reason="no bash")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_bash_itself_completes_a_profile(user_config: Path, tmp_path: Path) -> None:
    """The installed script, sourced by a real bash, asking the real `bokade` (a subprocess)."""
    bokade = Path(sys.executable).parent / "bokade"
    if not bokade.exists():
        pytest.skip("no bokade console script next to this Python")
    script = subprocess.run(
        [str(bokade), "--show-completion", "bash"],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    program = (
        f"{script}\nCOMP_WORDS=(bokade collect --profile pr); COMP_CWORD=3\n"
        '_bokade_completion bokade; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env: dict[str, Any] = {
        "PATH": f"{bokade.parent}:/usr/bin:/bin",
        "BOKADE_CONFIG_DIR": os.environ["BOKADE_CONFIG_DIR"],
        "HOME": str(tmp_path),
    }
    shown = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", program],  # type: ignore[list-item]
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.splitlines() == ["production"]


def _type_in_bash(tmp_path: Path, line: str, until: bytes) -> str:
    """An interactive bash in a pseudo-terminal, with bokade's completion: `line`, TAB (until
    the terminal shows `until`), Enter. Returns what the terminal showed after TAB."""
    bokade = Path(sys.executable).parent / "bokade"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a user's interactive bash (no rc files)
        os.environ.update(PS1="$ ", PATH=f"{bokade.parent}:/usr/bin:/bin", HOME=str(tmp_path))
        os.chdir(tmp_path)
        os.execv(BASH, [BASH, "--norc", "--noprofile", "-i"])  # type: ignore[list-item]

    def read(seconds: float, until: bytes = b"") -> bytes:
        seen, end = b"", time.monotonic() + seconds
        while time.monotonic() < end and not (until and until in seen):
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return seen

    try:
        # Each wait ends on what bash prints, not on the prompt (bash 5.1 writes escapes into
        # it); LOAD""ED, echoed as typed, differs from its output.
        os.write(fd, b'eval "$(bokade --show-completion bash)"; echo LOAD""ED\n')
        read(30, b"LOADED")
        os.write(fd, line.encode() + b"\t")
        shown = read(30, until)
        os.write(fd, b"\necho FINI''SHED\n")  # Enter runs the line; then a mark that it ran
        read(30, b"FINISHED")
        os.write(fd, b"exit\n")
        read(5)
        return shown.decode(errors="replace")
    finally:
        os.close(fd)
        os.waitpid(pid, 0)


@pytest.mark.skipif(BASH is None, reason="no bash")
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_tab_then_enter_in_a_real_bash_runs_nothing_from_a_profile_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's attack: a config names a profile `prod$(touch ...)`; TAB used to complete it
    raw and Enter ran the command substitution."""
    if not (Path(sys.executable).parent / "bokade").exists():
        pytest.skip("no bokade console script next to this Python")
    made = tmp_path / "pwned"
    config = tmp_path / "comp.toml"
    config.write_text(
        f'[profiles.production]\n[profiles."q$(touch${{IFS}}{made})"]\n', encoding="utf-8"
    )
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    # Nothing to offer: readline rings the bell (BEL); before the fix the name came instead.
    line = "bokade config show --config comp.toml --profile q"
    shown = _type_in_bash(tmp_path, line, until=b"\x07")
    assert "$(" not in shown
    assert not made.exists()
    # A plain name still completes.
    shown = _type_in_bash(tmp_path, "bokade config show --config comp.toml -p pr", b"production ")
    assert "-p production " in shown
