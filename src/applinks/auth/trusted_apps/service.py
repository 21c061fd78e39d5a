"""Trusted Applications per link: our published certificate, the remotes we trust, the links we send as a
user on, and auto-configuration of both ends (protocol.md §9.1 steps 1 and 8). Legacy: never offered for
new links; an administrator enables it on an existing link."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from applinks.auth.trusted_apps.protocol import (
    AUTOCONFIG_PATH,
    CERTIFICATE_PATH,
    PROTOCOL_VERSION,
    PublishedCertificate,
    parse_certificate,
    public_key_b64,
    trusted_application_id,
)
from applinks.auth.trusted_apps.signer import TrustedAppsAuth, TrustedAppsSigner
from applinks.auth.trusted_apps.verifier import check_ip_pattern
from applinks.domain.link import Link
from applinks.domain.trusted_apps import DEFAULT_CERTIFICATE_TIMEOUT_MS, TrustedApp
from applinks.errors import (
    Conflict,
    InvalidInput,
    LinkNotFound,
    RemoteCredentialsRefused,
    RemoteMoved,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.storage import links as links_repo
from applinks.storage import trusted_apps as repo
from applinks.storage.oauth_nonces import NonceStore, SqlNonceStore
from applinks.transport.client import OutboundClient

MAX_CERTIFICATE_BYTES = 16 * 1024
MAX_TIMEOUT_MS = 10 * 60 * 1000
MAX_PATTERNS = 50
TRUSTED_NONCE_PREFIX = "trusted-apps:"  # its certificates share the nonce store with OAuth consumer keys


@dataclass(frozen=True, slots=True)
class RemoteAdmin:
    """An administrator of the remote application, for configuring its end (never stored)."""

    username: str
    password: str = field(repr=False)

    def authorization(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class TrustedAppsState:
    """Trusted Applications on one link: whom we trust (incoming) and whether we send as users (outgoing)."""

    link_id: str
    incoming: TrustedApp | None
    outgoing: bool

    @property
    def configured(self) -> bool:
        return self.incoming is not None or self.outgoing

    def to_json(self) -> dict[str, Any]:
        return {
            "linkId": self.link_id,
            "incoming": self.incoming.to_json() if self.incoming else None,
            "outgoing": self.outgoing,
            "configured": self.configured,
        }


@dataclass(frozen=True)
class ConfigureResult:
    """What enabling or disabling did on each end. ``remote`` is ``configured``, ``removed`` or ``skipped``."""

    state: TrustedAppsState
    remote: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"local": self.state.to_json(), "remote": self.remote, "message": self.message}


def clean_patterns(
    ip_patterns: Iterable[str] = (), url_patterns: Iterable[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Patterns as stored: IP patterns checked, URL patterns absolute paths; blanks dropped."""
    ips = tuple(p.strip() for p in ip_patterns if p.strip())
    urls = tuple(p.strip() for p in url_patterns if p.strip())
    if len(ips) > MAX_PATTERNS or len(urls) > MAX_PATTERNS:
        raise InvalidInput(f"at most {MAX_PATTERNS} patterns of each kind", key="applinks.trusted.patterns")
    for pattern in ips:
        try:
            check_ip_pattern(pattern)
        except ValueError as exc:
            raise InvalidInput(f"{pattern!r} is not an IP pattern", key="applinks.trusted.ip_pattern") from exc
    for pattern in urls:
        if not pattern.startswith("/") or len(pattern) > 255 or any(ord(c) < 0x21 for c in pattern):
            raise InvalidInput(
                f"{pattern!r} is not a URL pattern (a path starting with /)", key="applinks.trusted.url_pattern"
            )
    return ips, urls


