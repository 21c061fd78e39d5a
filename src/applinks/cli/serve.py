"""``applinks serve``: run the reference application until SIGTERM or Ctrl-C, on one or more worker processes.

Several workers share one listening socket (uvicorn's supervisor starts and restarts them). Each builds
its own app from the parent's settings through ``worker_app``, the import string uvicorn needs to start a
process; they share the database, so OAuth nonces are still accepted once across them."""

from __future__ import annotations

import os
import signal
import socket
from enum import StrEnum
from types import FrameType
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from applinks.cli.common import cli_errors, console, fail, make_settings
from applinks.refapp.app import build_app
from applinks.settings import Settings

WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - mapping, not binding
# The parent's settings, as JSON, for the worker processes (they start afresh: nothing else carries over).
WORKER_SETTINGS = "_APPLINKS_WORKER_SETTINGS"
WORKER_APP = "applinks.cli.serve:worker_app"
WORKER_START_SECONDS = 120


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


class _Server(uvicorn.Server):
    """Says ``ready`` once the socket accepts requests, so scripts and the demo know when to go on."""

    def __init__(self, config: uvicorn.Config, base_url: str) -> None:
        super().__init__(config)
        self.base_url = base_url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            typer.echo(f"ready: {self.base_url}")


class _Workers(Multiprocess):
    """uvicorn's supervisor, saying ``ready`` once every worker serves (each answers its health check)."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], base_url: str) -> None:
        super().__init__(config, sockets)
        self.base_url = base_url
        self.started = False

    def init_processes(self) -> None:
        super().init_processes()
        if all(p.wait_until_ready(WORKER_START_SECONDS, self.should_exit) for p in self.processes):
            self.started = True
            typer.echo(f"ready: {self.base_url}")
        else:
            self.should_exit.set()  # a worker could not start: stop the others, the command fails


def server_options(log_level: str) -> dict[str, Any]:
    """uvicorn's options for every worker (and for the benchmarks' bare comparison app)."""
    # h11 writes header names as given (WWW-Authenticate capitalised, see web/response_headers.py); the
    # httptools server would lowercase them. The event loop is uvloop where installed (uvicorn's "auto").
    return {"log_level": log_level, "proxy_headers": False, "lifespan": "on", "http": "h11"}


def worker_app() -> Any:
    """The app of one worker process (uvicorn's factory), built from the settings the parent passed on."""
    return build_app(Settings.model_validate_json(os.environ[WORKER_SETTINGS]))


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_base_url(host: str, port: int) -> str:
    shown = WILDCARD_HOSTS.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def listen(host: str, port: int) -> socket.socket:
    """Bind before starting, so a busy port is one clear error instead of a server log line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Protocol TCP by name: asyncio switches Nagle's algorithm off only on sockets that say so, and an
    # accepted socket inherits it from this one. With Nagle on, a response written as headers and then body
    # waits for the client's delayed ACK: 40 ms per request on a keep-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    sock.set_inheritable(True)
    return sock


def _stop_quietly(signum: int, frame: FrameType | None) -> None:
    """Installed before uvicorn's own handlers: it re-raises the stop signal after a graceful shutdown, and
    that must end the command normally (exit 0) rather than kill it or raise KeyboardInterrupt."""


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to bind.")] = 8080,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Public base URL (default: APPLINKS_BASE_URL, else host:port).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Instance display name.")] = None,
    app_type: Annotated[str | None, typer.Option("--type", help="Application type ID.")] = None,
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="Server log level.")] = LogLevel.info,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes (default: one per core).")
    ] = None,
) -> None:
    """Start the reference application with applinks embedded."""
    if base_url is None and not os.environ.get("APPLINKS_BASE_URL"):
        base_url = default_base_url(host, port)
    settings = make_settings(base_url=base_url, name=name, application_type=app_type)
    count = workers or default_workers()
    sock = listen(host, port)
    previous = {sig: signal.signal(sig, _stop_quietly) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with cli_errors():
            # Also with several workers: migrations, key file and identity are made once, here, before they start.
            app = build_app(settings)
            instance = app.state.instance
            instance.publish_settings()  # what this server runs with: every command, node and worker reads it
            settings = instance.settings
        shown = f"applinks {settings.name!r} at {settings.base_url} (data in {settings.data_dir})"
        options = server_options(log_level.value)
        if count == 1:
            console.print(shown, highlight=False)
            one = _Server(uvicorn.Config(app, **options), settings.base_url)
            one.run(sockets=[sock])
            started = one.started
        else:
            app.state.instance.close()
            console.print(f"{shown}, {count} workers", highlight=False, soft_wrap=True)
            os.environ[WORKER_SETTINGS] = settings.model_dump_json()
            config = uvicorn.Config(WORKER_APP, factory=True, workers=count, **options)
            supervisor = _Workers(config, [sock], settings.base_url)
            supervisor.run()
            started = supervisor.started
    finally:
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not started:
        fail("the server did not start (see the log above)")
    typer.echo("stopped")
