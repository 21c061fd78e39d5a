"""Application and entity types (protocol.md §3), plus the ones a host registers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ApplicationType:
    type_id: str
    name: str
    entity_types: tuple[str, ...] = ()
    icon_path: str = ""


BUILTIN_TYPES: tuple[ApplicationType, ...] = (
    ApplicationType("jira", "Jira", ("jira.project",)),
    ApplicationType("confluence", "Confluence", ("confluence.space",)),
    ApplicationType("stash", "Bitbucket", ("stash.project",)),
    ApplicationType("bamboo", "Bamboo", ("bamboo.project",)),
    ApplicationType("fecru", "Fisheye / Crucible", ("fecru.project", "fecru.repository")),
    ApplicationType("crowd", "Crowd"),
    ApplicationType("refapp", "Reference Application", ("refapp.charlie",)),
    ApplicationType("generic", "Generic Application", ("generic.entity",)),
)

# Types whose applications are Atlassian products: they serve the applinks REST resources at 1.0 and read XML
# bodies for the reciprocal link, reciprocal delete and entity links (protocol.md §10). ``refapp`` is not
# among them: our own instances present it and speak both.
ATLASSIAN_TYPES = frozenset({"jira", "confluence", "stash", "bamboo", "fecru", "crowd"})


def is_atlassian(type_id: str) -> bool:
    """True for a link to an Atlassian product (call it at 1.0 with XML bodies)."""
    return type_id in ATLASSIAN_TYPES


@dataclass
class TypeRegistry:
    """The known application types: the built-in ones and those a host registers."""

    _types: dict[str, ApplicationType] = field(default_factory=lambda: {t.type_id: t for t in BUILTIN_TYPES})

    def register(self, app_type: ApplicationType) -> None:
        if not app_type.type_id or not app_type.type_id.replace("-", "").replace(".", "").isalnum():
            raise ValueError(f"invalid application type id {app_type.type_id!r}")
        self._types[app_type.type_id] = app_type

    def get(self, type_id: str) -> ApplicationType | None:
        return self._types.get(type_id)

    def __contains__(self, type_id: object) -> bool:
        return type_id in self._types

    def all(self) -> list[ApplicationType]:
        return list(self._types.values())

    def is_entity_type(self, entity_type: str) -> bool:
        return any(entity_type in t.entity_types for t in self._types.values())
