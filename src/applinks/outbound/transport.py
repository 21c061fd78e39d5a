"""The hardened outbound transport every call of applinks goes through (sync ``OutboundClient`` and
``AsyncOutboundClient``): address policy on the resolved address, no redirects followed, TLS verified with
the configured CA bundle, per-operation timeouts under an overall deadline, and a cap on decoded bytes.

Errors (all ``RemoteError``): ``AddressRefused`` (policy), ``RemoteUnreachable`` with ``kind`` one of
``UNKNOWN_HOST``, ``CONNECTION_REFUSED``, ``TIMEOUT``, ``SSL_UNTRUSTED``, ``SSL_HOSTNAME_UNMATCHED``,
``SSL_UNMATCHED``; ``UnexpectedResponse`` (too large, undecodable). A 3xx is returned, never followed.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from applinks.errors import InvalidInput, RemoteUnreachable, UnexpectedResponse
from applinks.outbound.body import ACCEPT_ENCODING, BoundedDecoder
from applinks.outbound.network import DEADLINE, AsyncPinnedBackend, PinnedBackend
from applinks.outbound.policy import AddressPolicy, Resolver, system_resolver
from applinks.settings import Settings


@dataclass(slots=True)
class OutboundResponse:
    """A fully read response (capped and decoded), with the URL as the caller asked for it."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str
    elapsed: float = 0.0

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        location: str | None = self.headers.get("location")
        return location

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status_code < 400 and "location" in self.headers

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The body as JSON; ``UnexpectedResponse`` when it is not."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UnexpectedResponse(f"the response from {self.url} is not JSON", url=self.url) from exc


@dataclass
class TransportOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    ca_bundle: str | None = None
    verify: bool = True
    policy: AddressPolicy = field(default_factory=AddressPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> TransportOptions:
        return cls(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            deadline=settings.request_deadline,
            max_bytes=settings.max_response_bytes,
            ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None,
            policy=AddressPolicy(settings.allow_loopback, settings.allow_private),
        )

    def ssl_context(self) -> ssl.SSLContext:
        """Verification on, with the configured CA bundle; off only for a client built with ``verify=False``
        (which then has a pool of its own: the two never share a connection)."""
        context = ssl.create_default_context(cafile=self.ca_bundle)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def timeout(self, deadline: float | None = None) -> httpx.Timeout:
        read = max(self.read_timeout, deadline or 0.0)
        return httpx.Timeout(connect=self.connect_timeout, read=read, write=read, pool=self.connect_timeout)


def check_url(url: str) -> tuple[str, str, int]:
    """Validate an outbound URL: http(s), a host, no user information. Returns (scheme, host, port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{url!r} is not a valid URL: {exc}", key="applinks.url.invalid") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(f"{url!r} is not an http(s) URL", key="applinks.url.scheme")
    if not parts.hostname:
        raise InvalidInput(f"{url!r} has no host", key="applinks.url.invalid")
    if parts.username is not None or "@" in parts.netloc:
        raise InvalidInput(f"{url!r} carries user information, which is refused", key="applinks.url.userinfo")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _ssl_kind(exc: BaseException) -> tuple[str, str] | None:
    """Map a TLS failure to a diagnostic type and message."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            code = getattr(seen, "verify_code", 0)
            message = getattr(seen, "verify_message", "") or str(seen)
            if code in (62, 64) or "hostname" in message.lower() or "ip address mismatch" in message.lower():
                return "SSL_HOSTNAME_UNMATCHED", f"the certificate does not match the host name ({message})"
            if code in (2, 18, 19, 20, 21, 27):
                return "SSL_UNTRUSTED", f"the certificate chain is not trusted ({message})"
            if code == 10:
                return "SSL_UNMATCHED", f"the certificate has expired ({message})"
            return "SSL_UNMATCHED", f"the certificate was refused ({message})"
        if isinstance(seen, ssl.SSLError):
            return "SSL_UNMATCHED", f"the TLS handshake failed ({seen})"
        seen = seen.__cause__ or seen.__context__
    return None


def network_error(url: str, exc: Exception, started: float, deadline: float) -> RemoteUnreachable:
    """The typed error for an httpx failure."""
    if isinstance(exc, httpx.TimeoutException):
        if time.monotonic() - started >= deadline - 0.05:
            return RemoteUnreachable(
                f"{url} did not finish answering within the {deadline:g} s deadline; the call was cut off",
                kind="TIMEOUT",
                url=url,
            )
        what = "accept a connection" if isinstance(exc, httpx.ConnectTimeout) else "answer"
        return RemoteUnreachable(f"{url} did not {what} in time", kind="TIMEOUT", url=url)
    tls = _ssl_kind(exc)
    if tls is not None:
        kind, message = tls
        return RemoteUnreachable(f"{url}: {message}", kind=kind, url=url)
    text = str(exc).lower()
    if "refused" in text:
        return RemoteUnreachable(
            f"nothing is listening at {url} (connection refused)", kind="CONNECTION_REFUSED", url=url
        )
    return RemoteUnreachable(f"{url} cannot be reached: {exc}", kind="CONNECTION_REFUSED", url=url)


class _Base:
    def __init__(self, options: TransportOptions, resolver: Resolver | None, injected: bool) -> None:
        self.options = options
        self.resolver = resolver or system_resolver
        # A transport handed in by a test bypasses the pinned backend: check the policy up front instead.
        self._injected = injected

    def _prepare(
        self, method: str, url: str, headers: Mapping[str, str] | None, timeout: float | None
    ) -> tuple[dict[str, str], float]:
        _scheme, host, port = check_url(url)
        if self._injected:
            self.options.policy.check(host, self.resolver(host, port))
        merged = {"Accept-Encoding": ACCEPT_ENCODING, **(dict(headers) if headers else {})}
        return merged, timeout or self.options.deadline


# httpx's defaults (httpx.Limits()), which building the pool by hand would otherwise lose: httpcore's own
# default is 10 connections, so ten hanging remotes would stall every other outbound call.
MAX_CONNECTIONS = 100
MAX_KEEPALIVE = 20


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, options: TransportOptions, resolver: Resolver) -> None:
        context = options.ssl_context()
        super().__init__(verify=context, trust_env=False)
        # httpx (pinned < 0.29) builds its pool without a network-backend hook; this is the one seam.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            network_backend=PinnedBackend(options.policy, resolver),
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_KEEPALIVE,
        )


