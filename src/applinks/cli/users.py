"""``applinks users add|list``: the reference application's users."""

from __future__ import annotations

from typing import Annotated

import typer

from applinks.cli.common import cli_errors, console, emit, open_instance
from applinks.refapp.host import refapp_host

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user name.")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)],
    admin: Annotated[bool, typer.Option("--admin", help="An administrator.")] = False,
    sysadmin: Annotated[bool, typer.Option("--sysadmin", help="A system administrator.")] = False,
    full_name: Annotated[str, typer.Option("--full-name")] = "",
) -> None:
    """Add a user."""
    with open_instance() as instance, cli_errors():
        user = refapp_host(instance).users.add(name, password, full_name=full_name, admin=admin, sysadmin=sysadmin)
        role = "system administrator" if user.is_sysadmin else "administrator" if user.is_admin else "user"
        console.print(f"added {role} {user.name}", highlight=False)


@app.command("list")
def list_users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users."""
    with open_instance() as instance:
        rows = [
            {
                "name": u.name,
                "fullName": u.full_name,
                "admin": u.is_admin,
                "sysadmin": u.is_sysadmin,
                "canLogin": u.can_login,
            }
            for u in refapp_host(instance).users.list()
        ]
        emit(rows, ["name", "fullName", "admin", "sysadmin", "canLogin"], as_json, title="Users")
