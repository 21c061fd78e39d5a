"""The link: one remote application, as stored on the local side (protocol.md §4), and who may change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from applinks.errors import PermissionDenied
from applinks.host import HostUser


@dataclass(slots=True)
class Link:
    id: str
    type_id: str
    name: str
    display_url: str
    rpc_url: str
    is_primary: bool = False
    is_system: bool = False
    properties: dict[str, Any] = field(default_factory=dict)

    def to_v2(self) -> dict[str, Any]:
        """The ``/rest/applinks/2.0`` shape."""
        return {
            "id": self.id,
            "typeId": self.type_id,
            "name": self.name,
            "displayUrl": self.display_url,
            "rpcUrl": self.rpc_url,
            "isPrimary": self.is_primary,
            "isSystem": self.is_system,
        }

    def to_v3(self) -> dict[str, Any]:
        """The ``/rest/applinks/3.0`` shape."""
        return {
            "id": self.id,
            "name": self.name,
            "displayUrl": self.display_url,
            "rpcUrl": self.rpc_url,
            "type": self.type_id,
            "primary": self.is_primary,
            "system": self.is_system,
        }


# The system-link rule (protocol.md §4): only a system administrator creates, changes or deletes a system link.
def check_may_create(is_system: bool, actor: HostUser) -> None:
    if is_system and not actor.is_sysadmin:
        raise PermissionDenied("only a system administrator can create a system link")


def check_may_change(link: Link, actor: HostUser) -> None:
    """Editing, relocating, deleting a link or changing its authentication."""
    if link.is_system and not actor.is_sysadmin:
        raise PermissionDenied("only a system administrator can change or delete a system link")
