"""The hardened outbound transport every call of applinks goes through (sync ``OutboundClient`` and
``AsyncOutboundClient``): address policy on the resolved address, no redirects followed, TLS verified with
the configured CA bundle, per-operation timeouts under an overall deadline, and a cap on decoded bytes.

Errors (all ``RemoteError``): ``AddressRefused`` (policy), ``RemoteUnreachable`` with ``kind`` one of
``UNKNOWN_HOST``, ``CONNECTION_REFUSED``, ``CONNECTION_TIMEOUT``, ``SSL_UNTRUSTED``, ``SSL_HOSTNAME_UNMATCHED``,
``SSL_UNMATCHED``; ``UnexpectedResponse`` (too large, undecodable). A 3xx is returned, never followed.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar, CookiePolicy
from typing import Any, Generic, TypedDict, TypeVar, Unpack
from urllib.parse import urljoin, urlsplit
from urllib.request import Request

import httpcore2
import httpx2

from applinks.errors import InvalidInput, RemoteUnreachable, UnexpectedResponse
from applinks.settings import Settings
from applinks.transport.body import ACCEPT_ENCODING, BoundedDecoder
from applinks.transport.network import DEADLINE, AsyncPinnedBackend, PinnedBackend
from applinks.transport.policy import AddressPolicy, Resolver, system_resolver


@dataclass(slots=True)
class OutboundResponse:
    """A fully read response (capped and decoded), with the URL as the caller asked for it."""

    status_code: int
    headers: httpx2.Headers
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
    def redirect_target(self) -> str | None:
        """The ``Location`` resolved against the URL asked for, when it is an http(s) URL with a host; ``None``
        for anything else (``javascript:``, ``mailto:``, garbage). A remote's Location is never suggested to a
        person (a link to click, a URL to relocate to) unless it is one we could call."""
        if self.location is None:
            return None
        try:
            target = urljoin(self.url, self.location.strip())
            parts = urlsplit(target)
        except ValueError:
            return None
        return target if parts.scheme in ("http", "https") and parts.hostname else None

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

    def timeout(self, deadline: float | None = None) -> httpx2.Timeout:
        read = max(self.read_timeout, deadline or 0.0)
        return httpx2.Timeout(connect=self.connect_timeout, read=read, write=read, pool=self.connect_timeout)


def check_url(url: str) -> tuple[str, str, int]:
    """Validate an outbound URL: http(s), a host httpx2 can send to, no user information; ``InvalidInput``
    otherwise. Returns (scheme, host, port)."""
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
    try:
        # httpx2's parser is stricter (IDNA host names, IPv4 forms): what it cannot send is refused here, and so
        # is a malformed A-label such as "xn--" (no name at all: it is never looked up).
        httpx2.URL(url).raw_host.decode("idna")
    except (httpx2.InvalidURL, UnicodeError) as exc:
        raise InvalidInput(f"{url!r} is not a valid URL: {exc}", key="applinks.url.invalid") from exc
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
    """The typed error for an httpx2 failure."""
    if isinstance(exc, httpx2.TimeoutException):
        if time.monotonic() - started >= deadline - 0.05:
            return RemoteUnreachable(
                f"{url} did not finish answering within the {deadline:g} s deadline; the call was cut off",
                kind="CONNECTION_TIMEOUT",
                url=url,
            )
        what = "accept a connection" if isinstance(exc, httpx2.ConnectTimeout) else "answer"
        return RemoteUnreachable(f"{url} did not {what} in time", kind="CONNECTION_TIMEOUT", url=url)
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


TransportT = TypeVar("TransportT")


class Given(TypedDict, Generic[TransportT], total=False):
    """What a client may be given besides its options: a resolver (tests resolve names themselves) and a
    transport (tests answer in process; the address policy is then checked before sending)."""

    resolver: Resolver | None
    transport: TransportT | None


class CallOptions(TypedDict, total=False):
    """The options of one call: extra headers, a body, a deadline of its own, and the authentication flow."""

    headers: Mapping[str, str] | None
    content: bytes | None
    timeout: float | None
    auth: httpx2.Auth | None


class _NoCookies(CookiePolicy):
    """Refuse every cookie, both ways. The client is shared by every user and every link, so a cookie one
    remote set on one call must never be sent on a later call (made for another user): no call keeps state."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie: Cookie, request: Request) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: Request) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: Request) -> bool:
        return False

    def path_return_ok(self, path: str, request: Request) -> bool:
        return False


class _Base:
    def __init__(self, options: TransportOptions, resolver: Resolver | None, injected: bool) -> None:
        self.options = options
        self.resolver = resolver or system_resolver
        # A transport handed in by a test bypasses the pinned backend: check the policy up front instead.
        self._injected = injected

    def _rules(self) -> dict[str, Any]:
        return {
            "follow_redirects": False,
            "trust_env": False,  # never route through environment proxies
            "cookies": CookieJar(policy=_NoCookies()),  # a jar of its own for each client, which keeps nothing
            "timeout": self.options.timeout(),
        }

    def _exchange(self, url: str, call: CallOptions) -> AbstractContextManager[_Exchange]:
        """Check ``url`` and open one call's exchange (the part the sync and async clients share)."""
        _scheme, host, port = check_url(url)
        if self._injected:
            self.options.policy.check(host, self.resolver(host, port))
        headers = call.get("headers")
        merged = {"Accept-Encoding": ACCEPT_ENCODING, **(dict(headers) if headers else {})}
        return _bounded(_Exchange(url, merged, call, self.options))


