"""``applinks serve`` as a real process on a loopback port: it starts, serves, and stops cleanly on a signal."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from applinks.settings import Settings
from tests.support import bind_loopback

START_TIMEOUT = 60


def free_port() -> int:
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


@dataclass
class Served:
    """A running ``applinks serve`` whose output lines are read as they come (no polling)."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float = START_TIMEOUT) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"applinks serve ended before {prefix!r}: {self.seen}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def rest(self) -> list[str]:
        while (line := self.lines.get(timeout=START_TIMEOUT)) is not None:
            self.seen.append(line)
        return self.seen


StartServe = Callable[..., Served]


def _env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("APPLINKS_")}
    return {**clean, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def start_serve(tmp_path: Path, db_url: str) -> Iterator[StartServe]:
    started: list[Served] = []

    def start(*args: str, data_dir: Path | None = None) -> Served:
        argv = [sys.executable, "-m", "applinks", "--data-dir", str(data_dir or tmp_path / "data")]
        argv += ["--database-url", db_url, "serve", *args]
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), start_new_session=True
        )
        served = Served(process)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_starts_serves_the_manifest_and_stops_cleanly(start_serve: StartServe, stop_signal: int) -> None:
    port = free_port()
    served = start_serve("--port", str(port), "--name", "Served", "--type", "refapp", "--log-level", "warning")
    assert served.wait_for("ready: ") == f"ready: http://127.0.0.1:{port}"
    manifest = httpx.get(
        f"http://127.0.0.1:{port}/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}, trust_env=False
    ).json()
    assert (manifest["name"], manifest["typeId"], manifest["url"]) == ("Served", "refapp", f"http://127.0.0.1:{port}")
    served.process.send_signal(stop_signal)
    assert served.process.wait(timeout=30) == 0
    output = served.rest()
    assert output[-1] == "stopped", output
    assert not any("Traceback" in line for line in output), output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/rest/applinks/1.0/manifest", trust_env=False)


def test_serve_keeps_its_identity_across_restarts(start_serve: StartServe, tmp_path: Path) -> None:
    ids = []
    for _ in range(2):
        port = free_port()
        served = start_serve("--port", str(port), "--log-level", "warning")
        served.wait_for("ready: ")
        ids.append(
            httpx.get(
                f"http://127.0.0.1:{port}/rest/applinks/1.0/manifest",
                headers={"Accept": "application/json"},
                trust_env=False,
            ).json()["id"]
        )
        served.process.terminate()
        assert served.process.wait(timeout=30) == 0
    assert ids[0] == ids[1]
    assert Settings(data_dir=tmp_path / "data").resolved_key_file.exists()


def test_serve_on_a_busy_port_is_one_clear_error(start_serve: StartServe) -> None:
    sock = bind_loopback()
    port = sock.getsockname()[1]
    try:
        served = start_serve("--port", str(port))
        assert served.process.wait(timeout=60) == 1
        output = served.rest()
    finally:
        sock.close()
    errors = [line for line in output if line.startswith("error: ")]
    assert len(errors) == 1 and f"cannot listen on 127.0.0.1:{port}" in errors[0], output
    assert not any("Traceback" in line for line in output), output
