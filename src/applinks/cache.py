"""``TtlCache``: the in-process cache of hot lookups (OAuth consumers by key, users by name) and its
invalidation interface.

A cached entry lives at most ``ttl`` seconds; that bounds how stale another process's copy can be when nobody
tells it about a change (a second worker, a CLI command, another node). Writers in this process call
``invalidate``, which drops the entry here and then calls every ``on_invalidate`` hook: a cluster transport
(e.g. Redis pub/sub) subscribes there to tell the other nodes, and calls ``drop`` when told by them (``drop``
does not call the hooks, so a message never echoes back). ``ttl`` 0 turns caching off."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
InvalidationHook = Callable[[Hashable | None], None]


class TtlCache(Generic[K, V]):
    """A thread-safe map of at most ``max_entries`` entries, each expiring ``ttl`` seconds after it was loaded.

    Misses (a loader answering None) are never stored: an unknown key costs a lookup every time, and a new
    entry is visible at once everywhere."""

    def __init__(self, ttl: float, *, max_entries: int = 4096, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self.on_invalidate: list[InvalidationHook] = []
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        # Bumped by every drop: a value loaded before a drop is not stored after it (it may be the old one).
        self._generation = 0

    def get(self, key: K, load: Callable[[K], V | None]) -> V | None:
        """The cached value of ``key``, else ``load(key)`` (cached unless None)."""
        if self.ttl <= 0:
            return load(key)
        now = self.clock()
        found = self._entries.get(key)
        if found is not None and found[0] > now:
            return found[1]
        generation = self._generation
        value = load(key)
        if value is not None:
            with self._lock:
                if generation != self._generation:
                    return value
                if len(self._entries) >= self.max_entries:
                    self._evict(now)
                self._entries[key] = (now + self.ttl, value)
        return value

    def invalidate(self, key: K | None = None) -> None:
        """Forget ``key`` (None: everything) here, then tell the hooks (other processes, other nodes)."""
        self.drop(key)
        for hook in self.on_invalidate:
            hook(key)

    def drop(self, key: K | None = None) -> None:
        """Forget ``key`` (None: everything) in this process only."""
        with self._lock:
            self._generation += 1
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self, now: float) -> None:
        live = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(live) >= self.max_entries:  # still full: drop the oldest half (dicts keep insertion order)
            live = dict(list(live.items())[len(live) // 2 :])
        self._entries = live
