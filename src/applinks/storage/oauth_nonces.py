"""Nonce stores for OAuth 1.0a replay protection: the interface, SQL (shared by cluster nodes) and memory.

A nonce is accepted once per (consumer key, token, timestamp). The check is one atomic insert-if-absent, so
two nodes (or threads) racing with the same signed request cannot both win. Rows are kept until the
timestamp has left the acceptance window, then purged."""

from __future__ import annotations

import threading
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from applinks.storage.oauth_tables import oauth_nonces

PURGE_INTERVAL = 60


class NonceStore(Protocol):
    def use(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str, *, expires_at: int, now: int) -> bool:
        """Record the nonce; True the first time, False when it was already used (a replay)."""
        ...


class SqlNonceStore:
    """Nonces in the ``oauth_nonces`` table; the primary key makes the insert the whole check."""

    def __init__(self, engine: Engine, purge_interval: int = PURGE_INTERVAL) -> None:
        self.engine = engine
        self.purge_interval = purge_interval
        self._last_purge = 0
        self._lock = threading.Lock()

    def use(self, consumer_key: str, token_hash: str, timestamp: int, nonce: str, *, expires_at: int, now: int) -> bool:
        self._maybe_purge(now)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    oauth_nonces.insert().values(
                        consumer_key=consumer_key,
                        token_hash=token_hash,
                        timestamp=timestamp,
                        nonce=nonce,
                        expires_at=expires_at,
                    )
                )
        except IntegrityError:
            return False
        return True

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
