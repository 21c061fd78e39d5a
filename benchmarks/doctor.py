"""Diagnostics fan-out: ``applinks doctor``'s check of 200 links of which 50 hang (a loopback listener that
never answers), in process: wall time against one per-link timeout."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from applinks.domain.link import Link
from applinks.instance import Instance
from applinks.settings import Settings
from applinks.storage import links as links_repo
from benchmarks.harness import Row

LINKS, HANGING = 200, 50


class _NotHere(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def run(*, quick: bool = False) -> list[Row]:
    timeout = 0.5 if quick else 2.0
    count, hanging = (20, 5) if quick else (LINKS, HANGING)
    answering = ThreadingHTTPServer(("127.0.0.1", 0), _NotHere)
    answering.daemon_threads = True
    threading.Thread(target=answering.serve_forever, daemon=True).start()
    silent = socket.create_server(("127.0.0.1", 0), backlog=512)  # accepts connections, never answers
    try:
        with tempfile.TemporaryDirectory(prefix="applinks-bench-") as tmp:
            settings = Settings(
                data_dir=Path(tmp),
                base_url="http://127.0.0.1:9",
                name="Bench",
                connect_timeout=timeout,
                read_timeout=timeout,
                request_deadline=timeout,
            )
            instance = Instance(settings)
            try:
                with instance.engine.begin() as conn:
                    for n in range(count):
                        port = silent.getsockname()[1] if n % (count // hanging) == 0 else answering.server_port
                        url = f"http://127.0.0.1:{port}/app{n}"
                        links_repo.insert_link(
                            conn, Link(f"00000000-0000-3000-8000-{n:012d}", "jira", f"R{n}", url, url)
                        )
                service = instance.diagnostics
                links = instance.links.list()
                started = time.perf_counter()
                statuses = service.check_many(links)
                wall = time.perf_counter() - started
                assert len(statuses) == count
            finally:
                instance.close()
    finally:
        answering.shutdown()
        answering.server_close()
        silent.close()
    return [
        Row(
            f"doctor: {count} links, {hanging} hang: wall time vs one per-link timeout",
            wall,
            "s",
            1.5,
            at_most=True,
            baseline=timeout,
            baseline_name="timeout",
        )
    ]
