"""Generic (non-applinks) applications: OAuth 1.0a details entered by hand (protocol.md §6.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from applinks.domain.links import Link
from applinks.errors import InvalidInput
from applinks.host import HostUser

if TYPE_CHECKING:
    from applinks.instance import Instance
    from applinks.services.wizard import SideReport


def validate_generic_oauth(
    instance: Instance, link: Link, incoming: dict[str, Any] | None, outgoing: dict[str, Any] | None
) -> None:
    del instance, link
    if incoming or outgoing:
        raise InvalidInput("manual OAuth configuration is not available yet", key="applinks.generic.unavailable")


def configure_generic_oauth(
    instance: Instance,
    link: Link,
    incoming: dict[str, Any] | None,
    outgoing: dict[str, Any] | None,
    actor: HostUser,
    report: SideReport,
) -> None:
    del instance, link, incoming, outgoing, actor, report
