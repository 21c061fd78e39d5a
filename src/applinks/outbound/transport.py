"""The hardened outbound transport: address policy, pinned resolution, no redirects, caps and deadlines."""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from applinks.errors import (
    InvalidInput,
    RemoteUnreachable,
    UnexpectedResponse,
)
from applinks.outbound.policy import AddressPolicy, Resolver, system_resolver
from applinks.settings import Settings


@dataclass(slots=True)
class OutboundResponse:
    """A fully read response (capped), with the URL as the caller asked for it."""

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


@dataclass
class TransportOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    ca_bundle: str | None = None
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
            if code == 62 or "hostname" in message.lower() or "ip address mismatch" in message.lower():
                return "SSL_HOSTNAME_UNMATCHED", f"the certificate does not match the host name ({message})"
            if code in (18, 19, 20, 21, 2, 27):
                return "SSL_UNTRUSTED", f"the certificate chain is not trusted ({message})"
            if code == 10:
                return "SSL_UNMATCHED", f"the certificate has expired ({message})"
            return "SSL_UNMATCHED", f"the certificate was refused ({message})"
        if isinstance(seen, ssl.SSLError):
            return "SSL_UNMATCHED", f"the TLS handshake failed ({seen})"
        seen = seen.__cause__ or seen.__context__
    return None


class OutboundClient:
    """Synchronous outbound HTTP used by every call applinks makes to another application."""

    def __init__(
        self,
        options: TransportOptions,
        *,
        resolver: Resolver | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.options = options
        self.resolver = resolver or system_resolver
        verify: ssl.SSLContext = ssl.create_default_context(cafile=options.ca_bundle)
        self._client = httpx.Client(
            verify=verify,
            follow_redirects=False,
            trust_env=False,  # never route through environment proxies
            transport=transport,
            timeout=httpx.Timeout(
                connect=options.connect_timeout,
                read=options.read_timeout,
                write=options.read_timeout,
                pool=options.connect_timeout,
            ),
        )

    def close(self) -> None:
        self._client.close()

    def pinned(self, url: str) -> tuple[str, dict[str, str], dict[str, str]]:
        """Resolve once, check the address, and rewrite the URL to it (no DNS rebinding between check and
        connect). Returns the URL to connect to, headers to add and request extensions."""
        scheme, host, port = check_url(url)
        address = self.options.policy.check(host, self.resolver(host, port))
        parts = urlsplit(url)
        literal = f"[{address}]" if ":" in address else address
        default_port = 443 if scheme == "https" else 80
        netloc = literal if port == default_port else f"{literal}:{port}"
        host_header = parts.netloc.rsplit("@", 1)[-1]
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        return (
            urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")),
            {"Host": host_header},
            extensions,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout: float | None = None,
    ) -> OutboundResponse:
        """Send one request; raises ``RemoteUnreachable``/``AddressRefused``/``UnexpectedResponse``."""
        target, extra_headers, extensions = self.pinned(url)
        all_headers = {**extra_headers, **(dict(headers) if headers else {})}
        deadline = timeout or self.options.deadline
        started = time.monotonic()
        request = self._client.build_request(
            method, target, headers=all_headers, content=content, extensions=extensions
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise RemoteUnreachable(f"{url} did not answer in time", kind="TIMEOUT", url=url) from exc
        except httpx.HTTPError as exc:
            raise self._network_error(url, exc) from exc
        try:
            body = bytearray()
            try:
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self.options.max_bytes:
                        raise UnexpectedResponse(
                            f"the response from {url} is larger than {self.options.max_bytes} bytes",
                            url=url,
                        )
                    if time.monotonic() - started > deadline:
                        raise RemoteUnreachable(
                            f"{url} did not finish answering within {deadline:g} s", kind="TIMEOUT", url=url
                        )
            except httpx.TimeoutException as exc:
                raise RemoteUnreachable(f"{url} stopped answering", kind="TIMEOUT", url=url) from exc
            except httpx.DecodingError as exc:
                raise UnexpectedResponse(f"the response from {url} cannot be decoded", url=url) from exc
            except httpx.HTTPError as exc:
                raise self._network_error(url, exc) from exc
        finally:
            response.close()
        return OutboundResponse(response.status_code, response.headers, bytes(body), url, time.monotonic() - started)

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> OutboundResponse:
        return self.request("GET", url, headers=headers)

    @staticmethod
    def _network_error(url: str, exc: Exception) -> RemoteUnreachable:
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
