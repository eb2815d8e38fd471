"""Every example in README.md runs, so the README cannot drift from the tool.

Each fenced block is taken as a user would: `sh` lines are commands, `console` blocks are
commands (`$ `) with the output they show (`...` elides lines or parts of a line; times and
dates are compared by shape), the `toml` profile passes `bokade config check`, and the CI
`yaml` step's `run:` script runs with its `env:`. Commands run in a sandbox folder against the
simulator on loopback: the profile `qa` (the user's configuration) points at it, the README's
placeholder HSA-ids stand for the demo scenario's facilities, and `127.0.0.1:8080` is the
address the README's own `bokade simulator serve` example got. Commands that set up a machine
or measure it (venv, pip, pytest, linters, benchmarks) are listed in SETUP and not run.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bokade_cli.cli import app
from bokade_cli.simulator import RunningServer, Simulator, load_scenario, serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SETUP = {
    "python3 -m venv .venv",
    ".venv/bin/pip install -q .",
    ".venv/bin/pip install -q -e '.[test]'",
    ".venv/bin/pip install -e '.[test,dev]'",
    ".venv/bin/python -m pytest",
    '.venv/bin/python -m pytest -m "not slow"',
    ".venv/bin/python -m pytest tests/test_fuzz.py",  # with BOKADE_FUZZ_EXAMPLES set
    ".venv/bin/ruff check .",
    ".venv/bin/ruff format --check bokade_cli tests benchmarks",
    ".venv/bin/mypy",
    ".venv/bin/python benchmarks/run.py",
    ".venv/bin/python benchmarks/run.py --quick",
    ".venv/bin/python benchmarks/run.py --only compare",
    "bokade --install-completion",  # writes the user's shell start-up file
}
PLACEHOLDERS = {"SE2321000016-ABCD": "SE2321000016-R004", "SE2321000016-EFGH": "SE2321000016-A001"}
DEMO_RELATIONS = "SE2321000016-A001\nSE2321000016-F003\nSE2321000016-R004\n"
WRITES = ("--output", "-o", "--junit", "--save-capture")
MACHINE_PATHS = {
    "/etc/bokade/bokade.toml": "bokade.toml",
    "/var/lib/prometheus/node-exporter/": "node-exporter/",
}


@dataclass
class Block:
    line: int  # where the block starts in README.md
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.lang}-line-{self.line}"


@dataclass
class Command:
    argv: list[str]  # one command of a chain, as shlex splits it
    expected: list[str] = field(default_factory=list)  # console blocks: the output shown
    env: dict[str, str] = field(default_factory=dict)


def blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
        found.append(Block(text[: match.start()].count("\n") + 1, match.group(1), match.group(2)))
    return found


def _logical_lines(text: str) -> Iterator[str]:
    pending = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line, pending = pending + raw, ""
        if line.strip():
            yield line.strip()


def _chain(
    line: str, expected: list[str] | None = None, env: dict[str, str] | None = None
) -> list[Command]:
    """`a && b` as two commands; `VAR=x cmd` keeps VAR in the command's environment."""
    commands, argv, own = [], [], dict(env or {})
    for token in [*shlex.split(line, comments=True), "&&"]:
        if token == "&&":
            if argv:
                commands.append(Command(argv, [], own))
            argv, own = [], dict(env or {})
        elif not argv and re.fullmatch(r"[A-Z_]+=.*", token):
            name, _, value = token.partition("=")
            own[name] = value
        else:
            argv.append(token)
    if commands and expected:
        commands[-1].expected = expected
    return commands


