"""Nonce stores for replay protection (OAuth 1.0a nonces, Trusted Applications certificates): the interface,
SQL (shared by cluster nodes), Redis in front of SQL, and memory.

A nonce is accepted once per (consumer key, token, timestamp). The check is one atomic insert-if-absent, so
two nodes (or threads) racing with the same signed request cannot both win. Rows are kept until the
timestamp has left the acceptance window, then purged.

What each store guarantees:

- ``SqlNonceStore``: exactly once across every process and node sharing the database, for as long as the
  database keeps its commits. The instance gives it an engine made with ``durable=False`` (storage/db.py):
  no disk flush per request, so after a power loss (SQLite) or a database server crash (PostgreSQL) the
  nonces of the last moment before it may be forgotten, and a request captured then could be replayed once
  within its timestamp window (5 minutes by default). A crash of an applinks process loses nothing.
- ``RedisNonceStore`` puts a Redis ``SET NX`` with expiry in front of the database: a replay is refused by
  Redis without touching the database, and every nonce Redis lets through is still inserted in the database,
  so that neither a Redis outage (the store then answers from the database alone) nor a Redis that lost its
  keys can ever let a replay through: the same guarantee as the database's.
- ``MemoryNonceStore``: exactly once within one process, forgotten on restart; for a single process without
  a shared database, and for tests."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from typing import Protocol

import redis
from sqlalchemy import Engine, bindparam
from sqlalchemy.exc import IntegrityError

from applinks.storage.oauth_tables import oauth_nonces

PURGE_INTERVAL = 60
RETRY_REDIS_AFTER = 30.0
REDIS_TIMEOUT = 0.5

log = logging.getLogger("applinks.nonces")
_COLUMNS = ("consumer_key", "token_hash", "timestamp", "nonce", "expires_at")


class NonceStore(Protocol):
    def use(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str, *, expires_at: int, now: int) -> bool:
        """Record the nonce; True the first time, False when it was already used (a replay)."""
        ...


class SqlNonceStore:
    """Nonces in the ``oauth_nonces`` table; the primary key makes the insert the whole check.

    On SQLite the store keeps one connection of the engine (its pragmas applied) in autocommit mode and runs
    the insert compiled once: the insert is then the whole cost of a request's replay check, where a pooled
    SQLAlchemy transaction (check-out, BEGIN, COMMIT, reset) cost twice as much again."""

    def __init__(self, engine: Engine, purge_interval: int = PURGE_INTERVAL) -> None:
        self.engine = engine
        self.purge_interval = purge_interval
        self._last_purge = 0
        self._lock = threading.Lock()
        self._insert = oauth_nonces.insert()
        self._sqlite = engine.dialect.name == "sqlite"
        # Positional SQL with the column order of _row (the table's own, as compiled by the engine's dialect).
        self._insert_sql = str(
            oauth_nonces.insert().values({c: bindparam(c) for c in _COLUMNS}).compile(dialect=engine.dialect)
        )
        self._write_lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def use(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str, *, expires_at: int, now: int) -> bool:
        self._maybe_purge(now)
        if self._sqlite:
            return self._use_sqlite((consumer_key, token_hash, timestamp, nonce, expires_at))
        row = {
            "consumer_key": consumer_key,
            "token_hash": token_hash,
            "timestamp": timestamp,
            "nonce": nonce,
            "expires_at": expires_at,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(self._insert, row)
        except IntegrityError:
            return False
        return True

    def _use_sqlite(self, row: tuple[str, str, int, str, int]) -> bool:
        # One connection per process, one insert at a time: SQLite takes one writer anyway, and threads that
        # collided on its write lock would wait in its busy handler, which sleeps a millisecond and more.
        with self._write_lock:
            if self._connection is None:
                proxied = self.engine.raw_connection()
                connection = proxied.driver_connection
                proxied.detach()  # the store's own from now on: the pool neither counts nor resets it
                assert isinstance(connection, sqlite3.Connection), type(connection)
                connection.isolation_level = None  # autocommit: the insert is its own transaction
                self._connection = connection
            try:
                self._connection.execute(self._insert_sql, row)
            except sqlite3.IntegrityError:
                return False
            return True

    def close(self) -> None:
        """Close the store's SQLite connection (the engine's pool is the caller's to dispose)."""
        with self._write_lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def purge(self, now: int) -> int:
        """Delete the nonces whose timestamps can no longer be accepted."""
        with self.engine.begin() as conn:
            return int(conn.execute(oauth_nonces.delete().where(oauth_nonces.c.expires_at < now)).rowcount or 0)

    def _maybe_purge(self, now: int) -> None:
        with self._lock:
            if now - self._last_purge < self.purge_interval:
                return
            self._last_purge = now
        self.purge(now)


class MemoryNonceStore:
    """Nonces in this process only: for a single node without a shared database, and for tests."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, int, str], int] = {}
        self._lock = threading.Lock()
        self._last_purge = 0

    def use(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str, *, expires_at: int, now: int) -> bool:
        key = (consumer_key, token_hash, timestamp, nonce)
        with self._lock:
            if now - self._last_purge >= PURGE_INTERVAL:
                self._seen = {k: v for k, v in self._seen.items() if v >= now}
                self._last_purge = now
            if key in self._seen:
                return False
            self._seen[key] = expires_at
            return True

    def __len__(self) -> int:
        return len(self._seen)


class RedisNonceStore:
    """Redis ``SET NX EX`` first, then the database's unique insert (see the module docstring)."""

    def __init__(self, client: redis.Redis, database: NonceStore, prefix: str = "applinks") -> None:
        self.client = client
        self.database = database
        self.prefix = prefix
        self._down_until = 0.0

    @classmethod
    def from_url(cls, url: str, database: NonceStore, prefix: str = "applinks") -> RedisNonceStore:
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        return cls(client, database, prefix)

    @property
    def redis_up(self) -> bool:
        return time.monotonic() >= self._down_until

    def key(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str) -> str:
        # Hashed: the parts are caller-controlled and may be long; the digest makes one bounded key.
        digest = hashlib.sha256(f"{consumer_key}\0{token_hash}\0{timestamp}\0{nonce}".encode()).hexdigest()
        return f"{self.prefix}:nonce:{digest}"

    def use(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str, *, expires_at: int, now: int) -> bool:
        if self.redis_up:
            try:
                first = self.client.set(
                    self.key(consumer_key, token_hash, timestamp, nonce), b"1", nx=True, ex=max(1, expires_at - now)
                )
            except redis.RedisError as exc:
                self._down_until = time.monotonic() + RETRY_REDIS_AFTER
                log.warning(
                    "Redis is unreachable (%s): nonces are checked in the database alone for %d s",
                    exc,
                    RETRY_REDIS_AFTER,
                )
            else:
                if not first:
                    return False  # a replay, refused without a database write
        return self.database.use(consumer_key, token_hash, timestamp, nonce, expires_at=expires_at, now=now)
