"""What every benchmark shares: timing async calls, the result row and its ratio to the target."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Result:
    """One measurement. ``higher_is_better`` says whether the target is a floor (throughput) or a ceiling."""

    name: str
    value: float
    unit: str
    target: float
    higher_is_better: bool

    @property
    def ratio(self) -> float:
        """≥ 1.0 meets the target; 2.0 is twice as good as asked."""
        if self.higher_is_better:
            return self.value / self.target
        return self.target / self.value if self.value else float("inf")


async def throughput(call: Call, *, seconds: float = 2.0, warmup: int = 20) -> float:
    """Sequential calls per second over about ``seconds``."""
    for _ in range(warmup):
        await call()
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        await call()
        count += 1
    return count / elapsed


async def latency_ms(call: Call, *, runs: int = 200, warmup: int = 20, quantile: int = 95) -> float:
    """The ``quantile``-th percentile latency of ``call`` in milliseconds."""
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(samples, n=100)[quantile - 1]


def row(result: Result) -> str:
    verdict = "ok" if result.ratio >= 1 else "SLOW"
    bound = "≥" if result.higher_is_better else "≤"
    measured = f"{result.name:<42} {result.value:>10.1f} {result.unit:<6}"
    return f"{measured} target {bound} {result.target:g} {result.unit:<6} ratio {result.ratio:5.2f}  {verdict}"
