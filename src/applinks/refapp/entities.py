"""The reference application's own entities ("charlies": projects with keys), so entity links can be used."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from applinks.domain.types import ApplicationType, TypeRegistry
from applinks.errors import Conflict, InvalidInput
from applinks.host import HostUser
from applinks.storage.tables import refapp_entities

_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")


@dataclass(frozen=True, slots=True)
class Entity:
    key: str
    name: str


def entity_type_for(types: TypeRegistry, application_type: str) -> str:
    """The reference application's entity type: its application type's first one (``refapp.charlie``), or
    ``<type>.project`` registered on the spot for a type that has none."""
    app_type = types.get(application_type)
    if app_type is not None and app_type.entity_types:
        return app_type.entity_types[0]
    entity_type = f"{application_type}.project"
    name = app_type.name if app_type is not None else application_type.title()
    types.register(ApplicationType(application_type, name, (entity_type,)))
    return entity_type


class RefappEntities:
    """Entities of the reference application over ``refapp_entities``; an ``EntityDirectory`` in which
    administrators administer every entity."""

    def __init__(self, engine: Engine, entity_type: str) -> None:
        self.engine = engine
        self.entity_type = entity_type

    def add(self, key: str, name: str) -> Entity:
        key = key.strip()
        if not _KEY.match(key):
            raise InvalidInput(
                f"{key!r} is not a valid key (capital letters, digits and _, starting with a letter)",
                key="refapp.entity.key",
            )
        name = name.strip() or key
        try:
            with self.engine.begin() as conn:
                conn.execute(refapp_entities.insert().values(key=key, name=name[:255], created_at=datetime.now(UTC)))
        except IntegrityError as exc:
            raise Conflict(f"an entity with the key {key!r} already exists", key="refapp.entity.exists") from exc
        return Entity(key, name[:255])

    def list(self) -> list[Entity]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(refapp_entities).order_by(refapp_entities.c.key)).all()
        return [Entity(r.key, r.name) for r in rows]

    # -- EntityDirectory -----------------------------------------------------------------------------
    def entity_types(self) -> Sequence[str]:
        return (self.entity_type,)

    def entity_name(self, entity_type: str, key: str) -> str | None:
        if entity_type != self.entity_type:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(refapp_entities.c.name).where(refapp_entities.c.key == key)).first()
        return None if row is None else str(row[0])

    def can_administer(self, user: HostUser, entity_type: str, key: str) -> bool:
        return user.is_administrator and entity_type == self.entity_type
