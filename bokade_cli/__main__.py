"""Allow `python -m bokade_cli`."""

from bokade_cli.process import main

main()
