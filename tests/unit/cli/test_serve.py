"""``applinks serve`` without a network: its base URL and settings (the live process is in tests/integration)."""

from __future__ import annotations

import signal
import socket

import pytest
from typer.testing import CliRunner

from applinks.cli import serve
from applinks.cli.main import app
from tests.support import bind_loopback
from tests.unit.cli.conftest import CLEAN_ENV, Cli, one_error_line


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 9000, "http://[::1]:9000"),
        ("::1", 8081, "http://[::1]:8081"),
        ("tracker.internal", 80, "http://tracker.internal:80"),
    ],
)
def test_default_base_url_is_reachable_from_this_machine(host: str, port: int, expected: str) -> None:
    assert serve.default_base_url(host, port) == expected


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[serve._Server]:
    """Replace the server loop: record the server, as if it had started and been stopped at once."""
    servers: list[serve._Server] = []

    def run(self: serve._Server, sockets: object = None) -> None:
        self.started = True
        servers.append(self)
        self.config.app.state.instance.close()  # what the lifespan does on shutdown

    monkeypatch.setattr(serve._Server, "run", run)
    return servers


def _argv(cli: Cli, *extra: str) -> list[str]:
    """``serve`` on a free loopback port (the socket is really bound; only the server loop is replaced)."""
    sock = bind_loopback()
    port = str(sock.getsockname()[1])
    sock.close()
    return [
        "--data-dir",
        str(cli.data_dir),
        "--database-url",
        cli.db_url,
        "serve",
        "--port",
        port,
        "--workers",
        "1",
        *extra,
    ]


def test_port_must_be_a_real_port(cli: Cli) -> None:
    argv = ["--data-dir", str(cli.data_dir), "serve", "--port", "0"]
    assert CliRunner().invoke(app, argv, env=CLEAN_ENV).exit_code == 2


def test_base_url_from_the_environment_wins_over_host_and_port(cli: Cli, started: list[serve._Server]) -> None:
    env = {**CLEAN_ENV, "APPLINKS_BASE_URL": "https://tracker.example.test/jira"}
    result = CliRunner().invoke(app, _argv(cli), env=env)
    assert result.exit_code == 0, result.stderr
    assert [s.base_url for s in started] == ["https://tracker.example.test/jira"]
    assert result.stdout.splitlines()[-1] == "stopped"


def test_options_name_the_instance(cli: Cli, started: list[serve._Server]) -> None:
    argv = _argv(cli, "--name", "Wiki", "--type", "confluence", "--base-url", "http://wiki.example.test/")
    result = CliRunner().invoke(app, argv, env=CLEAN_ENV)
    assert result.exit_code == 0, result.stderr
    instance = started[0].config.app.state.instance
    manifest = instance.manifest()
    assert (manifest.name, manifest.type_id, manifest.url) == ("Wiki", "confluence", "http://wiki.example.test")


def test_signal_handlers_are_restored_afterwards(cli: Cli, started: list[serve._Server]) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    argv = _argv(cli)
    assert CliRunner().invoke(app, argv, env=CLEAN_ENV).exit_code == 0
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_server_that_does_not_start_is_an_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(self: serve._Server, sockets: object = None) -> None:
        self.config.app.state.instance.close()  # a failed start-up: uvicorn never sets ``started``

    monkeypatch.setattr(serve._Server, "run", run)
    argv = _argv(cli)
    result = CliRunner().invoke(app, argv, env=CLEAN_ENV)
    assert result.exit_code == 1
    assert one_error_line(result) == "error: the server did not start (see the log above)"


def test_accepted_connections_have_nagles_algorithm_off() -> None:
    """asyncio turns Nagle off only on sockets whose protocol says TCP; with it on, every response written as
    headers then body waited 40 ms for the client's delayed ACK on a keep-alive connection."""
    probe = bind_loopback()
    port = probe.getsockname()[1]
    probe.close()
    listener = serve.listen("127.0.0.1", port)
    try:
        with socket.create_connection(listener.getsockname()[:2]):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
