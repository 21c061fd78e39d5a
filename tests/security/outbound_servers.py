"""Misbehaving remotes for the outbound tests: raw loopback HTTP servers that answer, redirect, hang, drip,
flood or send a gzip bomb, and count every connection (a canary must count none)."""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

Handler = Callable[[socket.socket, "RawServer"], None]


@dataclass
class RawServer:
    handler: Handler
    host: str = "127.0.0.1"
    port: int = 0
    hits: list[bytes] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, self.port))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
            except OSError:
                return
            self.hits.append(head)
            with suppress(OSError):
                self.handler(conn, self)

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=5)
        self.sock.close()


@contextmanager
def serving(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> Iterator[RawServer]:
    server = RawServer(handler, host, port)
    try:
        yield server
    finally:
        server.stop()


def answer(status: int = 200, body: bytes = b"ok", headers: dict[str, str] | None = None) -> Handler:
    def handle(conn: socket.socket, _server: RawServer) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        reason = {200: "OK", 302: "Found", 301: "Moved Permanently", 401: "Unauthorized"}.get(status, "X")
        conn.sendall(
            f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n".encode()
            + body
        )

    return handle


def redirect(location: str) -> Handler:
    return answer(302, b"", {"Location": location})


def hang(conn: socket.socket, server: RawServer) -> None:
    """Accept the request and never answer."""
    server.stopping.wait(30)


def drip(conn: socket.socket, server: RawServer) -> None:
    """Headers at once, then one byte every 0.1 s: each read is quick, the whole never ends."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not server.stopping.wait(0.1):
        conn.sendall(b"x")


def drip_headers(conn: socket.socket, server: RawServer) -> None:
    """Even the status line arrives one byte at a time."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 10000:
        if server.stopping.wait(0.1):
            return
        conn.sendall(bytes([byte]))


def flood(megabytes: int) -> Handler:
    """``megabytes`` MB of body, announced honestly."""

    def handle(conn: socket.socket, _server: RawServer) -> None:
        size = megabytes * 1024 * 1024
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        block = b"a" * 65536
        for _ in range(size // len(block)):
            conn.sendall(block)

    return handle


GZIP_BOMB = gzip.compress(b"\0" * (100 * 1024 * 1024), compresslevel=9)


def gzip_bomb(conn: socket.socket, _server: RawServer) -> None:
    """100 MB of zeros in about 100 KB of gzip."""
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(GZIP_BOMB)}\r\n\r\n".encode() + GZIP_BOMB
    )
