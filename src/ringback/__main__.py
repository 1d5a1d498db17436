"""`python -m ringback` runs the CLI."""

from __future__ import annotations

from ringback.cli import main

main()
