"""The Typer app: every command module registers itself here; `main()` is the console script.

Heavy modules (httpx, xmltodict, the contracts, the simulator) are imported inside the
commands that need them, so `bokade --help` and `bokade --version` start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bokade_cli import __version__
from bokade_cli.commands import collect, config, ops, simulator, support
from bokade_cli.commands.common import EPILOG

app = typer.Typer(
    name="bokade",
    help="Diagnose 1177 Bokade tider: run the booked-appointments collection for one "
    "personnummer and account for every appointment received.",
    epilog=EPILOG,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,  # never show locals: they hold personnummer
    rich_markup_mode=None,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"bokade {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = None,
) -> None:
    """Diagnose 1177 Bokade tider."""


for module in (collect, support, ops, config, simulator):
    module.register(app)


def main() -> None:
    app()
