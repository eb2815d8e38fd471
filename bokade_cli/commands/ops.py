"""Placeholder: commands for issue 5 are registered here."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
