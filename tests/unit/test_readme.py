"""The README stays true to the code: every setting with its default, every command and route it names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from fastapi.routing import APIRoute

from applinks.cli.main import app as cli_app
from applinks.settings import Settings
from applinks.web.api import applicationlink, manifest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert found, f"README has no section {title!r}"
    return found.group(1)


def _table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[1:]  # without the header


def _code(cell: str) -> str:
    found = re.match(r"`([^`]*)`", cell)
    return found.group(1) if found else cell


def test_the_two_commands_come_first() -> None:
    head = README[: README.index("\n## ")]
    assert "make demo" in head and "make test" in head


# -- configuration -------------------------------------------------------------------------------------------
SETTINGS_ROWS = {_code(row[0]): row[1] for row in _table_rows(_section("Configuration"))}


def test_every_setting_is_documented_and_nothing_else() -> None:
    expected = {f"APPLINKS_{name.upper()}" for name in Settings.model_fields}
    missing, unknown = sorted(expected - set(SETTINGS_ROWS)), sorted(set(SETTINGS_ROWS) - expected)
    assert not missing, f"add rows to the README's Configuration table for {missing}"
    assert not unknown, f"the README documents settings that do not exist: {unknown}"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_documented_default_is_the_real_default(name: str) -> None:
    default: Any = Settings.model_fields[name].default
    cell = SETTINGS_ROWS[f"APPLINKS_{name.upper()}"]
    if default is None:
        assert cell.startswith("unset"), f"{name} has no default; the README says {cell!r}"
    elif isinstance(default, bool):
        assert _code(cell) == str(default).lower()
    else:
        assert _code(cell) == str(default), f"{name} defaults to {default!r}; the README says {cell!r}"


def test_settings_are_read_from_the_documented_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLINKS_NAME", "From the environment")
    monkeypatch.setenv("APPLINKS_TIMESTAMP_WINDOW", "42")
    settings = Settings()
    assert (settings.name, settings.timestamp_window) == ("From the environment", 42)


# -- command line --------------------------------------------------------------------------------------------
def _commands() -> dict[str, set[str]]:
    """Every command path (``link show``) with the options and arguments it takes."""
    found: dict[str, set[str]] = {}

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
            return
        names = set()
        for param in command.params:
            names.update(param.opts)
            if param.param_type_name == "argument":
                names.add(param.metavar or param.name.upper())
        found[" ".join(path)] = names

    walk(typer.main.get_command(cli_app), [])
    return found


def _documented_commands() -> list[tuple[str, list[str]]]:
    """(command path, the words after it) for each row of the README's command table."""
    documented = []
    for row in _table_rows(_section("The command line")):
        words = _code(row[0]).replace("[", " ").replace("]", " ").split()
        assert words[0] == "applinks"
        path = []
        for word in words[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            path.append(word)
        documented.append((" ".join(path), words[1 + len(path) :]))
    return documented


def test_every_documented_command_and_option_exists() -> None:
    commands = _commands()
    documented = _documented_commands()
    assert documented
    for command, words in documented:
        assert command in commands, f"README documents `applinks {command}`, which does not exist"
        previous = ""
        for word in words:
            # An upper-case word right after an option is that option's value; otherwise it is an argument.
            if word.startswith("--") or (word.isupper() and not previous.startswith("--")):
                assert word in commands[command], f"`applinks {command}` has no {word}"
            previous = word


def test_the_foundation_commands_are_documented() -> None:
    documented = {command for command, _ in _documented_commands()}
    foundation = ["serve", "info", "users add", "users list", "link list", "link show", "link delete"]
    assert {*foundation, "link make-primary", "db upgrade"} <= documented


# -- REST API ------------------------------------------------------------------------------------------------
def _routes(tmp_path: Path) -> set[tuple[str, str]]:
    from applinks.refapp.app import build_app

    app = build_app(Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8990"))
    found: set[tuple[str, str]] = set()
    try:
        # The OpenAPI documents: what each app really serves (routers may be nested), the reference app's own too.
        for served in (app, app.state.links_app):
            for path, operations in served.openapi()["paths"].items():
                found.update((method.upper(), path) for method in operations)
    finally:
        app.state.instance.close()
    return found


def test_every_documented_route_exists(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    rows = _table_rows(_section("REST API"))
    assert rows
    for row in rows:
        method, path = _code(row[0]), _code(row[1])
        assert (method, path) in routes, f"README documents {method} {path}, which the reference app does not serve"


def test_the_foundation_routes_are_documented() -> None:
    documented = {(_code(r[0]), _code(r[1])) for r in _table_rows(_section("REST API"))}
    for router in (manifest.router, applicationlink.router):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in route.methods:
                    assert (method, route.path) in documented, f"document {method} {route.path} in the README"


def test_documented_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    for target in set(re.findall(r"`make ([a-z]+)", README)):
        assert target in targets, f"README mentions `make {target}`, which the Makefile lacks"
