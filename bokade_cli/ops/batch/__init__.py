"""Batches of cases with expectations, for CI (no Typer here)."""
