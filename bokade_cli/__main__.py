"""Allow `python -m bokade_cli`."""

from bokade_cli.cli import main

main()
