"""``TtlCache``: entries expire after the TTL, invalidation drops them here and tells the hooks, a value loaded
before an invalidation is not stored after it, misses are never cached, and the size stays bounded."""

from __future__ import annotations

from collections.abc import Hashable

from applinks.cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A loader that counts its calls and answers from a dict (None when absent)."""

    def __init__(self, **values: str) -> None:
        self.values = dict(values)
        self.loads = 0

    def __call__(self, key: str) -> str | None:
        self.loads += 1
        return self.values.get(key)


def test_an_entry_is_served_from_the_cache_until_its_ttl_has_passed() -> None:
    clock, source = Clock(), Source(a="one")
    cache: TtlCache[str, str] = TtlCache(5, clock=clock)
    assert cache.get("a", source) == "one"
    source.values["a"] = "two"
    clock.now += 4.9
    assert (cache.get("a", source), source.loads) == ("one", 1)
    clock.now += 0.2
    assert (cache.get("a", source), source.loads) == ("two", 2)


def test_invalidate_drops_the_entry_and_tells_the_hooks_drop_does_not() -> None:
    source = Source(a="one", b="uno")
    cache: TtlCache[str, str] = TtlCache(60, clock=Clock())
    told: list[Hashable | None] = []
    cache.on_invalidate.append(told.append)
    cache.get("a", source)
    cache.get("b", source)
    source.values.update(a="two", b="dos")
    cache.invalidate("a")
    assert (cache.get("a", source), cache.get("b", source), told) == ("two", "uno", ["a"])
    cache.drop()  # what a cluster subscriber calls when another node says so: no echo
    assert (cache.get("b", source), told) == ("dos", ["a"])
    cache.invalidate()
    assert told == ["a", None] and len(cache) == 0


def test_a_miss_is_not_cached() -> None:
    source = Source()
    cache: TtlCache[str, str] = TtlCache(60, clock=Clock())
    assert cache.get("new", source) is None
    source.values["new"] = "here"
    assert cache.get("new", source) == "here"


def test_a_value_loaded_before_an_invalidation_is_not_stored_after_it() -> None:
    cache: TtlCache[str, str] = TtlCache(60, clock=Clock())

    def slow_load(key: str) -> str:
        cache.invalidate()  # a writer commits while this lookup is still reading the old row
        return "old"

    assert cache.get("a", slow_load) == "old"
    assert cache.get("a", lambda key: "new") == "new"


def test_ttl_zero_turns_caching_off() -> None:
    source = Source(a="one")
    cache: TtlCache[str, str] = TtlCache(0, clock=Clock())
    cache.get("a", source)
    cache.get("a", source)
    assert source.loads == 2 and len(cache) == 0


def test_the_cache_never_holds_more_than_its_maximum() -> None:
    cache: TtlCache[str, str] = TtlCache(60, max_entries=10, clock=Clock())
    for n in range(100):
        cache.get(str(n), lambda key: key)
    assert len(cache) <= 10
    assert cache.get("99", lambda key: "reloaded") == "99"  # the newest entries stay
