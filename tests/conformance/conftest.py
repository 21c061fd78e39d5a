"""Fixtures of the conformance suite: a Jira peer on loopback and an instance linked to it the way Jira's
two-way wizard links (reciprocal link, then OAuth auto-configuration through the status API)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.atlassian_peer import JiraPeer, serve_jira
from tests.support import LiveInstance


@pytest.fixture
def jira() -> Iterator[JiraPeer]:
    with serve_jira() as peer:
        yield peer


@pytest.fixture
def linked(tracker: LiveInstance, jira: JiraPeer) -> tuple[LiveInstance, JiraPeer]:
    """``tracker`` linked from Jira: reciprocal link created, OAuth with impersonation on both directions."""
    created = jira.create_reciprocal_link(tracker)
    assert created.status_code == 201, created.text
    configured = jira.auto_configure(tracker)
    assert configured.is_success, configured.text
    return tracker, jira
