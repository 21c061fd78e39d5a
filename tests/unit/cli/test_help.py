"""``applinks … --help``: one style on every command (flags without ``<bool>``, arguments in upper case)."""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.testing import CliRunner

from applinks.cli.main import app
from tests.unit.cli.conftest import CLEAN_ENV


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    # A group that takes an argument before its commands (``link auth LINK show``) gets a placeholder.
    given = tuple(param.name.upper() for param in command.params if param.param_type_name == "argument")
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*path, *given, name))
    return found


def test_every_help_page_shows_no_bool_and_upper_case_arguments() -> None:
    paths = _paths(typer.main.get_command(app))
    assert ("link", "delete") in paths and ("link", "create") in paths
    for path in paths:
        shown = CliRunner().invoke(app, [*path, "--help"], env={**CLEAN_ENV, "COLUMNS": "200"})
        assert shown.exit_code == 0, (path, shown.output)
        assert "<bool>" not in shown.output, (path, shown.output)
        usage = next(line for line in shown.output.splitlines() if "Usage:" in line)
        for argument in re.findall(r"\{([^}]*)\}", usage):
            assert argument == argument.upper(), (path, usage)
