"""``applinks``: the command line. One module per command group; this one wires them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from applinks.cli import info, init, keys, legacy, lifecycle, links, links_as_code, serve, users
from applinks.cli import outbound as outbound_cli
from applinks.cli.common import state
from applinks.cli.db import app as db_app
from applinks.cli.doctor import doctor as doctor_command
from applinks.cli.oauth import app as oauth_app
from applinks.cli.oauth2 import app as oauth2_app


def _tidy_param(param: Any) -> None:
    if isinstance(param, TyperOption) and param.is_flag:
        param.metavar = ""  # typer shows a set metavar in place of the value's type: a flag takes no value
    elif isinstance(param, TyperArgument) and param.metavar is None and param.name:
        param.metavar = param.name.upper()


def _tidy_help(command: Any) -> None:
    """One help style for every command: a flag shows no ``<bool>`` (it takes no value), and every argument's
    name is upper case (``URL``, ``LINK``), as in the README, whichever way its parameter is spelt."""
    for param in command.params:
        _tidy_param(param)
    make_help_option = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)  # made on demand, per command: tidied when it is made
        if option is not None:
            _tidy_param(option)
        return option

    setattr(command, "get_help_option", help_option)  # noqa: B010 - an instance's method, on purpose
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)


class _Root(TyperGroup):
    """The root group: typer builds every command before it, so it tidies the whole tree's help once."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _tidy_help(self)

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)
        for param in params:  # typer adds the completion options after building the group
            _tidy_param(param)
        return params


app = typer.Typer(cls=_Root, help="Application Links for Python.", no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def main_options(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", envvar="APPLINKS_DATA_DIR", help="The data directory.")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="APPLINKS_DATABASE_URL", help="Database URL.")
    ] = None,
    app_spec: Annotated[
        str | None,
        typer.Option(
            "--app",
            envvar="APPLINKS_APP",
            metavar="MODULE:ATTRIBUTE",
            help="An embedding host's applinks Host (or a function returning it): --as USER is one of its users.",
        ),
    ] = None,
) -> None:
    state.data_dir = data_dir
    state.database_url = database_url
    state.app = app_spec


app.command("serve")(serve.serve)
app.command("init")(init.init)
app.command("info")(info.info)
app.command("doctor")(doctor_command)
app.command("export")(links_as_code.export)
app.command("import")(links_as_code.import_links)
app.add_typer(users.app, name="users", help="Users of the reference application.")
app.add_typer(links.app, name="link", help="Application links.")
links.app.add_typer(outbound_cli.app, name="auth", help="Outgoing authentication of a link: LINK show|set|level|audit.")
app.add_typer(db_app, name="db", help="The database.")
app.add_typer(keys.app, name="keys", help="The encryption key file: rotate.")
app.add_typer(legacy.app, name="legacy", help="Legacy authentication: Trusted Applications, Basic, migration to OAuth.")
app.add_typer(oauth_app, name="oauth", help="OAuth 1.0a: this instance as a consumer, incoming consumers of links.")
app.add_typer(oauth2_app, name="oauth2", help="OAuth 2.0: incoming OAuth 2.0 links (client ID and secret).")
lifecycle.register(app, links.app)


def main() -> None:
    app()
