"""``python -m applinks``: the command line, for when the ``applinks`` script is not on PATH."""

from __future__ import annotations

from applinks.cli.main import main

main()
