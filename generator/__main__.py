"""Allow ``python -m generator`` (a normal interpreter exit, so profilers and coverage see the end)."""

from .cli import main

main()
