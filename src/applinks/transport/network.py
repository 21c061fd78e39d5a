"""The network layer under httpx2: resolve once, check the address policy, connect to the checked address,
and bound every socket operation by the call's overall deadline.

httpx2 asks its connection pool for ``connect_tcp(host, port)``; doing the policy check *there* means the
address checked is the address connected to (no DNS rebinding between check and connect), TLS still
verifies the certificate against the host name, and pooled connections were all checked when made.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import anyio.to_thread
import httpcore2

from applinks.transport.policy import AddressPolicy, Resolver

# The monotonic time by which the current outbound call must be finished (set per call by the clients).
DEADLINE: ContextVar[float | None] = ContextVar("applinks_outbound_deadline", default=None)


class DeadlineExceeded(httpcore2.ReadTimeout):
    """The overall deadline of a call passed (a slow drip that per-read timeouts alone would not cut)."""


def bounded(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of the current call's deadline."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("the overall deadline of the call has passed")
    return remaining if timeout is None else min(timeout, remaining)


class _Attempts:
    """The checked addresses of one connect, tried in order; when none accepts, the last refusal is raised."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self._failure: httpcore2.ConnectError | None = None

    @contextmanager
    def one(self) -> Iterator[None]:
        """One address: a refused connect is remembered and the next address tried."""
        try:
            yield
        except httpcore2.ConnectError as exc:
            self._failure = exc

    def failure(self) -> httpcore2.ConnectError:
        assert self._failure is not None  # policy.check never returns an empty list
        return self._failure


class _Pinned:
    """What both backends hold: the policy, the resolver and the inner (sync or anyio) backend."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self.resolver = resolver


class _Stream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(_Pinned, httpcore2.NetworkBackend):
    """Synchronous backend: every connection goes to an address the policy allowed."""

    _inner = httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        attempts = _Attempts(self.policy.check(host, self.resolver(host, port)))
        for address in attempts.addresses:
            with attempts.one():
                return _Stream(self._inner.connect_tcp(address, port, bounded(timeout), local_address, socket_options))
        raise attempts.failure()

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        raise httpcore2.ConnectError("outbound calls never use unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _AsyncStream(httpcore2.AsyncNetworkStream):
    def __init__(self, inner: httpcore2.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, bounded(timeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, bounded(timeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.AsyncNetworkStream:
        return _AsyncStream(await self._inner.start_tls(ssl_context, server_hostname, bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class AsyncPinnedBackend(_Pinned, httpcore2.AsyncNetworkBackend):
    """Asynchronous backend with the same rules; resolution runs in a worker thread (it blocks)."""

    _inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        attempts = _Attempts(self.policy.check(host, await anyio.to_thread.run_sync(self.resolver, host, port)))
        for address in attempts.addresses:
            with attempts.one():
                stream = await self._inner.connect_tcp(address, port, bounded(timeout), local_address, socket_options)
                return _AsyncStream(stream)
        raise attempts.failure()

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("outbound calls never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)
