"""What every benchmark shares: the result row (a ratio to a named comparison measured in the same run, judged
against a target), interleaved timing rounds, the printed table and ``results.json``.

Absolute rates on a shared machine are noise; a ratio between two things measured side by side in the same
rounds is what a row is judged by. Rows never fail CI: ``met`` is information, not an assertion."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

Op = Callable[[], object]


@dataclass(frozen=True)
class Row:
    """One benchmark row.

    ``value`` is the thing measured (a rate, a time in ms, a size in MB), ``baseline`` the named comparison's
    value from the same run (None for an absolute target). ``ratio`` is what the target bounds: ``value /
    baseline`` when ``ratio_of_rates``, else ``baseline / value`` ("costs Nx the floor": baseline rate over
    our rate); for an absolute target the value itself. ``at_most`` says whether the target is a ceiling.
    ``note`` says what limits a row, or why it was not measured (``value`` None: "not built yet")."""

    name: str
    value: float | None
    unit: str
    target: float
    at_most: bool
    baseline: float | None = None
    baseline_name: str = ""
    cost: bool = False  # ratio = baseline / value ("x the floor"), else value / baseline
    note: str = ""
    missing: str = "not built yet"  # the verdict of a row without a measurement

    @property
    def ratio(self) -> float | None:
        if self.value is None:
            return None
        if self.baseline is None:
            return self.value
        if self.cost:
            return self.baseline / self.value if self.value else float("inf")
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool | None:
        ratio = self.ratio
        if ratio is None:
            return None
        return ratio <= self.target if self.at_most else ratio >= self.target


def verdict(row: Row) -> str:
    met = row.met
    return row.missing if met is None else ("met" if met else "NOT MET")


def render(row: Row) -> str:
    """``name | ours | comparison | ratio | target | met``: one line, columns separated by two spaces."""
    bound = "≤" if row.at_most else "≥"
    if row.value is None:
        cells = [row.name, "—", "—", "—", f"target {bound} {row.target:g}", verdict(row)]
    elif row.baseline is None:
        ours = f"{row.value:,.1f} {row.unit}"
        cells = [row.name, ours, "(absolute target)", "—", f"target {bound} {row.target:g} {row.unit}", verdict(row)]
    else:
        ratio = row.ratio
        assert ratio is not None
        ours = f"{row.value:,.1f} {row.unit}"
        theirs = f"{row.baseline_name} {row.baseline:,.1f} {row.unit}"
        shown = f"ratio {ratio:.2f}" + ("x" if row.cost else "")
        cells = [row.name, ours, theirs, shown, f"target {bound} {row.target:g}", verdict(row)]
    line = "  ".join(cells)
    return line + (f"  ({row.note})" if row.note else "")


def time_ops(op: Op, count: int) -> float:
    """Calls per second of ``op`` called ``count`` times in a row."""
    started = time.perf_counter()
    for _ in range(count):
        op()
    return count / (time.perf_counter() - started)


def interleaved(
    contenders: dict[str, Callable[[], float]], rounds: int, between: Callable[[], None] | None = None
) -> dict[str, float]:
    """Run each contender's round (returning a rate) in turn, ``rounds`` times, and keep each one's median:
    load from other processes then hits every contender alike. ``between`` runs untimed after each round."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, measure in contenders.items():
            samples[name].append(measure())
            if between is not None:
                between()
    return {name: statistics.median(values) for name, values in samples.items()}


def percentile(samples: list[float], quantile: int) -> float:
    return statistics.quantiles(samples, n=100)[quantile - 1] if len(samples) > 1 else samples[0]


def machine() -> dict[str, object]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m": round(load[0], 2),
    }


def write_json(rows: Iterable[Row], path: Path, *, quick: bool) -> None:
    data = {
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": quick,
        "machine": machine(),
        "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in rows],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
