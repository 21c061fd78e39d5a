"""The Redis nonce store: SET NX in front of the database's unique insert. A replay is refused by Redis
without a database write; no replay gets through when Redis is down or lost its keys."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import Engine

from applinks.storage import db
from applinks.storage.oauth_nonces import RedisNonceStore, SqlNonceStore
from tests.faults.remotes import closed_port
from tests.support import redis_prefix

NOW = 1_700_000_000


class CountingStore(SqlNonceStore):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.calls = 0

    def use(self, *args: object, **kwargs: int) -> bool:  # type: ignore[override]
        self.calls += 1
        return super().use(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def redis_target() -> Iterator[tuple[str, str]]:
    yield from redis_prefix()


def _use(store: RedisNonceStore, nonce: str = "n") -> bool:
    return store.use("consumer", "", NOW, nonce, expires_at=NOW + 301, now=NOW)


def test_a_replay_is_refused_by_redis_without_a_database_write(engine: Engine, redis_target: tuple[str, str]) -> None:
    url, prefix = redis_target
    database = CountingStore(engine)
    store = RedisNonceStore.from_url(url, database, prefix)
    assert _use(store) is True
    assert database.calls == 1
    assert _use(store) is False
    assert database.calls == 1  # refused in Redis
    assert redis.Redis.from_url(url).ttl(store.key("consumer", "", NOW, "n")) > 0  # expires on its own


def test_racing_threads_are_accepted_once(engine: Engine, redis_target: tuple[str, str]) -> None:
    url, prefix = redis_target
    stores = [RedisNonceStore.from_url(url, SqlNonceStore(engine), prefix) for _ in range(2)]  # two "nodes"
    barrier = threading.Barrier(20)
    results: list[bool] = []

    def race(index: int) -> None:
        barrier.wait()
        results.append(_use(stores[index % 2], "raced"))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 19 + [True]


def test_no_replay_when_redis_goes_down_or_loses_its_keys(engine: Engine, redis_target: tuple[str, str]) -> None:
    url, prefix = redis_target
    up = RedisNonceStore.from_url(url, SqlNonceStore(engine), prefix)
    assert _use(up, "before") is True
    # Another node whose Redis is unreachable: the database still knows the nonce.
    down = RedisNonceStore.from_url(f"redis://127.0.0.1:{closed_port()}/0", SqlNonceStore(engine), prefix)
    assert _use(down, "before") is False
    assert not down.redis_up
    assert _use(down, "during") is True  # the database alone serves while Redis is away
    assert _use(up, "during") is False  # and what it accepted is refused when Redis is back
    redis.Redis.from_url(url).delete(up.key("consumer", "", NOW, "before"))  # Redis lost the key
    assert _use(up, "before") is False
