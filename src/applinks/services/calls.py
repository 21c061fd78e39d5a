"""Calls to a linked application as a local user, through the link's authenticated request factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from applinks.domain.links import Link
from applinks.errors import RemoteError
from applinks.host import HostUser
from applinks.outbound.transport import OutboundResponse

if TYPE_CHECKING:
    from applinks.instance import Instance


def request_as(
    instance: Instance,
    link: Link,
    user: HostUser,
    method: str,
    path: str,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboundResponse:
    """One request to ``path`` on the link's RPC URL as ``user`` (provider chosen as protocol.md §5.4 says)."""
    del instance, user, method, content, headers
    raise RemoteError(
        f"authenticated calls to {link.name} ({path}) are not available on this instance yet",
        key="applinks.calls.unavailable",
    )
