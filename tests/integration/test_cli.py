"""``applinks serve`` as a real process on a loopback port: it starts, serves, and stops cleanly on a signal."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from applinks.cli.main import app as cli_app
from tests.integration.processes import Child
from tests.support import bind_loopback
from tests.unit.cli.conftest import CLEAN_ENV


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


def test_commands_read_the_running_server_s_public_settings(
    start_serve: StartServe, tmp_path: Path, db_url: str
) -> None:
    """One home for base URL, name and type: what `serve` runs with, every later command reads (no exported
    APPLINKS_BASE_URL needed); the environment still overrides; `info` names each value's source."""
    port = free_port()
    served = start_serve("--port", str(port), "--name", "Wiki", "--type", "confluence", "--log-level", "warning")
    assert served.wait_for("ready: ") == f"ready: http://127.0.0.1:{port}"
    argv = ["--data-dir", str(tmp_path / "data"), "--database-url", db_url]
    info = CliRunner().invoke(cli_app, [*argv, "info", "--json"], env=CLEAN_ENV)
    assert info.exit_code == 0, info.stderr
    data = json.loads(info.stdout)
    assert (data["baseUrl"], data["manifest"]["name"], data["manifest"]["typeId"]) == (
        f"http://127.0.0.1:{port}",
        "Wiki",
        "confluence",
    )
    assert set(data["sources"].values()) == {"stored by serve/init"}
    # doctor's self-check reaches the running server at the stored base URL: no false warning.
    doctor = CliRunner().invoke(cli_app, [*argv, "doctor", "--json"], env=CLEAN_ENV)
    assert json.loads(doctor.stdout)["instance"]["warnings"] == [], doctor.stdout
    overridden = CliRunner().invoke(cli_app, [*argv, "info", "--json"], env={**CLEAN_ENV, "APPLINKS_NAME": "Env"})
    assert json.loads(overridden.stdout)["manifest"]["name"] == "Env"
    assert json.loads(overridden.stdout)["sources"]["name"] == "environment (APPLINKS_NAME)"


def test_init_stores_the_public_settings_it_is_given(tmp_path: Path) -> None:
    argv = ["--data-dir", str(tmp_path / "fresh")]
    created = CliRunner().invoke(
        cli_app, [*argv, "init", "--base-url", "https://wiki.example.test/", "--name", "Wiki"], env=CLEAN_ENV
    )
    assert created.exit_code == 0, created.stderr
    data = json.loads(CliRunner().invoke(cli_app, [*argv, "info", "--json"], env=CLEAN_ENV).stdout)
    assert (data["baseUrl"], data["manifest"]["name"]) == ("https://wiki.example.test", "Wiki")
    assert data["sources"] == {
        "baseUrl": "stored by serve/init",
        "name": "stored by serve/init",
        "typeId": "stored by serve/init",
    }
