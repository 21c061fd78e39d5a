"""What an embedding application provides: its users, the current user of a request, permission checks, and
(optionally) a directory of its own entities for entity links.

Nothing outside this module and ``web/deps.py`` knows how the host stores users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # only an annotation: the layers below the web face never load a web framework
    from starlette.requests import Request


@dataclass(frozen=True, slots=True)
class HostUser:
    """A user of the host application, as applinks sees them."""

    name: str
    full_name: str = ""
    is_admin: bool = False
    is_sysadmin: bool = False
    can_login: bool = True

    @property
    def is_administrator(self) -> bool:
        """System administrators are administrators too."""
        return self.is_admin or self.is_sysadmin


@runtime_checkable
class Host(Protocol):
    """The tiny protocol a host implements; ``create_app(settings, host)`` reads it in one place."""

    def get_user(self, name: str) -> HostUser | None:
        """The user called ``name``, or None."""
        ...

    def check_password(self, name: str, password: str) -> HostUser | None:
        """The user if ``password`` is theirs and they may log in, else None (constant-time where possible)."""
        ...

    def current_user(self, request: Request) -> HostUser | None:
        """The user the host has logged in for this browser request (its session), or None."""
        ...

    def login_url(self, next_url: str) -> str:
        """Where to send a browser to log in, coming back to ``next_url`` (a local path) afterwards."""
        ...


@runtime_checkable
class EntityDirectory(Protocol):
    """What a host says about its own entities (projects, spaces, ...) that entity links attach to."""

    def entity_types(self) -> Sequence[str]:
        """The local entity types, e.g. ``("refapp.charlie",)``."""
        ...

    def entity_name(self, entity_type: str, key: str) -> str | None:
        """The entity's display name, or None when it does not exist."""
        ...

    def can_administer(self, user: HostUser, entity_type: str, key: str) -> bool:
        """Whether ``user`` may manage the entity's links."""
        ...


@runtime_checkable
class EntityHost(Protocol):
    """A host with entities: the optional part of the host protocol (entity links need it)."""

    @property
    def entities(self) -> EntityDirectory:
        """The host's entity directory."""
        ...


class NoEntities:
    """The directory of a host that has no entities (or no host at all): entity links find nothing."""

    def entity_types(self) -> Sequence[str]:
        return ()

    def entity_name(self, entity_type: str, key: str) -> str | None:
        return None

    def can_administer(self, user: HostUser, entity_type: str, key: str) -> bool:
        return False


def entity_directory(host: Host | None) -> EntityDirectory:
    """The host's entity directory when it offers one, else an empty one."""
    if isinstance(host, EntityHost):
        return host.entities
    return NoEntities()
