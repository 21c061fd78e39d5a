"""What an embedding application provides: its users, the current user of a request, permission checks.

Nothing outside this module and ``web/deps.py`` knows how the host stores users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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
