"""`bokade simulator serve|list`: the embedded platform as a stand-alone endpoint."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.helptext import Command, examples
from bokade_cli.commands.options import (
    DebugOption,
    DocFormat,
    OutputOption,
    ScenarioOption,
    UnmaskOption,
    format_option,
)
from bokade_cli.errors import UsageError

if TYPE_CHECKING:
    from bokade_cli.output.boundary import Output
    from bokade_cli.simulator import Scenario


class ListFormat(StrEnum):
    table = "table"
    json = "json"


NUMBER_HINT = (
    "collect needs the number a scenario serves (any other gets no appointments); "
    "--unmask shows it in full."
)


def _citizens(scenario: Scenario, out: Output) -> list[dict[str, object]]:
    """The numbers a scenario serves (the boundary masks them), with their relation lists."""
    for citizen in scenario.citizens:
        out.protect(citizen.personnummer)
    return [
        {"personnummer": _dashed(c.personnummer), "relations": list(c.relations)}
        for c in scenario.citizens
    ]


def _dashed(digits: str) -> str:
    return f"{digits[:8]}-{digits[8:]}" if len(digits) == 12 else digits


def simulator_serve(
    scenario: ScenarioOption = "demo",
    host: Annotated[
        str,
        typer.Option("--host", metavar="ADDRESS", help="Address to bind (loopback by default)."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port (0 picks a free one).")
    ] = 8080,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="Serve HTTPS with mutual TLS, making a throwaway test CA and certificates "
            "(in --tls-dir) unless --tls-cert is given.",
        ),
    ] = False,
    tls_dir: Annotated[
        Path,
        typer.Option(
            "--tls-dir", metavar="DIR", help="Where --tls writes ca.pem, client.pem, client.key."
        ),
    ] = Path("bokade-simulator-pki"),
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", metavar="FILE", help="Serve HTTPS with this PEM certificate."),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option("--tls-key", metavar="FILE", help="The certificate's PEM key (if separate)."),
    ] = None,
    client_ca: Annotated[
        Path | None,
        typer.Option(
            "--client-ca",
            metavar="FILE",
            help="Require client certificates signed by this CA (mTLS).",
        ),
    ] = None,
    unmask: UnmaskOption = False,
    debug: DebugOption = False,
) -> None:
    """Serve a scenario as a stand-alone platform endpoint until Ctrl-C."""
    with guarded(None, DocFormat, debug=debug, unmask=unmask) as out:
        from bokade_cli.simulator import Simulator, load_scenario, serve_forever
        from bokade_cli.simulator.tls import server_context, throwaway_pki

        if (tls_key or client_ca) and not tls_cert:
            raise UsageError("--tls-key and --client-ca need --tls-cert", "Add --tls-cert FILE.")
        loaded = load_scenario(scenario)
        citizens = _citizens(loaded, out)
        if tls and not tls_cert:
            tls_cert, tls_key, client_ca = throwaway_pki(tls_dir)
        context = server_context(tls_cert, tls_key, client_ca) if tls_cert else None

        def ready(base_url: str) -> None:
            mutual = ", client certificate required" if client_ca else ""
            out.say(
                f"Simulating scenario {loaded.name} on {base_url}{mutual} "
                f"(aggregator {loaded.aggregator}); Ctrl-C stops."
            )
            for citizen in citizens:
                relations = " ".join(citizen["relations"]) or "none"  # type: ignore[arg-type]
                out.say(
                    f"It serves personnummer {citizen['personnummer']} (relations: {relations})."
                )
            out.say(f"Hint: {NUMBER_HINT}")
            if tls and client_ca is not None and (tls_dir / "client.pem").exists():
                folder = tls_dir.resolve()
                out.say("A profile for it (on stdout, ready to paste into a config file):")
                # The folder is the user's, but any name can hold a quote or a newline.
                toml = out.toml_string
                out.write_text(
                    f"[profiles.sim]\nbase_url = {toml(base_url)}\n[profiles.sim.tls]\n"
                    f"cert_file = {toml(str(folder / 'client.pem'))}\n"
                    f"key_file = {toml(str(folder / 'client.key'))}\n"
                    f"ca_file = {toml(str(folder / 'ca.pem'))}\n"
                )

        serve_forever(Simulator(loaded), host, port, ssl_context=context, on_ready=ready)
        out.say("Simulator stopped.")


def simulator_list(
    fmt: Annotated[ListFormat | None, format_option()] = None,
    output: OutputOption = None,
    unmask: UnmaskOption = False,
    debug: DebugOption = False,
) -> None:
    """List the bundled scenarios and the personnummer each one serves."""
    with guarded(fmt, ListFormat, debug=debug, unmask=unmask, output=output) as out:
        from bokade_cli.output.boundary import View
        from bokade_cli.output.documents import SCHEMA_VERSION
        from bokade_cli.simulator import list_scenarios, load_scenario

        scenarios = []
        for name in list_scenarios():
            loaded = load_scenario(name)
            scenarios.append(
                {
                    "name": name,
                    "description": loaded.description,
                    "citizens": _citizens(loaded, out),
                }
            )
        out.emit(View("scenarios", {"schema_version": SCHEMA_VERSION, "scenarios": scenarios}))
        if out.fmt.value == "table":
            out.say(f"Hint: {NUMBER_HINT}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The embedded platform simulator.", no_args_is_help=True)
    group.command(
        "serve",
        cls=Command,
        epilog=examples(
            "bokade simulator serve --scenario demo --port 8080",
            "bokade simulator serve --scenario 20-producers --tls --port 8443",
        ),
    )(simulator_serve)
    group.command(
        "list",
        cls=Command,
        epilog=examples("bokade simulator list", "bokade demo --scenario one-of-three-fault"),
    )(simulator_list)
    app.add_typer(group, name="simulator")