def commands(block: Block) -> list[Command]:
    if block.lang == "sh":
        return [c for line in _logical_lines(block.text) for c in _chain(line)]
    if block.lang == "console":
        found: list[tuple[str, list[str]]] = []
        continued = False
        for line in block.text.splitlines():
            if continued and found:  # a command's continuation line, not its output
                command = found[-1][0][:-1].rstrip() + " " + line.strip()
                found[-1] = (command, found[-1][1])
            elif line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
            continued = bool(found) and not found[-1][1] and found[-1][0].endswith("\\")
        return [c for line, out in found for c in _chain(line, out)]
    if block.lang == "crontab":  # minute hour day month weekday user command
        return [c for line in _logical_lines(block.text) for c in _chain(line.split(None, 6)[6])]
    if block.lang == "yaml":
        return _yaml_run_steps(block.text)
    return []


def _yaml_run_steps(text: str) -> list[Command]:
    """The `run: |` script of each step, with the step's `env:` (a flat mapping)."""
    lines, found = text.splitlines(), []
    for n, line in enumerate(lines):
        if line.strip() != "run: |":
            continue
        indent = len(line) - len(line.lstrip())
        script, env, rest = [], {}, lines[n + 1 :]
        for i, item in enumerate(rest):
            if item.strip() and len(item) - len(item.lstrip()) <= indent:
                if item.strip() == "env:":
                    for entry in rest[i + 1 :]:
                        if len(entry) - len(entry.lstrip()) <= indent + 2:
                            break
                        name, _, value = entry.strip().partition(":")
                        env[name] = value.strip()
                break
            script.append(item)
        found += [c for line in _logical_lines("\n".join(script)) for c in _chain(line, env=env)]
    return found


# --- running the examples ------------------------------------------------------------------------


@dataclass
class Sandbox:
    folder: Path
    platform: RunningServer
    served: list[subprocess.Popen[bytes]] = field(default_factory=list)
    served_url: str | None = None


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    folder = tmp_path_factory.mktemp("readme")
    with serve_in_thread(Simulator(load_scenario("demo"))) as platform:
        profile = f'default_profile = "qa"\n[profiles.qa]\nbase_url = "{platform.base_url}"\n'
        prod = f'[profiles.prod]\nbase_url = "{platform.base_url}"\n'
        (folder / "bokade.toml").write_text(profile + "timeout_s = 10\n" + prod)
        (folder / "node-exporter").mkdir()
        (folder / "relations.txt").write_text(DEMO_RELATIONS)
        samples = ROOT / "sample_configs" / "batch"
        for where in (folder, folder / "ci"):
            where.mkdir(exist_ok=True)
            for sample in samples.iterdir():
                shutil.copy(sample, where / sample.name)
            shutil.copy(samples / "batch-example.toml", where / "checks.toml")
        shutil.copy(folder / "bokade.toml", folder / "ci" / "bokade.toml")
        (folder / "sample_configs").symlink_to(ROOT / "sample_configs")
        box = Sandbox(folder, platform)
        try:
            yield box
        finally:
            for process in box.served:
                _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.communicate(timeout=10)  # reads and closes its pipes


def _substitute(argv: list[str], box: Sandbox) -> list[str]:
    out = []
    for token in argv:
        for placeholder, real in PLACEHOLDERS.items():
            token = token.replace(placeholder, real)
        for where, here in MACHINE_PATHS.items():  # a server's folders: the sandbox's
            token = token.replace(where, f"{box.folder}/{here}")
        if box.served_url:
            token = token.replace("http://127.0.0.1:8080", box.served_url)
        out.append(token)
    return out


def _serve(argv: list[str], box: Sandbox) -> None:
    """`bokade simulator serve ... &`: really served (on a free port), kept up for the block."""
    args = [
        "0" if previous == "--port" else a for previous, a in zip(["", *argv], argv, strict=False)
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "bokade_cli", *args[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=box.folder,
    )
    box.served.append(process)
    assert process.stderr is not None
    ready = process.stderr.readline().decode()
    match = re.search(r"on (http://127\.0\.0\.1:\d+)", ready)
    assert match, ready
    box.served_url = match.group(1)
    serves = process.stderr.readline().decode()
    assert serves.startswith("It serves personnummer 19121212-**** (relations: SE2321000016-")


def _shape(text: str) -> str:
    text = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2})?", "<time>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "<date> <hm>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", text)
    return re.sub(r"\d+ ms\b", "<n> ms", text)


