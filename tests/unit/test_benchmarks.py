"""``make bench-smoke``: every benchmark still runs (briefly) and prints its row; rows read the right way round.

Nothing here judges speed: a quick run's numbers mean nothing, and benchmarks never fail the suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.__main__ import main
from benchmarks.harness import Row, render


def test_a_cost_ratio_is_the_floor_rate_over_ours_and_a_rate_ratio_ours_over_theirs() -> None:
    cost = Row("verify", 1000, "req/s", 1.5, at_most=True, baseline=1200, baseline_name="floor", cost=True)
    assert cost.ratio == pytest.approx(1.2) and cost.met is True
    slow = Row("verify", 100, "req/s", 1.5, at_most=True, baseline=1200, baseline_name="floor", cost=True)
    assert slow.ratio == pytest.approx(12.0) and slow.met is False
    share = Row("signed", 600, "req/s", 0.75, at_most=False, baseline=1000, baseline_name="anonymous")
    assert share.ratio == pytest.approx(0.6) and share.met is False
    absolute = Row("page p95", 12.0, "ms", 50, at_most=True)
    assert absolute.ratio == 12.0 and absolute.met is True
    assert render(slow).endswith("NOT MET") and render(cost).endswith("met")


def test_a_row_without_a_measurement_says_why() -> None:
    row = Row("admin page", None, "ms", 50, at_most=True)
    assert row.met is None and render(row).endswith("not built yet")
    later = Row("OAuth 2.0 bearer", None, "req/s", 0.9, at_most=False, missing="not measured yet")
    assert render(later).endswith("not measured yet")


def test_every_benchmark_runs_and_prints_a_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    assert main(["--quick", "--output", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = json.loads(output.read_text())["rows"]
    assert [line.split("  ")[0] for line in lines] == [row["name"] for row in rows]
    names = " | ".join(row["name"] for row in rows)
    for wanted in ("vs floor", "vs oauthlib", "signing", "vs anonymous", "vs bare Starlette", "2 workers vs 1"):
        assert wanted in names
    for wanted in ("doctor", "registry: one page", "memory growth", "OAuth 2.0", "cluster"):
        assert wanted in names
    for line, row in zip(lines, rows, strict=True):
        verdict = {True: "met", False: "NOT MET", None: row["missing"]}[row["met"]]
        assert f"  {verdict}" in line
