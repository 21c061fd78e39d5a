"""The ``SignedCaller`` diagnostics uses: a 2LO-signed GET without a user, and a GET as a user with the
provider protocol.md §5.4 chooses, both through the link's request factory."""

from __future__ import annotations

from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.outbound.providers.names import TWO_LEGGED_OAUTH
from applinks.outbound.service import OutgoingAuth
from applinks.transport.client import OutboundResponse


class SignedCalls:
    def __init__(self, outgoing: OutgoingAuth) -> None:
        self.outgoing = outgoing

    def two_legged_get(self, link: Link, url: str) -> OutboundResponse:
        """A 2LO-signed GET without a user, whatever the link's configured providers (a diagnostic probe)."""
        return self.outgoing.probe_factory(link, TWO_LEGGED_OAUTH).request("GET", url, return_redirects=True)

    def user_get(self, link: Link, user: HostUser | None, url: str) -> OutboundResponse:
        """A GET as ``user``; raises ``CredentialsRequired`` when 3LO is chosen and no token is held."""
        return self.outgoing.request_factory(link, user).request("GET", url, return_redirects=True)
