"""Rate limits (security.md "abuse / floods"): moving windows per kind of attempt and caller, counted with
the ``limits`` library — in Redis when ``APPLINKS_REDIS_URL`` is set (every node of a cluster shares the
counters), in this process's memory otherwise. When Redis cannot be reached the limits degrade to per-node
counters (logged) and Redis is tried again after ``RETRY_SHARED_AFTER`` seconds: a Redis outage weakens the
limits, it never stops the service.

The web layer decides what an attempt is (a failed login, a failed Basic check, a token-endpoint call, a
failed signed request, a link creation) and asks before doing the costly work: ``check`` raises
``RateLimited`` once the window is full, ``hit`` counts and raises, ``failed`` counts without raising."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from applinks.errors import RateLimited
from applinks.settings import Settings

log = logging.getLogger("applinks.rate_limits")
T = TypeVar("T")

# The kinds of attempt that are limited, and what each counts.
LOGIN = "login"  # failed logins through the login form, per user name and per client address
BASIC = "basic"  # failed HTTP Basic checks, per user name and per client address
TOKEN = "token"  # noqa: S105 - a kind of attempt, not a secret. Calls of the OAuth token endpoints (1.0a request/access token, 2.0 token), per client address
SIGNATURE = "signature"  # failed signed (OAuth 1.0a) requests, per consumer key and client address
LINK_CREATE = "link-create"  # link creations (each makes outbound calls), per user
KINDS = (LOGIN, BASIC, TOKEN, SIGNATURE, LINK_CREATE)

RETRY_SHARED_AFTER = 30.0
REDIS_TIMEOUT = 0.5  # seconds: a Redis that does not answer must not hold requests up


def parse_rule(rule: str) -> RateLimitItem | None:
    """``"10/minute"``, ``"100 per hour"``; ``""`` or ``"off"``: no limit. ``ValueError`` for anything else."""
    text = rule.strip()
    if text.lower() in ("", "off", "0"):
        return None
    return parse(text)


def rules_from(settings: Settings) -> dict[str, str]:
    """The rule of each kind, as configured (``APPLINKS_RATE_LIMIT_*``)."""
    return {
        LOGIN: settings.rate_limit_login,
        BASIC: settings.rate_limit_basic,
        TOKEN: settings.rate_limit_token,
        SIGNATURE: settings.rate_limit_signature,
        LINK_CREATE: settings.rate_limit_link_create,
    }


class RateLimiter:
    """The limits of one instance: one rule per kind (``KINDS``), counters in Redis or memory."""

    def __init__(
        self,
        rules: Mapping[str, str],
        *,
        redis_url: str | None = None,
        key_prefix: str = "applinks",
        clock: Callable[[], float] = time.time,
    ) -> None:
        unknown = set(rules) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown rate-limit kinds: {sorted(unknown)}")
        self._rules = {kind: item for kind, rule in rules.items() if (item := parse_rule(rule)) is not None}
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            storage = RedisStorage(
                redis_url,
                key_prefix=f"{key_prefix}:limits",
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._clock = clock
        self._shared_down_until = 0.0
        self._lock = threading.Lock()

    @property
    def shared(self) -> bool:
        """Whether the counters are shared across nodes right now (Redis configured and reachable)."""
        return self._shared is not None and self._clock() >= self._shared_down_until

    def rule(self, kind: str) -> RateLimitItem | None:
        return self._rules.get(kind)

    def check(self, kind: str, *callers: str) -> None:
        """Raise ``RateLimited`` if any of ``callers`` has used up its window for ``kind``; count nothing."""
        item = self._rules.get(kind)
        if item is None:
            return
        for caller in callers:
            if not self._test(item, kind, caller):
                raise self._refusal(kind, item, caller)

    def hit(self, kind: str, *callers: str) -> None:
        """Count one attempt for each of ``callers``; ``RateLimited`` when one of them is over the limit."""
        item = self._rules.get(kind)
        if item is None:
            return
        for caller in callers:
            if not self._hit(item, kind, caller):
                raise self._refusal(kind, item, caller)

    def failed(self, kind: str, *callers: str) -> None:
        """Count one failed attempt for each of ``callers`` (the caller is told about the failure itself)."""
        item = self._rules.get(kind)
        if item is None:
            return
        for caller in callers:
            self._hit(item, kind, caller)

    def _refusal(self, kind: str, item: RateLimitItem, caller: str) -> RateLimited:
        stats = self._run_stats(item, kind, caller)
        retry_after = max(1, math.ceil(stats - self._clock())) if stats else int(item.get_expiry())
        log.warning("rate limit reached: %s for %r (%s)", kind, caller, item)
        return RateLimited(
            f"too many attempts ({kind}); try again in {retry_after} s", retry_after=retry_after, kind=kind
        )

    def _test(self, item: RateLimitItem, kind: str, caller: str) -> bool:
        return self._run(lambda limiter: limiter.test(item, kind, caller))

    def _hit(self, item: RateLimitItem, kind: str, caller: str) -> bool:
        return self._run(lambda limiter: limiter.hit(item, kind, caller))

    def _run_stats(self, item: RateLimitItem, kind: str, caller: str) -> float:
        return self._run(lambda limiter: float(limiter.get_window_stats(item, kind, caller).reset_time))

    def _run(self, action: Callable[[MovingWindowRateLimiter], T]) -> T:
        shared = self._shared
        if shared is not None and self._clock() >= self._shared_down_until:
            try:
                return action(shared)
            except StorageError as exc:
                with self._lock:
                    self._shared_down_until = self._clock() + RETRY_SHARED_AFTER
                log.warning(
                    "Redis is unreachable (%s): rate limits count per node for the next %d s",
                    exc.storage_error,
                    RETRY_SHARED_AFTER,
                )
        return action(self._local)
