"""``applinks link auth LINK show|set|level|audit``: a link's outgoing authentication providers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from applinks.cli.common import CLI_ACTOR, LinkRef, cli_errors, console, emit, emit_one, fail, open_instance
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