def _assert_shows(output: str, expected: list[str]) -> None:
    """Every expected line (`...` parts elided) matches an output line, in order."""
    lines = [_shape(line) for line in output.splitlines()]
    at = 0
    for want in expected:
        if want.strip() in ("", "..."):
            continue
        parts = [re.escape(_shape(p)) for p in want.split("...")]
        pattern = re.compile("^" + ".*".join(parts) + "$")
        for n in range(at, len(lines)):
            if pattern.match(lines[n]):
                at = n + 1
                break
        else:
            raise AssertionError(f"README shows {want!r}, which the output does not:\n{output}")


def run(command: Command, box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = _substitute(command.argv, box)
    if argv[0] == "head" and argv[1].startswith("-"):  # `head -N FILE` of a file written before
        text = (box.folder / argv[2]).read_text(encoding="utf-8")
        _assert_shows("\n".join(text.splitlines()[: int(argv[1][1:])]), command.expected)
        return
    if argv[:2] == ["mkdir", "-p"]:
        for name in argv[2:]:
            (box.folder / name).mkdir(parents=True, exist_ok=True)
        return
    if argv[0] == "echo" and "|" in argv:
        bar = argv.index("|")
        stdin, argv = " ".join(argv[1:bar]) + "\n", argv[bar + 1 :]
    else:
        stdin = None
    target = None
    if argv[-1].startswith(">") and argv[-1] != ">":  # `>FILE` written as one word
        argv = [*argv[:-1], ">", argv[-1][1:]]
    if ">" in argv:
        target, argv = argv[argv.index(">") + 1], argv[: argv.index(">")]
    if "<" in argv:
        stdin = (box.folder / argv[argv.index("<") + 1]).read_text()
        argv = argv[: argv.index("<")]
    if argv[0].endswith("bin/bokade"):
        argv[0] = "bokade"
    assert argv[0] == "bokade", f"not a bokade command and not in SETUP: {command.argv}"
    if argv[-1] == "&":
        assert argv[1:3] == ["simulator", "serve"], argv
        _serve(argv[:-1], box)
        return
    monkeypatch.chdir(box.folder)
    own = {name: _substitute([value], box)[0] for name, value in command.env.items()}
    env = {"BOKADE_CONFIG": str(box.folder / "bokade.toml"), **own}
    if argv[1:3] == ["config", "init"]:  # as a new user runs it: no configuration yet
        env = {"BOKADE_CONFIG_DIR": str(box.folder / "new-user"), "BOKADE_CONFIG": ""}
    result = CliRunner().invoke(app, argv[1:], input=stdin, env=env)
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown
    assert result.exit_code in (0, 3), f"{argv} exited {result.exit_code}:\n{shown}"
    if "--allow-partial" in argv or argv[1] in ("config", "relations", "simulator"):
        assert result.exit_code == 0, shown
    if target is not None and target != "/dev/null":
        (box.folder / target).write_text(result.stdout)
        if target.endswith(".json"):
            json.loads(result.stdout)
    for option in WRITES:
        if option in argv:
            assert (box.folder / argv[argv.index(option) + 1]).stat().st_size > 0
    _assert_shows(shown, command.expected)


def _is_setup(command: Command) -> bool:
    return shlex.join(command.argv) in {shlex.join(shlex.split(s)) for s in SETUP}


def _is_alert_rules(block: Block) -> bool:
    return block.lang == "yaml" and block.text.startswith("groups:")


EXAMPLES = [
    b for b in blocks() if b.lang in ("sh", "console", "yaml", "crontab") and not _is_alert_rules(b)
]


def test_every_block_is_one_the_readme_test_knows() -> None:
    kinds = {b.lang for b in blocks()}
    assert kinds <= {"sh", "console", "yaml", "toml", "crontab"}, kinds
    setup = [c for b in EXAMPLES for c in commands(b) if _is_setup(c)]
    assert {shlex.join(c.argv) for c in setup} == {shlex.join(shlex.split(s)) for s in SETUP}


@pytest.mark.parametrize("block", EXAMPLES, ids=lambda b: b.id)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_example_runs(block: Block, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    todo = [c for c in commands(block) if not _is_setup(c)]
    if block.lang == "yaml":
        assert todo, "the CI step has no run: script"
    for command in todo:
        run(command, sandbox, monkeypatch)
    for process in sandbox.served:  # a served simulator lives as long as its block
        _stop(process)
    sandbox.served.clear()
    sandbox.served_url = None


@pytest.mark.parametrize("block", [b for b in blocks() if b.lang == "toml"], ids=lambda b: b.id)
def test_the_example_profile_is_a_valid_configuration(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(block.text)
    result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Configuration OK: profile qa")
    shown = CliRunner().invoke(app, ["config", "show", "--config", str(path), "-f", "json"])
    assert json.loads(shown.stdout)["base_url"]["value"] == "https://qa.esb.ntjp.se/vp"


@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_commands_in_the_demo_sample_config_run(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sample_configs/demo.toml tells how to use it; those commands must exist and work."""
    demo = ROOT / "sample_configs" / "demo.toml"
    script = "\n".join(
        line[1:].strip() for line in demo.read_text().splitlines() if line.startswith("#     ")
    )
    todo = [c for line in _logical_lines(script) for c in _chain(line)]
    assert [c.argv[:2] for c in todo] == [
        ["bokade", "simulator"],
        ["bokade", "collect"],
        ["bokade", "smoke"],
    ]
    try:
        _serve([*todo[0].argv, "&"][:-1], sandbox)
        assert sandbox.served_url is not None
        copy = sandbox.folder / "demo.toml"
        copy.write_text(demo.read_text().replace("http://127.0.0.1:8080", sandbox.served_url))
        for command in todo[1:]:
            argv = [str(copy) if a == "sample_configs/demo.toml" else a for a in command.argv]
            run(Command(argv), sandbox, monkeypatch)
    finally:
        for process in sandbox.served:
            _stop(process)
        sandbox.served.clear()
        sandbox.served_url = None


@pytest.mark.parametrize("block", [b for b in blocks() if _is_alert_rules(b)], ids=lambda b: b.id)
@pytest.mark.slow  # 0.1 s or more: out of the quick loop
def test_the_alerting_rules_name_metrics_smoke_writes(block: Block, tmp_path: Path) -> None:
    """Every metric an alerting rule's expression uses is one `smoke --format openmetrics` writes
    (over mutual TLS, so the certificate gauges are there too)."""
    from bokade_cli.simulator.tls import server_context, throwaway_pki

    cert, key, ca = throwaway_pki(tmp_path / "pki")
    context = server_context(cert, key, ca)
    with serve_in_thread(Simulator(load_scenario("demo")), ssl_context=context) as server:
        config = tmp_path / "bokade.toml"
        pki = tmp_path / "pki"
        config.write_text(
            f'[profiles.prod]\nbase_url = "{server.base_url}"\n[profiles.prod.tls]\n'
            f'cert_file = "{pki / "client.pem"}"\nkey_file = "{pki / "client.key"}"\n'
            f'ca_file = "{pki / "ca.pem"}"\n'
        )
        result = CliRunner().invoke(
            app, ["smoke", "--config", str(config), "--format", "openmetrics"]
        )
    assert result.exit_code == 0, result.output
    written = set(re.findall(r"^# TYPE (\S+) ", result.stdout, re.M))
    used = {
        name
        for line in block.text.splitlines()
        if line.strip().startswith("expr:")
        for name in re.findall(r"\bbokade_[a-z_]+", line)
    }
    assert used and used <= written, used - written
