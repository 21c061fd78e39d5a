"""An embedding host's user directory for ``applinks --app tests.integration.cli_host_app:host`` (test only)."""

from __future__ import annotations

from applinks import HostUser


class Directory:
    """Knows one user the reference application's store does not: ``hostadmin``, a system administrator."""

    def get_user(self, name: str) -> HostUser | None:
        if name == "hostadmin":
            return HostUser("hostadmin", "Host Admin", is_admin=True, is_sysadmin=True)
        return None


host = Directory()
