"""``applinks link list|show|delete|make-primary``."""

from __future__ import annotations

from typing import Annotated

import typer

from applinks.cli.common import CLI_ACTOR, LinkRef, cli_errors, console, emit, emit_one, open_instance
from applinks.cli.lifecycle import delete_link

app = typer.Typer(no_args_is_help=True)
COLUMNS = ["id", "name", "typeId", "rpcUrl", "displayUrl", "isPrimary", "isSystem"]
LinkId = LinkRef


@app.command("list")
def list_links(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List application links."""
    with open_instance() as instance:
        emit([link.to_v2() for link in instance.links.list()], COLUMNS, as_json, title="Application links")


@app.command("show")
def show(link_id: LinkId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one link."""
    with open_instance() as instance, cli_errors():
        emit_one(instance.links.get(link_id).to_v2(), as_json)


@app.command("delete")
def delete(
    link_id: LinkId,
    both_ends: Annotated[bool, typer.Option("--both-ends", help="Delete the remote end first (needs --as).")] = False,
    as_user: Annotated[str | None, typer.Option("--as", help="Local user whose access deletes the remote end.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete here even if the remote end cannot be.")] = False,
) -> None:
    """Delete a link (this end only, or with --both-ends the remote end too)."""
    if both_ends:
        return delete_link(link_id, both_ends=True, as_user=as_user, yes=yes)
    with open_instance() as instance, cli_errors():
        link = instance.links.delete(link_id, actor=CLI_ACTOR)
        console.print(f"deleted link {link.name!r} ({link.id})", highlight=False)


@app.command("make-primary")
def make_primary(link_id: LinkId) -> None:
    """Make a link the primary of its application type."""
    with open_instance() as instance, cli_errors():
        link = instance.links.make_primary(link_id, actor=CLI_ACTOR)
        console.print(f"{link.name!r} is now the primary {link.type_id} link", highlight=False)
