"""Calls to a linked application as a local user, through the link's authenticated request factory."""

from __future__ import annotations

from collections.abc import Mapping

from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.outbound.service import OutgoingAuth
from applinks.transport.client import OutboundResponse

# Remote state changes made through a link are API calls, not browser forms (protocol.md §4.1).
NO_CHECK = {"X-Atlassian-Token": "no-check"}


def request_as(
    outgoing: OutgoingAuth,
    link: Link,
    user: HostUser,
    method: str,
    path: str,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboundResponse:
    """One request to ``path`` on the link's RPC URL as ``user``, with the provider protocol.md §5.4 picks.
    Never anonymous: a link without outgoing authentication raises ``AuthenticationNotConfigured``; a user
    without a 3LO token raises ``CredentialsRequired`` (with the authorisation URI)."""
    factory = outgoing.request_factory(link, user, allow_anonymous=False)
    return factory.request(method, path, content=content, headers={**NO_CHECK, **(headers or {})})
