"""Read a citizen's relation list (mottagningsrelation) from a file: one HSA-id per line."""

from __future__ import annotations

from pathlib import Path

from bokade_cli.errors import InputError


def load_relations_file(path: Path) -> list[str]:
    """HSA-ids in file order; blank lines and `#` comments are ignored."""
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the relations file {path}: {getattr(exc, 'strerror', None) or exc}",
            "Give a readable UTF-8 text file with one HSA-id per line.",
        ) from None
    relations = []
    for number, line in enumerate(content.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if any(c.isspace() for c in value):
            raise InputError(
                f"{path}, line {number}: {value!r} is not one HSA-id",
                "Put one HSA-id per line; use # for comments.",
            )
        relations.append(value)
    return relations
