"""`bokade config init`: a profile from a bundled sample, never overwriting without --force."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.config_init import SAMPLES

SAMPLE_CONFIGS = Path(__file__).parent.parent / "sample_configs"


def run(*args: str, input: str | None = None) -> Any:
    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def user_file() -> Path:
    return Path(os.environ["BOKADE_CONFIG_DIR"]) / "config.toml"


def test_init_from_the_qa_sample_then_config_check_succeeds() -> None:
    result = run("config", "init", "--from-sample", "qa")
    assert result.exit_code == 0, result.output
    path = user_file()
    assert path.stat().st_mode & 0o777 == 0o600
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["default_profile"] == "qa"
    assert data["profiles"]["qa"]["base_url"] == "https://qa.esb.ntjp.se/vp"
    assert result.stdout.startswith(f"Configuration OK: profile qa ({path})")
    assert f"Profile qa created in {path}" in result.stderr
    checked = run("config", "check")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"Configuration OK: profile qa ({path})")


def test_a_second_init_without_force_exits_2_and_changes_nothing() -> None:
    assert run("config", "init", "--from-sample", "qa").exit_code == 0
    path = user_file()
    before, stat = path.read_bytes(), path.stat()
    again = run("config", "init", "--from-sample", "qa", "--consumer-hsa-id", "SE2321000016-ABCD")
    assert again.exit_code == 2
    assert again.stderr.splitlines() == [
        f'Error: {path} already has a profile "qa"; nothing was written',
        "Hint: Give --force to replace that profile (the rest of the file is kept), or choose "
        "another name with --profile.",
    ]
    assert again.stdout == ""
    after = path.stat()
    assert path.read_bytes() == before
    assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


HAND_WRITTEN = """\
# My own notes: keep them.
default_profile = "lab"

[profiles.lab]
base_url = "http://127.0.0.1:8080"   # the simulator

[profiles.qa]
base_url = "https://old.example.se/vp"
consumer_hsa_id = "SE2321000016-OLD1"

[profiles.qa.tls]
cert_file = "/old/cert.pem"

