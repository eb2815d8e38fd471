"""`bokade simulator serve|list`: the embedded platform as a stand-alone endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bokade_cli.commands.guard import guarded
from bokade_cli.commands.options import DebugOption, DocFormat
from bokade_cli.errors import UsageError


def simulator_serve(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Bundled scenario name or a TOML file.")
    ] = "demo",
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0 picks a free one).")] = 8080,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="Serve HTTPS with mutual TLS, making a throwaway test CA and certificates "
            "(in --tls-dir) unless --tls-cert is given.",
        ),
    ] = False,
    tls_dir: Annotated[
        Path, typer.Option("--tls-dir", help="Where --tls writes ca.pem, client.pem, client.key.")
    ] = Path("bokade-simulator-pki"),
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="Serve HTTPS with this PEM certificate.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The certificate's PEM key (if separate).")
    ] = None,
    client_ca: Annotated[
        Path | None,
        typer.Option("--client-ca", help="Require client certificates signed by this CA (mTLS)."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Serve a scenario as a stand-alone platform endpoint until Ctrl-C."""
    with guarded(None, DocFormat, debug=debug) as out:
        from bokade_cli.simulator import Simulator, load_scenario, serve_forever
        from bokade_cli.simulator.tls import server_context, throwaway_pki

        if (tls_key or client_ca) and not tls_cert:
            raise UsageError("--tls-key and --client-ca need --tls-cert", "Add --tls-cert FILE.")
        loaded = load_scenario(scenario)
        if tls and not tls_cert:
            tls_cert, tls_key, client_ca = throwaway_pki(tls_dir)
        context = server_context(tls_cert, tls_key, client_ca) if tls_cert else None

        def ready(base_url: str) -> None:
            mutual = ", client certificate required" if client_ca else ""
            out.say(
                f"Simulating scenario {loaded.name} on {base_url}{mutual} "
                f"(aggregator {loaded.aggregator}); Ctrl-C stops."
            )
            if tls and client_ca is not None and (tls_dir / "client.pem").exists():
                folder = tls_dir.resolve()
                out.say("A profile for it (on stdout, ready to paste into a config file):")
                out.write_text(
                    f'[profiles.sim]\nbase_url = "{base_url}"\n[profiles.sim.tls]\n'
                    f'cert_file = "{folder / "client.pem"}"\n'
                    f'key_file = "{folder / "client.key"}"\nca_file = "{folder / "ca.pem"}"\n'
                )

        serve_forever(Simulator(loaded), host, port, ssl_context=context, on_ready=ready)
        out.say("Simulator stopped.")


def simulator_list() -> None:
    """List the bundled scenarios."""
    from bokade_cli.simulator import list_scenarios, load_scenario

    for name in list_scenarios():
        typer.echo(f"{name}\t{load_scenario(name).description}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The embedded platform simulator.", no_args_is_help=True)
    group.command("serve")(simulator_serve)
    group.command("list")(simulator_list)
    app.add_typer(group, name="simulator")
