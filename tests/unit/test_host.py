"""The optional part of the host protocol: a host's entity directory, or none."""

from __future__ import annotations

from collections.abc import Sequence

from applinks.host import EntityDirectory, EntityHost, HostUser, NoEntities, entity_directory


class Projects:
    def entity_types(self) -> Sequence[str]:
        return ("host.project",)

    def entity_name(self, entity_type: str, key: str) -> str | None:
        return "Documentation" if (entity_type, key) == ("host.project", "DOCS") else None

    def can_administer(self, user: HostUser, entity_type: str, key: str) -> bool:
        return user.is_administrator


class UsersOnly:
    """A host without entities (only the required part of the protocol matters here)."""


class WithProjects(UsersOnly):
    entities = Projects()


def test_a_host_with_entities_supplies_its_directory() -> None:
    host = WithProjects()
    assert isinstance(host, EntityHost)
    found = entity_directory(host)  # type: ignore[arg-type]
    assert isinstance(found, EntityDirectory)
    assert found.entity_name("host.project", "DOCS") == "Documentation"


def test_a_host_without_entities_or_no_host_has_none() -> None:
    for host in (UsersOnly(), None):
        found = entity_directory(host)  # type: ignore[arg-type]
        assert isinstance(found, NoEntities)
        assert found.entity_types() == ()
        assert found.entity_name("host.project", "DOCS") is None
        assert not found.can_administer(HostUser("root", is_sysadmin=True), "host.project", "DOCS")
