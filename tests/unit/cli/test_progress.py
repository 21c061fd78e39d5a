"""The progress display of long checks (doctor, check-moved): shown once checks take longer than the delay."""

from __future__ import annotations

import io

from rich.console import Console

from applinks.cli.common import PROGRESS_DELAY, slow_progress


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=100), out


def test_a_slow_run_shows_the_display() -> None:
    console, out = _terminal()
    with slow_progress("checking links", 3, on=console, delay=0) as done:  # "slow": past the delay at once
        for _ in range(3):
            done()
    assert "checking links" in out.getvalue()


def test_a_quick_run_shows_nothing() -> None:
    console, out = _terminal()
    with slow_progress("checking links", 3, on=console, delay=3600) as done:  # done long before the delay
        for _ in range(3):
            done()
    assert out.getvalue() == ""
    assert PROGRESS_DELAY == 1.0  # the threshold: checks taking more than a second
