"""Authenticated round trips for other areas: the ``SignedCaller`` diagnostics uses (a 2LO-signed GET, a GET
as a user with the provider §5.4 chooses) and a request as a user for the lifecycle (delete both ends)."""

from __future__ import annotations

from collections.abc import Mapping

from applinks.domain.links import Link
from applinks.host import HostUser
from applinks.outbound.factory import RequestFactory
from applinks.outbound.providers.names import TWO_LEGGED_OAUTH
from applinks.outbound.service import OutgoingAuth
from applinks.transport.client import OutboundResponse


class SignedCalls:
    def __init__(self, outgoing: OutgoingAuth) -> None:
        self.outgoing = outgoing

    def two_legged_get(self, link: Link, url: str) -> OutboundResponse:
        """A 2LO-signed GET without a user, whatever the link's configured providers (a diagnostic probe)."""
        factory = RequestFactory(self.outgoing, link, TWO_LEGGED_OAUTH, None)
        return factory.request("GET", url, return_redirects=True)

    def user_get(self, link: Link, user: HostUser | None, url: str) -> OutboundResponse:
        """A GET as ``user``; raises ``CredentialsRequired`` when 3LO is chosen and no token is held."""
        return self.outgoing.request_factory(link, user).request("GET", url, return_redirects=True)

    def request_as(
        self,
        link: Link,
        user: HostUser,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> OutboundResponse:
        """One request to ``path`` on the link's RPC URL as ``user`` (the lifecycle's ``services.calls``)."""
        factory = self.outgoing.request_factory(link, user)
        return factory.request(method, path, content=content, headers=headers, return_redirects=True)
