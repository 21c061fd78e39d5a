"""``applinks oauth2 incoming create|list|show|update|reset-secret|jwt-bearer|delete``: incoming OAuth 2.0
links (the client ID and secret an outside application uses; the secret is printed once); ``applinks
oauth2 outgoing set|show|delete LINK``: outgoing OAuth 2.0 links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from applinks.auth.oauth2.incoming import client_json
from applinks.cli.common import CLI_ACTOR, LinkRef, emit, emit_one, fail, open_instance

app = typer.Typer(no_args_is_help=True)
incoming_app = typer.Typer(no_args_is_help=True)
app.add_typer(incoming_app, name="incoming", help="Incoming OAuth 2.0 links (clients of this instance).")
outgoing_app = typer.Typer(no_args_is_help=True)
app.add_typer(outgoing_app, name="outgoing", help="Outgoing OAuth 2.0 links (this instance as a client).")
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


@outgoing_app.command("set")
def outgoing_set(
    link_id: LinkRef,
    client_id: Annotated[str, typer.Option("--client-id", help="The client ID the remote issued.")],
    client_secret: Annotated[
        str | None,
        typer.Option("--client-secret", envvar="APPLINKS_OAUTH2_CLIENT_SECRET", help="The client secret it issued."),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="atlassian, custom, google or microsoft.")] = "atlassian",
    scope: Annotated[str, typer.Option("--scope", help="Space-separated scopes to ask for.")] = "",
    authorize_url: Annotated[str | None, typer.Option("--authorize-url", help="Custom only.")] = None,
    token_url: Annotated[str | None, typer.Option("--token-url", help="Custom only.")] = None,
    impersonation: Annotated[
        bool, typer.Option("--impersonation/--no-impersonation", help="JWT bearer: the link shares our users.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Configure outgoing OAuth 2.0 on a link; prints the redirect URL to register at the remote."""
    with open_instance() as instance:
        link = instance.links.get(link_id)
        changed = instance.oauth2_outgoing.configure(
            link,
            kind=kind,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            authorize_url=authorize_url,
            token_url=token_url,
            impersonation=impersonation,
            actor=CLI_ACTOR,
        )
        emit_one(changed.to_json(), as_json)


@outgoing_app.command("show")
def outgoing_show(
    link_id: LinkRef,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The outgoing OAuth 2.0 link (never its secret), or the redirect URL to register before there is one."""
    with open_instance() as instance:
        link = instance.links.get(link_id)
        found = instance.oauth2_outgoing.get(link.id)
        if found is None:
            emit_one(
                {
                    "linkId": link.id,
                    "configured": False,
                    "redirectUrl": instance.oauth2_outgoing.redirect_url_for(link),
                },
                as_json,
            )
        else:
            emit_one({**found.to_json(), "configured": True}, as_json)


@outgoing_app.command("delete")
def outgoing_delete(link_id: LinkRef) -> None:
    with open_instance() as instance:
        if not instance.oauth2_outgoing.remove(instance.links.get(link_id).id):
            fail("the link has no outgoing OAuth 2.0")
        typer.echo(f"removed outgoing OAuth 2.0 from {link_id}")
