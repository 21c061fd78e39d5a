"""``applinks link auth LINK show|set|level|audit|authorise``: a link's outgoing authentication providers."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer

from applinks.cli.common import CLI_ACTOR, LinkRef, cli_errors, console, emit, emit_one, fail, open_instance
from applinks.cli.lifecycle import _user
from applinks.outbound.dance import LoginDance
from applinks.outbound.providers.names import BASIC, parse_provider

app = typer.Typer(no_args_is_help=True)
AUDIT_COLUMNS = ["time", "localUser", "actingAs", "provider", "method", "path", "status", "outcome"]


@app.callback()
def select_link(ctx: typer.Context, link_id: LinkRef) -> None:
    """Outgoing authentication of one link: which providers its calls may use."""
    ctx.obj = link_id


@app.command("show")
def show(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the link's outgoing providers and OAuth level (secrets are never shown)."""
    with open_instance() as instance, cli_errors():
        found = instance.outgoing.providers_json(instance.links.get(ctx.obj))
        if as_json:
            emit_one(found, True)
            return
        summary: dict[str, Any] = {"level": found["level"], **found["outgoing"]}
        summary["providers"] = [f"{p['module']}: {p['provider']}" for p in found["providers"]] or ["(none)"]
        emit_one(summary, False)


@app.command("set")
def set_provider(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="oauth, 2lo, 2loi, basic, or a provider class name.")],
    disable: Annotated[bool, typer.Option("--disable", help="Turn the provider off.")] = False,
    username: Annotated[str | None, typer.Option("--username", help="Basic: the remote username.")] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Basic: the password (asked for when omitted).")
    ] = None,
    consumer_key: Annotated[str | None, typer.Option("--consumer-key", help="OAuth to a generic remote.")] = None,
    shared_secret: Annotated[str | None, typer.Option("--shared-secret", help="OAuth HMAC-SHA1 secret.")] = None,
) -> None:
    """Enable (and configure) or disable one outgoing provider."""
    with cli_errors():
        chosen = parse_provider(provider)
    config: dict[str, Any] = {}
    if chosen is BASIC and not disable:
        if not username:
            fail("Basic needs --username")
        config = {"username": username, "password": password or typer.prompt("Password", hide_input=True)}
    if consumer_key is not None:
        config["consumerKey"] = consumer_key
    if shared_secret is not None:
        config["sharedSecret"] = shared_secret
    with open_instance() as instance, cli_errors():
        link = instance.links.get(ctx.obj)
        instance.outgoing.config.set_provider(link, chosen, enabled=not disable, config=config, actor=CLI_ACTOR)
        state = "disabled" if disable else "enabled"
        console.print(f"{chosen.label} {state} for outgoing requests to {link.name!r}", highlight=False)


@app.command("level")
def set_level(
    ctx: typer.Context,
    level: Annotated[str, typer.Argument(help="disabled, oauth (3LO + 2LO) or impersonation (3LO + 2LO + 2LOi).")],
) -> None:
    """Set the link's outgoing OAuth level."""
    with open_instance() as instance, cli_errors():
        link = instance.links.get(ctx.obj)
        instance.outgoing.set_level(link, level, CLI_ACTOR)
        console.print(f"outgoing OAuth level of {link.name!r}: {level}", highlight=False)


@app.command("audit")
def audit(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Requests this instance made over the link by impersonation or on behalf of another user."""
    with open_instance() as instance, cli_errors():
        link = instance.links.get(ctx.obj)
        rows = [e.to_json() for e in instance.outgoing.audit.entries(link.id, limit)]
        emit(rows, AUDIT_COLUMNS, as_json, title=f"Impersonated requests over {link.name}")


@app.command("authorise")
def authorise(
    ctx: typer.Context,
    as_user: Annotated[str, typer.Option("--as", help="The local user who authorises this application there.")],
) -> None:
    """3-legged OAuth from the command line: prints the remote's authorisation URI; open it in a browser, allow
    access, then paste the address the browser is sent back to (or only its oauth_verifier)."""
    with open_instance() as instance, cli_errors():
        user = _user(instance, as_user, "authorise")
        link = instance.links.get(ctx.obj)
        browser = "cli-" + secrets.token_urlsafe(16)  # this command plays the browser of the dance
        dance = LoginDance(instance.outgoing)
        authorize_url = dance.start(link.id, user, browser, None)
        request_token = parse_qs(urlsplit(authorize_url).query).get("oauth_token", [""])[0]
        typer.echo(f"open in a browser and allow access: {authorize_url}")
        typer.echo("then paste the address it is sent back to (or the oauth_verifier):", nl=True)
        sys.stdout.flush()
        answer = sys.stdin.readline().strip()
        if not answer:
            fail("nothing pasted: not authorised")
        query = parse_qs(urlsplit(answer).query) if "oauth_verifier=" in answer else {}
        verifier = query.get("oauth_verifier", [answer])[0]
        token = query.get("oauth_token", [request_token])[0]
        dance.finish(link.id, user, browser, token, verifier)
        typer.echo(f"authorised: {user.name}'s calls to {link.name} now carry their own OAuth access token")
