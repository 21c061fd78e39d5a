"""Child processes in tests: their output read line by line as it comes, so tests wait on events, not sleeps."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
from dataclasses import dataclass, field

TIMEOUT = 60.0


def clean_env() -> dict[str, str]:
    """The environment without any APPLINKS_* setting of the developer's or CI's, output unbuffered."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("APPLINKS_")}
    return {**clean, "PYTHONUNBUFFERED": "1"}


@dataclass
class Child:
    """A running process whose merged stdout/stderr lines are pumped into a queue."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, argv: list[str], env: dict[str, str] | None = None) -> Child:
        """Start ``argv`` with the clean environment plus ``env``."""
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**clean_env(), **(env or {})},
            start_new_session=True,
        )
        return cls(process)

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = TIMEOUT) -> str:
        """The first line starting with ``prefix``; fails if the process ends first."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the process ended before printing {prefix!r}: {self.seen}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def rest(self) -> list[str]:
        """Every line, once the process has closed its output."""
        while (line := self.lines.get(timeout=TIMEOUT)) is not None:
            self.seen.append(line)
        return self.seen

    def kill(self) -> None:
        """Kill the process and everything it started (its own session): `applinks serve --workers N` leaves
        its worker processes running when only the supervisor dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
