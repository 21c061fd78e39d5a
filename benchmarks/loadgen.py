"""A small loopback HTTP/1.1 load generator: N keep-alive connections, each sending prepared requests one
after the other. Raw asyncio streams, no client library: the generator shares the machine with the server,
so it spends as little CPU per request as it can (requests are byte strings made before the clock starts)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Load:
    done: int
    failed: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def request_bytes(host: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in (headers or {}).items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _drive(
    host: str, port: int, requests: Iterator[bytes], deadline: float, counts: list[int], expect: int
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            request = next(requests, None)
            if request is None:
                return
            writer.write(request)
            status = await _read_response(reader)
            counts[0 if status == expect else 1] += 1
    finally:
        writer.close()


async def _load(host: str, port: int, requests: Iterator[bytes], connections: int, seconds: float) -> Load:
    counts = [0, 0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_drive(host, port, requests, deadline, counts, 200) for _ in range(connections)))
    return Load(counts[0], counts[1], time.perf_counter() - started)


def load(host: str, port: int, requests: Iterator[bytes], *, connections: int = 16, seconds: float = 3.0) -> Load:
    """Send ``requests`` over ``connections`` keep-alive connections until they run out or ``seconds`` pass;
    a response other than 200 counts as failed (and not towards the rate)."""
    return asyncio.run(_load(host, port, requests, connections, seconds))