[profiles.zeta]
base_url = "https://zeta.example.se/vp"
"""


def test_force_replaces_only_that_profile_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "bokade.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    args = ["config", "init", "--from-sample", "qa", "--config", str(path)]
    assert run(*args).exit_code == 2
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN
    result = run(*args, "--force", "--consumer-hsa-id", "SE2321000016-NEW1")
    assert result.exit_code == 0, result.output
    assert f"Profile qa replaced in {path}" in result.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# My own notes: keep them.\n")
    assert "# the simulator" in text and "/old/cert.pem" not in text
    data = tomllib.loads(text)
    assert data["default_profile"] == "lab"
    assert data["profiles"]["lab"] == {"base_url": "http://127.0.0.1:8080"}
    assert data["profiles"]["zeta"] == {"base_url": "https://zeta.example.se/vp"}
    assert data["profiles"]["qa"]["consumer_hsa_id"] == "SE2321000016-NEW1"
    assert data["profiles"]["qa"]["tls"]["cert_file"] == "certs/qa-function-cert.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    assert run("config", "check", "--config", str(path), "--profile", "qa").exit_code == 0


def test_a_new_profile_is_added_without_force(tmp_path: Path) -> None:
    path = tmp_path / "bokade.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    result = run("config", "init", "--from-sample", "demo", "--config", str(path))
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN)
    assert tomllib.loads(text)["profiles"]["demo"]["base_url"] == "http://127.0.0.1:8080"


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_sample_makes_a_profile_that_checks(tmp_path: Path, sample: str) -> None:
    path = tmp_path / "new.toml"
    result = run("config", "init", "--from-sample", sample, "--config", str(path))
    assert result.exit_code == 0, result.output
    profile = {"production": "prod"}.get(sample, sample)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["default_profile"] == profile
    checked = run("config", "check", "--config", str(path))
    assert checked.exit_code == 0 and f"profile {profile} " in checked.stdout


def test_flags_set_the_values_and_paths_are_taken_from_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "client.pem").write_text("x")
    result = run(
        "config", "init", "--from-sample", "test", "--profile", "lab west",
        "--base-url", "https://vp.example.se:8443/vp", "--consumer-hsa-id", "SE2321000016-ABCD",
        "--cert-file", "client.pem",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = tomllib.loads(user_file().read_text(encoding="utf-8"))
    profile = data["profiles"]["lab west"]
    assert profile["base_url"] == "https://vp.example.se:8443/vp"
    assert profile["consumer_hsa_id"] == "SE2321000016-ABCD"
    assert profile["tls"]["cert_file"] == str(tmp_path / "client.pem")
    assert profile["tls"]["key_file"] == "certs/test-function-key.pem"  # the sample's


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [
        ("--base-url", "https://user:secret@vp.example.se/vp", "base_url"),
        ("--consumer-hsa-id", "not-an-hsa-id", 'consumer_hsa_id "not-an-hsa-id" is not'),
    ],
)
def test_a_bad_value_writes_nothing(flag: str, value: str, needle: str) -> None:
    result = run("config", "init", "--from-sample", "qa", flag, value)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and needle in result.stderr
    assert "secret" not in result.stderr
    assert not user_file().exists()


def test_without_a_sample_off_a_terminal_it_asks_for_the_flag() -> None:
    result = run("config", "init")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: say which sample to start from: --from-sample")
    assert not user_file().exists()


def test_on_a_terminal_it_asks_for_what_flags_did_not_give(monkeypatch: pytest.MonkeyPatch) -> None:
    import bokade_cli.commands.config as command

    monkeypatch.setattr(command, "_interactive", lambda: True)
    answers = [
        "qa",  # sample
        "lab",  # profile name
        "ftp://nope",  # base_url: refused, asked again
        "https://vp.lab.example.se/vp",
        "",  # consumer_hsa_id: keep the sample's
        "/etc/bokade/lab.pem",  # cert_file
        "", "", "",  # key, password file, CA: the sample's
    ]  # fmt: skip
    result = run("config", "init", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    profile = tomllib.loads(user_file().read_text(encoding="utf-8"))["profiles"]["lab"]
    assert profile["base_url"] == "https://vp.lab.example.se/vp"
    assert profile["consumer_hsa_id"] == "SE0000000000-QA01"
    assert profile["tls"]["cert_file"] == "/etc/bokade/lab.pem"
    assert profile["tls"]["ca_file"] == "certs/qa-ntjp-ca.pem"
    questions = [line for line in result.stderr.splitlines() if line.endswith(":")]
    assert questions[:3] == ["sample (test, qa, production, demo) [qa]:", "profile name [qa]:", "base_url [https://qa.esb.ntjp.se/vp]:"]  # fmt: skip
    assert questions.count("base_url [https://qa.esb.ntjp.se/vp]:") == 2


def test_a_symlinked_config_is_refused_never_followed_nor_replaced(tmp_path: Path) -> None:
    """A dotfiles setup links the config into place: replacing the link by a copy (the rule for
    written files) would silently cut it off; the hint names the file it points to."""
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "bokade.toml"
    target.write_text(HAND_WRITTEN, encoding="utf-8")
    link = tmp_path / "bokade.toml"
    link.symlink_to(target)
    result = run("config", "init", "--from-sample", "demo", "--config", str(link))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"Error: {link} is a symbolic link to {target}; nothing was written",
        f"Hint: To edit the file it points to, give --config {target} (the link stays).",
    ]
    assert link.is_symlink() and target.read_text(encoding="utf-8") == HAND_WRITTEN
    followed = run("config", "init", "--from-sample", "demo", "--config", str(target))
    assert followed.exit_code == 0, followed.output
    assert link.is_symlink() and "[profiles.demo]" in link.read_text(encoding="utf-8")


def test_the_user_file_as_a_dangling_link_is_refused_too(tmp_path: Path) -> None:
    user_file().symlink_to(tmp_path / "not-yet.toml")
    result = run("config", "init", "--from-sample", "demo")
    assert result.exit_code == 2 and "is a symbolic link to" in result.stderr
    assert user_file().is_symlink() and not (tmp_path / "not-yet.toml").exists()


@pytest.mark.parametrize(("target", "shown"), [("/dev/null", "a device"), ("FOLDER", "a folder")])
def test_a_target_that_is_not_a_file_is_refused_before_anything_is_claimed(
    tmp_path: Path, target: str, shown: str
) -> None:
    path = str(tmp_path) if target == "FOLDER" else target
    result = run("config", "init", "--from-sample", "demo", "--config", path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == (
        f"Error: {path} is {shown}, not a config file; nothing was written"
    )
    assert "Profile" not in result.stderr and result.stdout == ""


def test_a_profile_in_a_form_it_cannot_edit_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "bokade.toml"
    original = 'profiles.qa.base_url = "https://dotted.example.se/vp"\n'
    path.write_text(original, encoding="utf-8")
    result = run("config", "init", "--from-sample", "qa", "--config", str(path), "--force")
    assert result.exit_code == 5
    assert 'cannot replace the profile "qa" safely' in result.stderr
    assert path.read_text(encoding="utf-8") == original


@pytest.mark.parametrize("name", sorted(set(SAMPLES.values())))
def test_the_bundled_samples_are_the_sample_configs(name: str) -> None:
    from importlib import resources

    bundled = (resources.files("bokade_cli") / "samples" / name).read_bytes()
    assert bundled == (SAMPLE_CONFIGS / name).read_bytes(), f"update bokade_cli/samples/{name}"


# --- what cannot go into a config file (review 3, finding 5) -------------------------------------


def _refused(result: Any, *words: str) -> None:
    """Exit 2, one error line naming the flag or variable, no file, never exit 70."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: ") and lines[1].startswith("Hint: ")
    for word in words:
        assert word in lines[0]
    assert "internal" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--profile", "\udcff"], ("--profile", "bytes that are not UTF-8")),
        (["--profile", ""], ("--profile is empty",)),
        (["--profile", "a\nb"], ("--profile", "a line break")),
        (["--profile", "x\x1b[31m"], ("--profile", "a control character")),
        (["--cert-file", "/tmp/c\udcff.pem", "--key-file", "/tmp/k.pem"], ("--cert-file", "UTF-8")),
        (["--key-file", "/tmp/k\x07.pem"], ("--key-file", "a control character")),
        (["--ca-file", "/tmp/ca\u202e.pem"], ("--ca-file", "an invisible character")),
    ],
)
def test_a_name_or_path_a_config_file_cannot_hold_is_a_usage_error(
    tmp_path: Path, flags: list[str], words: tuple[str, ...]
) -> None:
    for existing in (False, True):  # a new file, and one edited in place
        path = tmp_path / f"bokade-{existing}.toml"
        if existing:
            path.write_text(HAND_WRITTEN, encoding="utf-8")
        result = run("config", "init", "--from-sample", "qa", "--config", str(path), *flags)
        _refused(result, *words)
        assert path.read_text(encoding="utf-8") == HAND_WRITTEN if existing else not path.exists()


