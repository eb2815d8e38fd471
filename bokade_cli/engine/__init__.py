"""The engine: makes the platform calls of a collection and reads their answers (no masking here)."""

from bokade_cli.engine.run import (
    Engine,
    Observer,
    RunLogic,
    Subject,
    collect_calls,
    make_client,
    unique_relations,
)

__all__ = [
    "Engine",
    "Observer",
    "RunLogic",
    "Subject",
    "collect_calls",
    "make_client",
    "unique_relations",
]
