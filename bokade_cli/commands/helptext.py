"""Help that teaches: arguments named as users know them, and real examples kept as written.

Typer writes a required argument as `{PERSONNUMMER}` in the usage line and adds its Python type
(`PERSONNUMMER <str>`) in the list of arguments; this Typer version has no setting to turn that
off, so `Command` lays the arguments out itself. Options name their value with a metavar (FILE,
URL, HSAID, ...) where they are declared. Examples go in an epilog paragraph that starts with
Click's `\\b` marker, so Click never rewraps a command line.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand


def _argument_name(param: Any) -> str:
    name = str(param.metavar or param.name.upper())
    return name + ("..." if param.nargs != 1 else "")


class Command(TyperCommand):
    """A Typer command whose help shows `PERSONNUMMER` and `[PERSONNUMMER]`, never `{...}`/`<str>`."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)


def examples(*lines: str) -> str:
    """An epilog paragraph of example command lines, each printed as written (never rewrapped)."""
    return "\n\nExamples:\n\n\b\n" + "\n".join(f"  $ {line}" for line in lines)