class _AsyncPinnedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, options: TransportOptions, resolver: Resolver) -> None:
        context = options.ssl_context()
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            network_backend=AsyncPinnedBackend(options.policy, resolver),
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_KEEPALIVE,
        )


class OutboundClient(_Base):
    """Synchronous outbound HTTP used by every call applinks makes to another application."""

    def __init__(
        self,
        options: TransportOptions,
        *,
        resolver: Resolver | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(options, resolver, transport is not None)
        self._client = httpx.Client(
            transport=transport or _PinnedTransport(options, self.resolver),
            follow_redirects=False,
            trust_env=False,  # never route through environment proxies
            timeout=options.timeout(),
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout: float | None = None,
        auth: httpx.Auth | None = None,
    ) -> OutboundResponse:
        """Send one request and read the whole (capped) answer within the deadline."""
        merged, deadline = self._prepare(method, url, headers, timeout)
        started = time.monotonic()
        token = DEADLINE.set(started + deadline)
        try:
            request = self._client.build_request(
                method, url, headers=merged, content=content, timeout=self.options.timeout(timeout)
            )
            response = self._client.send(request, stream=True, auth=auth)
            try:
                decoder = BoundedDecoder(response.headers.get("content-encoding"), self.options.max_bytes, url)
                for chunk in response.iter_raw():
                    decoder.feed(chunk)
                body = decoder.finish()
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise network_error(url, exc, started, deadline) from exc
        finally:
            DEADLINE.reset(token)
        return OutboundResponse(response.status_code, response.headers, body, url, time.monotonic() - started)

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> OutboundResponse:
        return self.request("GET", url, headers=headers)


class AsyncOutboundClient(_Base):
    """The same rules for asyncio/anyio callers."""

    def __init__(
        self,
        options: TransportOptions,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(options, resolver, transport is not None)
        self._client = httpx.AsyncClient(
            transport=transport or _AsyncPinnedTransport(options, self.resolver),
            follow_redirects=False,
            trust_env=False,
            timeout=options.timeout(),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout: float | None = None,
        auth: httpx.Auth | None = None,
    ) -> OutboundResponse:
        merged, deadline = self._prepare(method, url, headers, timeout)
        started = time.monotonic()
        token = DEADLINE.set(started + deadline)
        try:
            request = self._client.build_request(
                method, url, headers=merged, content=content, timeout=self.options.timeout(timeout)
            )
            response = await self._client.send(request, stream=True, auth=auth)
            try:
                decoder = BoundedDecoder(response.headers.get("content-encoding"), self.options.max_bytes, url)
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                body = decoder.finish()
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise network_error(url, exc, started, deadline) from exc
        finally:
            DEADLINE.reset(token)
        return OutboundResponse(response.status_code, response.headers, body, url, time.monotonic() - started)

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> OutboundResponse:
        return await self.request("GET", url, headers=headers)
