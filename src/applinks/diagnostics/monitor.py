"""The background monitor: checks every link each ``monitor_interval`` seconds (0 = off)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("applinks.diagnostics")


class Monitor:
    """Calls ``check_all`` now and then every ``interval`` seconds until stopped; one round at a time."""

    def __init__(self, interval: float, check_all: Callable[[], object]) -> None:
        if interval <= 0:
            raise ValueError("the monitor interval must be positive")
        self.interval = interval
        self._check_all = check_all
        self._stop = threading.Event()
        self.rounds = 0
        self.round_done = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="applinks-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=max(5.0, self.interval))

    def wait_for_rounds(self, count: int, timeout: float) -> bool:
        """Block until ``count`` rounds have finished (for callers that need a fresh result)."""
        with self.round_done:
            return self.round_done.wait_for(lambda: self.rounds >= count, timeout=timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._check_all()
            except Exception:  # the monitor must outlive any one bad round
                log.exception("a monitoring round failed")
            with self.round_done:
                self.rounds += 1
                self.round_done.notify_all()
            if self._stop.wait(self.interval):
                break
