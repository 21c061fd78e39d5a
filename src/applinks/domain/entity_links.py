"""The entity link: a local entity (a project, a space) linked to an entity of a linked application (§6.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity of the remote end of a link: its application (link ID), entity type and key."""

    application_id: str
    type_id: str
    key: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class EntityLink:
    local_type: str
    local_key: str
    application_id: str
    type_id: str
    key: str
    name: str
    is_primary: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``/rest/applinks/2.0/entitylink`` shape."""
        return {
            "applicationId": self.application_id,
            "typeId": self.type_id,
            "key": self.key,
            "name": self.name,
            "isPrimary": self.is_primary,
        }
