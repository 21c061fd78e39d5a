"""The full stack over loopback HTTP, 16 keep-alive connections, servers in their own processes:
2LOi-signed ``GET whoami`` vs the same request anonymous, anonymous vs a bare Starlette app on the same
uvicorn, and signed requests on 2 workers vs 1 (``applinks serve --workers``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.harness import Row, interleaved
from benchmarks.loadgen import load, request_bytes
from benchmarks.scene import WHOAMI, Scene, make_scene

CONNECTIONS = 16
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(command: list[str], env: dict[str, str] | None = None) -> Iterator[int]:
    """Run a server command until the block ends (yields its process ID); it must print ``ready: …`` once it
    accepts requests."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    ready = threading.Event()
    output: list[str] = []

    def watch() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("ready: "):
                ready.set()
        ready.set()  # the server exited: stop waiting (the check below tells the difference)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        if not ready.wait(timeout=60) or not any(line.startswith("ready: ") for line in output):
            raise RuntimeError("the benchmark server did not start:\n" + "".join(output[-20:]))
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        watcher.join(timeout=5)


def applinks_server(scene: Scene, port: int, workers: int = 1) -> list[str]:
    return [
        str(Path(sys.executable).parent / "applinks"),
        "serve",
        "--port",
        str(port),
        "--base-url",
        scene.settings.base_url,
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]


def _signed(scene: Scene, count: int) -> list[bytes]:
    signer = scene.signer()
    url = scene.whoami_url()
    host = scene.settings.base_url.split("//", 1)[1]
    path = url.split(host, 1)[1]
    return [request_bytes(host, path, {"Authorization": signer.authorization("GET", url)}) for _ in range(count)]


def _anonymous(port: int) -> Iterator[bytes]:
    request = request_bytes(f"{HOST}:{port}", WHOAMI + "?xoauth_requestor_id=alice")
    while True:
        yield request


class _Signed:
    """Hands out pre-signed requests, each once (their nonces are single use)."""

    def __init__(self, requests: list[bytes]) -> None:
        self.requests = requests
        self.next = 0

    def rate(self, port: int, seconds: float) -> float:
        it = iter(self.requests[self.next :])
        result = load(HOST, port, it, connections=CONNECTIONS, seconds=seconds)
        self.next += result.done + result.failed
        if result.failed:
            raise RuntimeError(f"{result.failed} signed requests were refused")
        return result.rate


def run(*, quick: bool = False) -> list[Row]:
    seconds = 0.3 if quick else 3.0
    rounds = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="applinks-bench-") as tmp:
        port, bare_port = free_port(), free_port()
        scene = make_scene(Path(tmp), f"http://{HOST}:{port}")
        # Enough pre-signed requests for every signed round at ~1 500 req/s (signing costs ~0.5 ms each).
        signed = _Signed(_signed(scene, 60 if quick else int(1500 * seconds * rounds)))
        env = {"APPLINKS_DATA_DIR": tmp}
        with (
            server(applinks_server(scene, port), env),
            server([sys.executable, "-m", "benchmarks.bare", str(bare_port)]),
        ):
            _warm_up(port, bare_port)
            rates = interleaved(
                {
                    "signed": lambda: signed.rate(port, seconds),
                    "anonymous": lambda: (
                        load(HOST, port, _anonymous(port), connections=CONNECTIONS, seconds=seconds).rate
                    ),
                    "bare": lambda: (
                        load(HOST, bare_port, _anonymous(bare_port), connections=CONNECTIONS, seconds=seconds).rate
                    ),
                },
                rounds,
            )
        one_vs_two = _workers(scene, env, port, seconds, rounds, quick)
    return [
        Row(
            "HTTP 2LOi-signed GET whoami vs anonymous (1 process, 16 conns)",
            rates["signed"],
            "req/s",
            0.75,
            at_most=False,
            baseline=rates["anonymous"],
            baseline_name="anonymous",
        ),
        Row(
            "HTTP anonymous GET whoami vs bare Starlette (same uvicorn)",
            rates["anonymous"],
            "req/s",
            0.7,
            at_most=False,
            baseline=rates["bare"],
            baseline_name="bare Starlette",
        ),
        one_vs_two,
    ]


def _warm_up(*ports: int) -> None:
    """A moment of load first, so that no round pays for a cold start (threads, connections, caches)."""
    for port in ports:
        load(HOST, port, _anonymous(port), connections=CONNECTIONS, seconds=0.3)


def _workers(scene: Scene, env: dict[str, str], port: int, seconds: float, rounds: int, quick: bool) -> Row:
    name = "HTTP signed, 2 workers vs 1 (applinks serve --workers)"
    signed = _Signed(_signed(scene, 60 if quick else int(2 * 1500 * seconds * rounds)))
    samples: dict[str, list[float]] = {"1": [], "2": []}
    for _ in range(rounds):
        for workers in ("1", "2"):
            with server(applinks_server(scene, port, int(workers)), env):
                _warm_up(port)
                samples[workers].append(signed.rate(port, seconds))
    one, two = (sorted(samples[w])[len(samples[w]) // 2] for w in ("1", "2"))
    return Row(name, two, "req/s", 1.7, at_most=False, baseline=one, baseline_name="1 worker")
