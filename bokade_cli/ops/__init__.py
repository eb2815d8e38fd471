"""Ops and CI: `bokade smoke` and `bokade batch` below the CLI (no Typer here)."""
