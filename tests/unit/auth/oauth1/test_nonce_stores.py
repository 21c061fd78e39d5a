"""Nonce stores: each nonce once per (consumer, token, timestamp), atomically under concurrency, expired
rows purged. The SQL store runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from applinks.storage import db
from applinks.storage.oauth_nonces import MemoryNonceStore, NonceStore, SqlNonceStore
from applinks.storage.oauth_tables import oauth_nonces


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest, engine: Engine) -> NonceStore:
    return SqlNonceStore(engine) if request.param == "sql" else MemoryNonceStore()


def test_each_nonce_is_accepted_once_per_consumer_token_and_timestamp(store: NonceStore) -> None:
    now = 1_700_000_000

    def use(key: str = "k", token: str = "", ts: int = now, nonce: str = "n") -> bool:
        return store.use(key, token, ts, nonce, expires_at=ts + 301, now=now)

    assert use() is True
    assert use() is False
    assert use(nonce="n2") is True
    assert use(token="t") is True
    assert use(ts=now + 1) is True
    assert use(key="other") is True
    assert use(token="t") is False


def test_the_same_nonce_from_ten_threads_at_once_wins_exactly_once(store: NonceStore) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(10)
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        won = store.use("k", "tok", 1_700_000_000, "race", expires_at=1_700_000_301, now=1_700_000_000)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 9 + [True]


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(oauth_nonces)).scalar_one())


def test_expired_nonces_are_purged(engine: Engine) -> None:
    store = SqlNonceStore(engine, purge_interval=60)
    now = 1_700_000_000
    assert store.use("k", "", now - 400, "old", expires_at=now - 99, now=now - 400)
    assert store.use("k", "", now, "fresh", expires_at=now + 301, now=now - 400)
    assert _rows(engine) == 2
    assert store.purge(now) == 1
    assert _rows(engine) == 1
    # Purging also happens on its own while nonces are being used (at most once per interval).
    assert store.use("k", "", now + 500, "later", expires_at=now + 801, now=now + 500)
    assert _rows(engine) == 1


def test_the_memory_store_forgets_expired_nonces() -> None:
    store = MemoryNonceStore()
    assert store.use("k", "", 1, "a", expires_at=302, now=1)
    assert store.use("k", "", 1000, "b", expires_at=1301, now=1000)
    assert len(store) == 1


def test_two_stores_with_engines_of_their_own_accept_a_nonce_once(db_url: str, engine: Engine) -> None:
    """As two worker processes or nodes do: separate engines and connections on one database."""
    other = db.make_engine(db_url, durable=False)
    try:
        first, second = SqlNonceStore(engine), SqlNonceStore(other)
        now = 1_700_000_000
        assert first.use("k", "", now, "shared", expires_at=now + 301, now=now) is True
        assert second.use("k", "", now, "shared", expires_at=now + 301, now=now) is False
        assert second.use("k", "", now, "own", expires_at=now + 301, now=now) is True
        assert first.use("k", "", now, "own", expires_at=now + 301, now=now) is False
        second.close()
    finally:
        other.dispose()


def test_the_nonce_engine_commits_without_waiting_for_the_disk(db_url: str, engine: Engine) -> None:
    """``durable=False`` (what the instance gives its nonce store): SQLite ``synchronous=NORMAL`` in WAL mode,
    PostgreSQL ``synchronous_commit=off``; every other engine keeps the default flush on commit."""
    fast = db.make_engine(db_url, durable=False)
    try:
        if engine.dialect.name == "sqlite":
            store = SqlNonceStore(fast)
            assert store.use("k", "", 1, "n", expires_at=2, now=1)
            connection = store._connection
            assert connection is not None
            assert connection.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
            store.close()
        else:
            with fast.connect() as conn:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "off"
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
    finally:
        fast.dispose()
