"""``applinks serve`` as a real process on a loopback port: it starts, serves, and stops cleanly on a signal."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from tests.integration.processes import Child
from tests.support import bind_loopback


def free_port() -> int:
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


StartServe = Callable[..., Child]


@pytest.fixture
def start_serve(tmp_path: Path, db_url: str) -> Iterator[StartServe]:
    started: list[Child] = []

    def start(*args: str, data_dir: Path | None = None) -> Child:
        argv = [sys.executable, "-m", "applinks", "--data-dir", str(data_dir or tmp_path / "data")]
        argv += ["--database-url", db_url, "serve", *args]
        child = Child.start(argv)
        started.append(child)
        return child

    yield start
    for child in started:
        child.kill()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_starts_serves_the_manifest_and_stops_cleanly(start_serve: StartServe, stop_signal: int) -> None:
    port = free_port()
    served = start_serve("--port", str(port), "--name", "Served", "--type", "refapp", "--log-level", "warning")
    assert served.wait_for("ready: ") == f"ready: http://127.0.0.1:{port}"
    manifest = httpx2.get(
        f"http://127.0.0.1:{port}/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}, trust_env=False
    ).json()
    assert (manifest["name"], manifest["typeId"], manifest["url"]) == ("Served", "refapp", f"http://127.0.0.1:{port}")
    served.process.send_signal(stop_signal)
    assert served.process.wait(timeout=30) == 0
    output = served.rest()
    assert output[-1] == "stopped", output
    assert not any("Traceback" in line for line in output), output
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"http://127.0.0.1:{port}/rest/applinks/1.0/manifest", trust_env=False)


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
