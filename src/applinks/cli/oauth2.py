"""``applinks oauth2 incoming create|list|show|update|reset-secret|jwt-bearer|delete``: incoming OAuth 2.0 links (the
client ID and secret an outside application uses; the secret is printed once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from applinks.auth.oauth2.incoming import client_json
from applinks.cli.common import CLI_ACTOR, emit, emit_one, fail, open_instance

app = typer.Typer(no_args_is_help=True)
incoming_app = typer.Typer(no_args_is_help=True)
app.add_typer(incoming_app, name="incoming", help="Incoming OAuth 2.0 links (clients of this instance).")
COLUMNS = ["id", "clientId", "name", "scope", "redirects"]
SECRET_NOTE = "The client secret is shown only now: copy it into the other application."  # noqa: S105 - a message, not a secret


@incoming_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="The application's name, shown to users on the consent page.")],
    redirect: Annotated[list[str], typer.Option("--redirect", help="A redirect URL (repeat for several).")],
    scope: Annotated[list[str], typer.Option("--scope", help="READ, WRITE, ADMIN or SYSTEM_ADMIN (repeatable).")],
    link_id: Annotated[str | None, typer.Option("--link", help="The application link it belongs to.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an incoming OAuth 2.0 link and print its client ID and (once) its client secret."""
    with open_instance() as instance:
        if link_id is not None:
            instance.links.get(link_id)
        issued = instance.oauth2_clients.create(name, redirect, scope, user_key=CLI_ACTOR.name, link_id=link_id)
        emit_one(client_json(issued.client, issued.secret), as_json)
        if not as_json:
            typer.echo(SECRET_NOTE, err=True)


@incoming_app.command("list")
def list_clients(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every incoming OAuth 2.0 link (never their secrets)."""
    with open_instance() as instance:
        emit([client_json(c) for c in instance.oauth2_clients.all()], COLUMNS, as_json, title="Incoming OAuth 2.0")


@incoming_app.command("show")
def show(
    client: Annotated[str, typer.Argument(metavar="ID", help="The incoming link's ID.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    with open_instance() as instance:
        emit_one(client_json(instance.oauth2_clients.get(client)), as_json)


@incoming_app.command("update")
def update(
    client: Annotated[str, typer.Argument(metavar="ID", help="The incoming link's ID.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    redirect: Annotated[list[str] | None, typer.Option("--redirect", help="Replaces every redirect URL.")] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", help="Replaces the scopes.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    with open_instance() as instance:
        changed = instance.oauth2_clients.update(client, name=name, redirects=redirect or None, scope=scope or None)
        emit_one(client_json(changed), as_json)


@incoming_app.command("reset-secret")
def reset_secret(
    client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID", help="The client ID.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A new client secret (printed once); the old one stops working at once."""
    with open_instance() as instance:
        issued = instance.oauth2_clients.reset_secret(client_id)
        emit_one(client_json(issued.client, issued.secret), as_json)
        if not as_json:
            typer.echo(SECRET_NOTE, err=True)


@incoming_app.command("jwt-bearer")
def jwt_bearer(
    client: Annotated[str, typer.Argument(metavar="ID", help="The incoming link's ID.")],
    issuer: Annotated[
        str | None,
        typer.Option("--issuer", help="The calling application's ID (its assertions' iss); omit to turn off."),
    ] = None,
    public_key_file: Annotated[
        Path | None, typer.Option("--public-key-file", help="The PEM public key its assertions verify with.")
    ] = None,
    same_users: Annotated[
        bool, typer.Option("--same-users/--not-same-users", help="The link shares this instance's set of users.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """JWT bearer impersonation (RFC 7523) by the application of this incoming link."""
    pem = None
    if public_key_file is not None:
        try:
            pem = public_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {public_key_file}: {exc}")
    with open_instance() as instance:
        changed = instance.oauth2_clients.set_jwt_bearer(
            client, issuer=issuer, public_key_pem=pem, same_users=same_users
        )
        emit_one(client_json(changed), as_json)


@incoming_app.command("delete")
def delete(client: Annotated[str, typer.Argument(metavar="ID", help="The incoming link's ID.")]) -> None:
    """Delete the incoming link; every token it was given stops working."""
    with open_instance() as instance:
        instance.oauth2_clients.delete(client)
        typer.echo(f"deleted {client}")
