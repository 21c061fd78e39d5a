"""Fixtures of the OAuth 1.0a provider unit tests: an instance on SQLite and PostgreSQL with a user directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from applinks.instance import Instance
from applinks.settings import Settings
from tests.unit.auth.oauth1.helpers import FakeHost


@pytest.fixture
def instance(settings: Settings) -> Iterator[Instance]:
    found = Instance(settings, FakeHost())
    yield found
    found.close()
