"""A user's grants on the consumer side: the remote applications they authorised (3LO tokens this
instance holds for them), and revoking one — which also tells the remote when it can."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from applinks.errors import AppLinksError, LinkNotFound
from applinks.outbound.providers.names import OAUTH
from applinks.outbound.service import OutgoingAuth

log = logging.getLogger("applinks.outbound.grants")

# Where a provider takes a consumer's request to revoke the access token it is signed with.
REMOTE_REVOKE_PATH = "/plugins/servlet/oauth/revoke"


@dataclass(frozen=True, slots=True)
class Grant:
    link_id: str
    name: str
    display_url: str
    since: str

    def to_json(self) -> dict[str, Any]:
        return {
            "linkId": self.link_id,
            "name": self.name,
            "displayUrl": self.display_url,
            "authorisedSince": self.since,
        }


def grants_of(outgoing: OutgoingAuth, user_name: str) -> list[Grant]:
    found: list[Grant] = []
    for token in outgoing.tokens.of_user(user_name):
        try:
            link = outgoing.links.get(token.link_id)
        except LinkNotFound:
            continue
        found.append(Grant(link.id, link.name, link.display_url, token.created_at.isoformat()))
    return found


def revoke(outgoing: OutgoingAuth, link_id: str, user_name: str) -> dict[str, Any]:
    """Forget the user's token for the link; first ask the remote to revoke it (best effort)."""
    link = outgoing.links.get(link_id)
    if not outgoing.tokens.has(link.id, user_name):
        raise LinkNotFound(f"{user_name} has not authorised this application at {link.name}", link_id=link.id)
    told = False
    try:
        factory = outgoing.request_factory(link, user_name, OAUTH)
        response = factory.post(REMOTE_REVOKE_PATH, data={}, timeout=outgoing.client.options.connect_timeout)
        told = response.is_success
    except AppLinksError as exc:
        log.info("could not tell %s to revoke %s's token: %s", link.name, user_name, exc.message)
    revoked = outgoing.tokens.delete(link.id, user_name)
    return {"linkId": link.id, "revoked": revoked, "remoteTold": told}
