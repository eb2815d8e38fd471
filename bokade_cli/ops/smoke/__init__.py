"""Smoke-test a profile step by step (no Typer here)."""
