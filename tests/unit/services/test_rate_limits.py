"""The rate limiter: moving windows per kind and caller, Redis shared across limiters (nodes), per-node
counting when Redis cannot be reached, and rules from the settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from applinks.errors import RateLimited
from applinks.services.rate_limits import BASIC, LOGIN, SIGNATURE, RateLimiter, rules_from
from applinks.settings import Settings
from tests.faults.remotes import closed_port
from tests.support import redis_prefix


@pytest.fixture
def redis_target() -> Iterator[tuple[str, str]]:
    yield from redis_prefix()


def test_failures_fill_the_window_then_the_caller_is_refused_with_retry_after() -> None:
    limiter = RateLimiter({LOGIN: "3/minute"})
    for _ in range(3):
        limiter.check(LOGIN, "user:alice")
        limiter.failed(LOGIN, "user:alice")
    with pytest.raises(RateLimited) as refused:
        limiter.check(LOGIN, "user:alice")
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.status == 429
    limiter.check(LOGIN, "user:bob")  # other callers are not affected
    limiter.check(BASIC, "user:alice")  # nor other kinds


def test_hit_counts_and_refuses_past_the_limit() -> None:
    limiter = RateLimiter({SIGNATURE: "2/hour"})
    limiter.hit(SIGNATURE, "c")
    limiter.hit(SIGNATURE, "c")
    with pytest.raises(RateLimited) as refused:
        limiter.hit(SIGNATURE, "c")
    assert refused.value.retry_after > 60


def test_off_disables_a_limit_and_unknown_kinds_are_refused() -> None:
    limiter = RateLimiter({LOGIN: "off"})
    for _ in range(100):
        limiter.hit(LOGIN, "x")
    with pytest.raises(ValueError):
        RateLimiter({"nope": "1/minute"})


def test_rules_come_from_the_settings_and_bad_rules_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules_from(Settings(rate_limit_login="5 per 10 minutes"))[LOGIN] == "5 per 10 minutes"
    assert rules_from(Settings(rate_limit_basic="off"))[BASIC] == "off"
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(rate_limit_login="lots")


def test_two_limiters_on_one_redis_share_their_counters(redis_target: tuple[str, str]) -> None:
    url, prefix = redis_target
    node_a = RateLimiter({LOGIN: "4/minute"}, redis_url=url, key_prefix=prefix)
    node_b = RateLimiter({LOGIN: "4/minute"}, redis_url=url, key_prefix=prefix)
    assert node_a.shared and node_b.shared
    for node in (node_a, node_b, node_a, node_b):
        node.failed(LOGIN, "user:alice")
    for node in (node_a, node_b):
        with pytest.raises(RateLimited):
            node.check(LOGIN, "user:alice")


def test_an_unreachable_redis_degrades_to_per_node_counting() -> None:
    limiter = RateLimiter({LOGIN: "2/minute"}, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    limiter.failed(LOGIN, "user:alice")  # Redis refuses the connection: counted in memory, no error
    assert not limiter.shared
    limiter.failed(LOGIN, "user:alice")
    with pytest.raises(RateLimited):
        limiter.check(LOGIN, "user:alice")