@dataclass(slots=True)
class _Exchange:
    """One call as both clients make it: the headers and timeouts to send with, the decoder of the answer and
    the typed result. The clients only do the I/O in between."""

    url: str
    headers: dict[str, str]
    call: CallOptions
    options: TransportOptions
    started: float = 0.0

    @property
    def deadline(self) -> float:
        return self.call.get("timeout") or self.options.deadline

    @property
    def arguments(self) -> dict[str, Any]:
        """What the httpx2 client sends with: redirects are never followed (the caller sees every 3xx)."""
        return {
            "headers": self.headers,
            "content": self.call.get("content"),
            "timeout": self.options.timeout(self.call.get("timeout")),
            "auth": self.call.get("auth"),
        }

    def decoder(self, response: httpx2.Response) -> BoundedDecoder:
        return BoundedDecoder(response.headers.get("content-encoding"), self.options.max_bytes, self.url)

    def result(self, response: httpx2.Response, decoder: BoundedDecoder) -> OutboundResponse:
        body = decoder.finish()
        return OutboundResponse(response.status_code, response.headers, body, self.url, time.monotonic() - self.started)


@contextmanager
def _bounded(exchange: _Exchange) -> Iterator[_Exchange]:
    """Run one exchange under its overall deadline, and turn every failure on the way into a typed error:
    whatever a remote sends must never surface as an untyped exception (a 500 in the web layer)."""
    exchange.started = time.monotonic()
    token = DEADLINE.set(exchange.started + exchange.deadline)
    try:
        yield exchange
    except httpx2.HTTPError as exc:
        raise network_error(exchange.url, exc, exchange.started, exchange.deadline) from exc
    except (httpx2.InvalidURL, UnicodeError) as exc:
        # httpx2 reads a 3xx's Location into a next request even when redirects are not followed; a value it
        # cannot turn into a URL is the remote's fault, never ours.
        raise UnexpectedResponse(f"the answer from {exchange.url} could not be read: {exc}", url=exchange.url) from exc
    finally:
        DEADLINE.reset(token)


# httpx2's defaults (httpx2.Limits()), which building the pool by hand would otherwise lose: httpcore2's own
# default is 10 connections, so ten hanging remotes would stall every other outbound call.
MAX_CONNECTIONS = 100
MAX_KEEPALIVE = 20


def _pool(context: ssl.SSLContext, backend: object) -> dict[str, Any]:
    return {
        "ssl_context": context,
        "network_backend": backend,
        "max_connections": MAX_CONNECTIONS,
        "max_keepalive_connections": MAX_KEEPALIVE,
    }


class _PinnedTransport(httpx2.HTTPTransport):
    def __init__(self, options: TransportOptions, resolver: Resolver) -> None:
        context = options.ssl_context()
        super().__init__(verify=context, trust_env=False)
        # httpx2 builds its pool without a network-backend hook; replacing the pool is the one seam.
        self._pool = httpcore2.ConnectionPool(**_pool(context, PinnedBackend(options.policy, resolver)))


class _AsyncPinnedTransport(httpx2.AsyncHTTPTransport):
    def __init__(self, options: TransportOptions, resolver: Resolver) -> None:
        context = options.ssl_context()
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore2.AsyncConnectionPool(**_pool(context, AsyncPinnedBackend(options.policy, resolver)))


class OutboundClient(_Base):
    """Synchronous outbound HTTP used by every call applinks makes to another application."""

    def __init__(self, options: TransportOptions, **given: Unpack[Given[httpx2.BaseTransport]]) -> None:
        injected = given.get("transport")
        super().__init__(options, given.get("resolver"), injected is not None)
        transport = injected or _PinnedTransport(options, self.resolver)
        self._client = httpx2.Client(transport=transport, **self._rules())

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, url: str, **call: Unpack[CallOptions]) -> OutboundResponse:
        """Send one request and read the whole (capped) answer within the deadline."""
        with self._exchange(url, call) as exchange, self._client.stream(method, url, **exchange.arguments) as response:
            decoder = exchange.decoder(response)
            for chunk in response.iter_raw():
                decoder.feed(chunk)
        return exchange.result(response, decoder)

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> OutboundResponse:
        return self.request("GET", url, headers=headers)


class AsyncOutboundClient(_Base):
    """The same rules for asyncio/anyio callers."""

    def __init__(self, options: TransportOptions, **given: Unpack[Given[httpx2.AsyncBaseTransport]]) -> None:
        injected = given.get("transport")
        super().__init__(options, given.get("resolver"), injected is not None)
        self._client = httpx2.AsyncClient(
            transport=injected or _AsyncPinnedTransport(options, self.resolver), **self._rules()
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(self, method: str, url: str, **call: Unpack[CallOptions]) -> OutboundResponse:
        with self._exchange(url, call) as exchange:
            async with self._client.stream(method, url, **exchange.arguments) as response:
                decoder = exchange.decoder(response)
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
        return exchange.result(response, decoder)

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> OutboundResponse:
        return await self.request("GET", url, headers=headers)
