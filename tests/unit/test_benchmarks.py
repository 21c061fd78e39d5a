"""``make bench`` keeps working: each benchmark runs (briefly) and its ratio reads the right way round."""

from __future__ import annotations

import pytest
from benchmarks.__main__ import main
from benchmarks.harness import Result, row


def test_ratio_is_at_least_one_when_the_target_is_met() -> None:
    assert Result("fast", 600, "req/s", 300, higher_is_better=True).ratio == 2.0
    assert Result("slow", 150, "req/s", 300, higher_is_better=True).ratio == 0.5
    assert Result("quick", 5, "ms", 25, higher_is_better=False).ratio == 5.0
    assert Result("late", 50, "ms", 25, higher_is_better=False).ratio == 0.5
    assert row(Result("late", 50, "ms", 25, higher_is_better=False)).endswith("SLOW")


def test_every_benchmark_runs_and_prints_a_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in rows] == [
        "manifest (XML, anonymous) throughput",
        "link list (50 links, admin session) p95",
    ]
    assert all(" ratio " in line and "target " in line for line in rows)