class TrustedAppsService:
    """Reads and changes Trusted Applications configuration; each change is one transaction."""

    def __init__(
        self,
        engine: Engine,
        outbound: OutboundClient,
        *,
        application_type: str,
        server_id: str,
        private_key: rsa.RSAPrivateKey,
        own_link_id: Callable[[], str],
        nonces: NonceStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        # Certificates seen, in the store OAuth nonces use (shared by cluster nodes): replay protection.
        self.nonces: NonceStore = nonces if nonces is not None else SqlNonceStore(engine)
        self._clock = clock
        self.outbound = outbound
        self.application_id = trusted_application_id(application_type, server_id)
        self.certificate = PublishedCertificate(
            self.application_id, public_key_b64(private_key.public_key()), PROTOCOL_VERSION
        )
        self.signer = TrustedAppsSigner(self.application_id, private_key)
        self._own_link_id = own_link_id

    # -- reads ---------------------------------------------------------------------------------------
    def _link(self, link_id: str) -> Link:
        with self.engine.connect() as conn:
            link = links_repo.get_link(conn, link_id) if 0 < len(link_id) <= 64 else None
        if link is None:
            raise LinkNotFound(f"no application link with ID {link_id!r}", link_id=link_id)
        return link

    def state(self, link_id: str) -> TrustedAppsState:
        link = self._link(link_id)
        with self.engine.connect() as conn:
            return TrustedAppsState(link.id, repo.get_for_link(conn, link.id), repo.outgoing_enabled(conn, link.id))

    def find(self, application_id: str) -> TrustedApp | None:
        """The application trusted under this Trusted Applications ID (the ``X-Seraph-Trusted-App-ID``)."""
        if not application_id or len(application_id) > 255 or "\0" in application_id:
            return None
        with self.engine.connect() as conn:
            return repo.get_by_application_id(conn, application_id)

    def first_use(self, app: TrustedApp, timestamp_ms: int, signature: bytes) -> bool:
        """Record a verified certificate as (application, timestamp, signature); False when it was seen before.
        Kept until its timestamp leaves the certificate timeout, after which ``OLD_CERT`` refuses it anyway."""
        return self.nonces.use(
            TRUSTED_NONCE_PREFIX + app.application_id,
            "",
            timestamp_ms,
            hashlib.sha256(signature).hexdigest(),
            expires_at=(timestamp_ms + app.certificate_timeout_ms) // 1000 + 1,
            now=int(self._clock()),
        )

    def outgoing_enabled(self, link_id: str) -> bool:
        with self.engine.connect() as conn:
            return repo.outgoing_enabled(conn, link_id)

    def auth(self, link_id: str, username: str) -> TrustedAppsAuth:
        """The ``httpx2.Auth`` sending requests on this link as ``username`` (outgoing must be enabled)."""
        if not self.outgoing_enabled(link_id):
            raise Conflict(
                "Trusted Applications is not enabled for outgoing requests on this link",
                key="applinks.trusted.outgoing_disabled",
            )
        return TrustedAppsAuth(self.signer, username)

    # -- the remote's certificate ----------------------------------------------------------------------
    def fetch_certificate(self, base_url: str) -> PublishedCertificate:
        """``GET <base>/admin/appTrustCertificate`` through the hardened client; redirects are reported."""
        url = base_url.rstrip("/") + CERTIFICATE_PATH
        response = self.outbound.get(url, headers={"Accept": "text/plain"})
        if response.is_redirect:
            raise RemoteMoved(f"{url} redirects to {response.location}", location=response.location or "")
        if response.status_code != 200:
            raise UnexpectedStatus(
                f"{url} answered HTTP {response.status_code}: the application publishes no trust certificate",
                status_code=response.status_code,
            )
        if len(response.content) > MAX_CERTIFICATE_BYTES:
            raise UnexpectedResponse(f"the trust certificate at {url} is too large")
        try:
            text = response.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnexpectedResponse(f"the trust certificate at {url} is not UTF-8 text") from exc
        return parse_certificate(text)

    # -- local configuration ---------------------------------------------------------------------------
    def configure_local(
        self,
        link_id: str,
        *,
        incoming: bool = True,
        outgoing: bool = True,
        certificate: PublishedCertificate | None = None,
        certificate_timeout_ms: int = DEFAULT_CERTIFICATE_TIMEOUT_MS,
        ip_patterns: Iterable[str] = (),
        url_patterns: Iterable[str] = (),
    ) -> TrustedAppsState:
        """Trust the remote (its certificate is fetched from the link's RPC URL unless given) and/or send as
        users to it. Both changes are one transaction."""
        link = self._link(link_id)
        if not 1 <= certificate_timeout_ms <= MAX_TIMEOUT_MS:
            raise InvalidInput(
                f"the certificate timeout must be between 1 and {MAX_TIMEOUT_MS} ms", key="applinks.trusted.timeout"
            )
        ips, urls = clean_patterns(ip_patterns, url_patterns)
        trusted: TrustedApp | None = None
        if incoming:
            cert = certificate or self.fetch_certificate(link.rpc_url)
            if cert.application_id == self.application_id:
                raise Conflict("that certificate is this application's own", key="applinks.trusted.self")
            trusted = TrustedApp(link.id, cert.application_id, cert.public_key_b64, certificate_timeout_ms, ips, urls)
        try:
            with self.engine.begin() as conn:
                if trusted is not None:
                    other = repo.get_by_application_id(conn, trusted.application_id)
                    if other is not None and other.link_id != link.id:
                        raise Conflict(
                            f"the application {trusted.application_id} is already trusted for link {other.link_id}",
                            key="applinks.trusted.duplicate",
                        )
                    repo.put(conn, trusted)
                if outgoing:
                    repo.enable_outgoing(conn, link.id)
        except IntegrityError as exc:
            raise Conflict(
                "the Trusted Applications configuration changed concurrently; try again", key="applinks.trusted.race"
            ) from exc
        return self.state(link.id)

    def unconfigure_local(self, link_id: str, *, incoming: bool = True, outgoing: bool = True) -> TrustedAppsState:
        link = self._link(link_id)
        with self.engine.begin() as conn:
            if incoming:
                repo.delete_for_link(conn, link.id)
            if outgoing:
                repo.disable_outgoing(conn, link.id)
        return self.state(link.id)

    # -- both ends -------------------------------------------------------------------------------------
    def enable(
        self,
        link_id: str,
        *,
        remote: RemoteAdmin | None = None,
        certificate_timeout_ms: int = DEFAULT_CERTIFICATE_TIMEOUT_MS,
        ip_patterns: Iterable[str] = (),
        url_patterns: Iterable[str] = (),
    ) -> ConfigureResult:
        """Enable Trusted Applications in both directions on an existing link: on the remote first (it fetches
        our certificate and trusts it) when its administrator's credentials are given, then here."""
        link = self._link(link_id)
        clean_patterns(ip_patterns, url_patterns)  # refuse bad input before touching the remote
        remote_result, message = "skipped", "the remote end was not configured: no remote administrator given"
        if remote is not None:
            self._autoconfigure_remote(link, "PUT", remote)
            remote_result, message = "configured", f"{link.name} now trusts this application and sends as its users"
        state = self.configure_local(
            link.id, certificate_timeout_ms=certificate_timeout_ms, ip_patterns=ip_patterns, url_patterns=url_patterns
        )
        return ConfigureResult(state, remote_result, message)

    def disable(self, link_id: str, *, remote: RemoteAdmin | None = None) -> ConfigureResult:
        """Remove Trusted Applications in both directions: on the remote (when credentials are given), then here."""
        link = self._link(link_id)
        remote_result, message = "skipped", "the remote end was not changed: no remote administrator given"
        if remote is not None:
            self._autoconfigure_remote(link, "DELETE", remote)
            remote_result, message = "removed", f"{link.name} no longer trusts this application"
        return ConfigureResult(self.unconfigure_local(link.id), remote_result, message)

    def _autoconfigure_remote(self, link: Link, method: str, remote: RemoteAdmin) -> None:
        url = link.rpc_url + AUTOCONFIG_PATH + quote(self._own_link_id(), safe="")
        response = self.outbound.request(
            method,
            url,
            headers={
                "Authorization": remote.authorization(),
                "X-Atlassian-Token": "no-check",
                "Accept": "application/json",
            },
        )
        if response.is_redirect:
            raise RemoteMoved(f"{url} redirects to {response.location}", location=response.location or "")
        if response.status_code in (401, 403):
            raise RemoteCredentialsRefused(
                f"{link.name} refused the administrator credentials of {remote.username!r} "
                f"(HTTP {response.status_code}); Trusted Applications needs a system administrator there"
            )
        if response.status_code == 404:
            raise UnexpectedStatus(
                f"{link.name} has no link to this application, or does not support Trusted Applications "
                "auto-configuration (HTTP 404)",
                status_code=404,
            )
        if not 200 <= response.status_code < 300:
            raise UnexpectedStatus(
                f"{link.name} could not configure Trusted Applications (HTTP {response.status_code})",
                status_code=response.status_code,
            )
