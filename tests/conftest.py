"""Shared fixtures. Every test that touches storage runs on SQLite and on PostgreSQL (``backend``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from applinks.settings import Settings
from tests.support import Databases, InstanceFactory, LiveInstance, instance_factory


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def databases(backend: str, tmp_path: Path) -> Iterator[Databases]:
    found = Databases(backend, tmp_path)
    yield found
    found.drop_all()


@pytest.fixture
def db_url(databases: Databases) -> str:
    return databases.new_url()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", base_url="http://127.0.0.1:8990", name="Test", database_url=db_url)


@pytest.fixture
def make_instance(databases: Databases, tmp_path: Path) -> Iterator[InstanceFactory]:
    """Start reference instances on loopback ports: ``make_instance(name="Wiki")``."""
    yield from instance_factory(databases, tmp_path)


@pytest.fixture
def tracker(make_instance: InstanceFactory) -> LiveInstance:
    return make_instance(name="Tracker")


@pytest.fixture
def wiki(make_instance: InstanceFactory) -> LiveInstance:
    return make_instance(name="Wiki")
