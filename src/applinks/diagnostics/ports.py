"""What diagnostics needs from the authentication areas: levels per link, legacy configuration, signed calls,
and the OAuth 2.0 probe.

The auth areas own these facts; ``diagnostics.adapters`` adapts their services to these small protocols, and
tests hand in fakes.
"""

from __future__ import annotations

from typing import Protocol

from applinks.diagnostics.status import AuthLevels, Finding
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.transport.client import OutboundResponse


class LevelStore(Protocol):
    """The OAuth level of each direction of a link on this instance."""

    def levels(self, link: Link) -> AuthLevels: ...

    def set_levels(self, link: Link, levels: AuthLevels, actor: HostUser) -> AuthLevels: ...


class LegacyInfo(Protocol):
    """Which legacy authentication (``basic``, ``trusted``) is configured on a link."""

    def legacy(self, link: Link) -> set[str]: ...


class SignedCaller(Protocol):
    """Authenticated round trips through the link's request factory."""

    def two_legged_get(self, link: Link, url: str) -> OutboundResponse:
        """A 2LO-signed GET (no user); raises the outbound errors of ``OutboundClient``."""
        ...

    def user_get(self, link: Link, user: HostUser | None, url: str) -> OutboundResponse:
        """A GET as ``user`` with the provider §5.4 chooses; raises ``CredentialsRequired`` without a token."""
        ...


class OAuth2Probe(Protocol):
    """Outgoing OAuth 2.0 on a link: whether it is configured, and what is wrong with it (or None)."""

    def configured(self, link: Link) -> bool: ...

    def probe(self, link: Link, user: HostUser | None) -> Finding | None: ...
