"""Support diagnostics: explain, compare, relation events, capture and replay (no Typer here)."""
