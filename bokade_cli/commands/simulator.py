"""`bokade simulator serve|list`: the embedded platform as a stand-alone endpoint."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from bokade_cli.commands.common import (
    DebugOption,
    OutputFormat,
    errors,
)


def simulator_serve(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help="Bundled scenario name or a TOML file.")
    ] = "demo",
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0 picks a free one).")] = 8080,
    debug: DebugOption = False,
) -> None:
    """Serve a scenario as a stand-alone platform endpoint until Ctrl-C."""
    with errors(OutputFormat.table, debug):
        from bokade_cli.simulator import Simulator, load_scenario, serve_forever

        loaded = load_scenario(scenario)
        err = Console(stderr=True, highlight=False)
        err.print(
            f"Simulating scenario {loaded.name} on http://{host}:{port} "
            f"(aggregator {loaded.aggregator}); Ctrl-C stops.",
            markup=False,
        )
        serve_forever(Simulator(loaded), host, port)
        err.print("Simulator stopped.", markup=False)


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
