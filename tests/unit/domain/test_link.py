"""The system-link rule, written once: only a system administrator creates, changes or deletes a system link."""

from __future__ import annotations

import pytest

from applinks.domain.link import Link, check_may_change, check_may_create
from applinks.errors import PermissionDenied
from applinks.host import HostUser

ADMIN = HostUser("admin", is_admin=True)
SYSADMIN = HostUser("root", is_sysadmin=True)
SYSTEM = Link("rid", "refapp", "System", "http://r.test", "http://r.test", is_system=True)
ORDINARY = Link("rid", "refapp", "Ordinary", "http://r.test", "http://r.test")


def test_an_administrator_may_not_touch_a_system_link() -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_may_change(SYSTEM, ADMIN)
    assert "system administrator" in refused.value.message
    with pytest.raises(PermissionDenied):
        check_may_create(True, ADMIN)


def test_a_system_administrator_may_and_ordinary_links_are_free() -> None:
    check_may_change(SYSTEM, SYSADMIN)
    check_may_create(True, SYSADMIN)
    check_may_change(ORDINARY, ADMIN)
    check_may_create(False, ADMIN)