def test_bokade_profile_that_is_not_utf8_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOKADE_PROFILE", "p\udcfe")
    path = tmp_path / "bokade.toml"
    result = run("config", "init", "--from-sample", "demo", "--config", str(path))
    _refused(result, "BOKADE_PROFILE holds bytes that are not UTF-8")
    assert not path.exists()


def test_a_profile_name_with_a_space_is_written_quoted(tmp_path: Path) -> None:
    path = tmp_path / "bokade.toml"
    result = run("config", "init", "--from-sample", "demo", "--config", str(path), "-p", "my lab")
    assert result.exit_code == 0, result.output
    assert "my lab" in tomllib.loads(path.read_text(encoding="utf-8"))["profiles"]


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_argv_bytes_that_are_not_utf8_are_exit_2_in_a_real_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    bokade = Path(sys.executable).parent / "bokade"
    if not bokade.exists():
        pytest.skip("no bokade console script next to this Python")
    argv = [bokade, "config", "init", "--from-sample", "qa", "--config", tmp_path / "b.toml"]
    for flags in ([b"--profile", b"\xff"], [b"--cert-file", b"/tmp/c\xff.pem"]):
        done = subprocess.run([*map(os.fsencode, argv), *flags], capture_output=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert b"bytes that are not UTF-8" in done.stderr and b"Traceback" not in done.stderr
    assert not (tmp_path / "b.toml").exists()


def test_an_answer_that_is_not_utf8_is_named_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    import bokade_cli.commands.config as command

    monkeypatch.setattr(command, "_interactive", lambda: True)
    result = CliRunner().invoke(app, ["config", "init"], input=b"qa\nlab\xff\n")
    assert result.exit_code == 2, result.output
    assert "Error: the profile name holds bytes that are not UTF-8" in result.stderr
    assert not user_file().exists()
