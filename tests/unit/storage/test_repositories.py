"""The link and property repositories and the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from applinks.domain.link import Link
from applinks.storage import db
from applinks.storage import links as repo
from applinks.storage.properties import get_property, set_property, set_property_if_absent


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    found = db.make_engine(db_url)
    db.upgrade(found)
    yield found
    found.dispose()


def _link(n: int, type_id: str = "refapp", primary: bool = False) -> Link:
    return Link(
        id=f"id-{n}",
        type_id=type_id,
        name=f"Link {n}",
        display_url=f"http://d{n}.test",
        rpc_url=f"http://r{n}.test",
        is_primary=primary,
        properties={"auth": {"level": n}},
    )


def test_migrations_are_applied_and_idempotent(engine: Engine) -> None:
    head = db.current_revision(engine)
    assert head is not None
    db.upgrade(engine)
    assert db.current_revision(engine) == head


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_link_round_trip_and_queries(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.insert_link(conn, _link(2, primary=True))
        repo.insert_link(conn, _link(1))
        repo.insert_link(conn, _link(3, type_id="jira", primary=True))
    with engine.connect() as conn:
        assert repo.get_link(conn, "id-1") == _link(1)
        assert repo.get_link(conn, "nope") is None
        assert [x.id for x in repo.list_links(conn)] == ["id-3", "id-2", "id-1"]  # by type, primary first
        assert [x.id for x in repo.list_links(conn, "refapp")] == ["id-2", "id-1"]
        found = repo.find_by_rpc_url(conn, "http://r1.test")
        assert found is not None and found.id == "id-1"
        assert repo.names(conn) == {"Link 1", "Link 2", "Link 3"}
        primary = repo.primary_of(conn, "refapp")
        assert primary is not None and primary.id == "id-2"
    with engine.begin() as conn:
        repo.clear_primary(conn, "refapp")
        repo.set_primary(conn, "id-1")
        changed = _link(1, primary=True)
        changed.name = "Renamed"
        repo.update_link(conn, changed)
    with engine.connect() as conn:
        assert repo.get_link(conn, "id-1") == changed
        primary = repo.primary_of(conn, "refapp")
        assert primary is not None and primary.id == "id-1"
        assert repo.primary_of(conn, "jira") is not None
    with engine.begin() as conn:
        assert repo.delete_link(conn, "id-1") is True
        assert repo.delete_link(conn, "id-1") is False


@pytest.mark.parametrize(
    "clash",
    [
        lambda: _link(1),  # same id
        lambda: Link("other", "refapp", "Other", "http://o.test", "http://r1.test"),  # same RPC URL
        lambda: Link("other", "refapp", "Link 1", "http://o.test", "http://o.test"),  # same name
        lambda: Link("other", "refapp", "Other", "http://o.test", "http://o.test", is_primary=True),  # 2nd primary
    ],
    ids=["id", "rpc-url", "name", "second-primary"],
)
def test_database_constraints_back_the_rules(engine: Engine, clash: object) -> None:
    with engine.begin() as conn:
        repo.insert_link(conn, _link(1, primary=True))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        repo.insert_link(conn, clash())  # type: ignore[operator]
    with engine.connect() as conn:
        assert [x.id for x in repo.list_links(conn)] == ["id-1"]


def test_properties(engine: Engine) -> None:
    with engine.begin() as conn:
        assert get_property(conn, "k") is None
        assert set_property_if_absent(conn, "k", "first") == "first"
        assert set_property_if_absent(conn, "k", "second") == "first"
        set_property(conn, "k", "third")
        set_property(conn, "new", "v")
    with engine.connect() as conn:
        assert (get_property(conn, "k"), get_property(conn, "new")) == ("third", "v")
