"""Authentication levels of a link's two directions, locally and on the remote (two-way create, edit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applinks.domain.links import Link
from applinks.errors import InvalidInput
from applinks.host import HostUser

if TYPE_CHECKING:
    from applinks.instance import Instance
    from applinks.services.wizard import CreateLinkRequest, CreateLinkResult

# Names an admin uses (CLI, REST) for the three levels of protocol.md §5.3.
LEVELS = ("disabled", "oauth", "impersonation")


def parse_level(name: str) -> str:
    value = (name or "").strip().lower().replace("-", "_")
    aliases = {"off": "disabled", "none": "disabled", "oauth_impersonation": "impersonation"}
    value = aliases.get(value, value)
    if value not in LEVELS:
        raise InvalidInput(
            f"{name!r} is not an authentication level; use one of {', '.join(LEVELS)}", key="applinks.level.unknown"
        )
    return value


def set_local_levels(
    instance: Instance, link: Link, *, incoming: str | None, outgoing: str | None, actor: HostUser
) -> None:
    del instance, link, incoming, outgoing, actor
    raise InvalidInput("OAuth is not available on this instance yet", key="applinks.oauth.missing")


def configure_two_way(
    instance: Instance, result: CreateLinkResult, request: CreateLinkRequest, actor: HostUser, own_rpc: str
) -> None:
    del instance, request, actor, own_rpc
    for side in (result.local, result.remote):
        if side is not None:
            side.problems.append("authentication was not configured: OAuth is not available on this instance yet")
