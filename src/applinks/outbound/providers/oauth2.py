"""Outgoing OAuth 2.0 links (we are the client, protocol.md §8, §10.1): the per-link configuration
(Custom, Atlassian Data Center, Google, Microsoft), each user's authorisation (code + PKCE through the
callback Atlassian's form names), tokens refreshed before they expire — one refresh at a time per user and
link, across nodes too — ``CredentialsRequired`` when the user has not authorised, and JWT bearer
impersonation for links that share their users (the token cached until shortly before it expires)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2

from applinks.auth.oauth2.assertions import sign_assertion
from applinks.auth.oauth2.client import (
    ATLASSIAN,
    CUSTOM,
    ClientFlows,
    Endpoints,
    TokenRequestFailed,
    callback_path,
    endpoints_for,
)
from applinks.auth.oauth2.models import is_loopback_host
from applinks.crypto import SecretBox
from applinks.domain.link import Link
from applinks.errors import CredentialsRequired, InvalidInput, NotFound, PermissionDenied, RemoteError
from applinks.host import HostUser
from applinks.storage.oauth2_outgoing import OAuth2OutgoingRepository, OutgoingRow, StateRow
from applinks.transport.client import OutboundClient, check_url

START_PATH = "/plugins/servlet/oauth2/client/authorize"
STATE_TTL = 600
REFRESH_MARGIN = 60  # refresh (or re-sign) this long before a token expires
LEASE_SECONDS = 30
WAIT_STEP = 0.05


@dataclass(frozen=True, slots=True)
class OutgoingOAuth2Config:
    link_id: str
    kind: str
    client_id: str
    authorize_url: str
    token_url: str
    scope: str
    impersonation: bool
    redirect_url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "linkId": self.link_id,
            "kind": self.kind,
            "clientId": self.client_id,
            "authorizationEndpoint": self.authorize_url,
            "tokenEndpoint": self.token_url,
            "scope": self.scope,
            "impersonation": self.impersonation,
            "redirectUrl": self.redirect_url,
        }


class BearerAuth(httpx2.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class OutgoingOAuth2:
    """``instance.oauth2_outgoing``: outgoing OAuth 2.0 links and the tokens held for their users."""

    def __init__(
        self,
        repository: OAuth2OutgoingRepository,
        box: SecretBox,
        client: OutboundClient,
        *,
        url: Callable[[str], str],
        application_id: Callable[[], str],
        private_pem: Callable[[], bytes],
        allow_http: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repository = repository
        self.box = box
        self.client = client
        self.url = url
        self.application_id = application_id
        self.private_pem = private_pem
        self.allow_http = allow_http
        self.clock = clock
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # JWT bearer tokens (link, user) → (token, expires): steady-state calls sign nothing.
        self._assertion_tokens: dict[tuple[str, str], tuple[str, int]] = {}

    def now(self) -> int:
        return int(self.clock())

    # -- configuration ---------------------------------------------------------------------------------

    def configure(
        self,
        link: Link,
        *,
        kind: str,
        client_id: str,
        client_secret: str | None,
        scope: str = "",
        authorize_url: str | None = None,
        token_url: str | None = None,
        impersonation: bool = False,
        actor: HostUser,
    ) -> OutgoingOAuth2Config:
        if impersonation and not actor.is_sysadmin:
            raise PermissionDenied(
                "only a system administrator can enable impersonation (JWT bearer)", key="applinks.sysadmin"
            )
        kind = (kind or "").strip().lower() or CUSTOM
        endpoints = endpoints_for(
            kind,
            remote_base_url=link.rpc_url,
            authorize_url=authorize_url,
            token_url=token_url,
        )
        for endpoint in (endpoints.authorize_url, endpoints.token_url):
            self._check_endpoint(endpoint)
        client_id = (client_id or "").strip()
        if not client_id or len(client_id) > 255:
            raise InvalidInput("give the client ID the provider issued", key="applinks.oauth2.outgoing.client_id")
        current = self.repository.get(link.id)
        if client_secret:
            sealed = self.box.encrypt(client_secret)
        elif current is not None and current.client_id == client_id:
            sealed = current.client_secret  # keep the secret when only other settings change
        else:
            raise InvalidInput("give the client secret the provider issued", key="applinks.oauth2.outgoing.secret")
        if len(scope) > 1024:
            raise InvalidInput("the scope is too long", key="applinks.oauth2.outgoing.scope")
        row = OutgoingRow(
            link.id,
            kind,
            client_id,
            sealed,
            endpoints.authorize_url,
            endpoints.token_url,
            " ".join(scope.split()),
            impersonation,
        )
        self.repository.save(row, self.now())
        self._assertion_tokens = {k: v for k, v in self._assertion_tokens.items() if k[0] != link.id}
        return self._config(row)

    def _check_endpoint(self, url: str) -> None:
        check_url(url)
        parts = urlsplit(url)
        if parts.scheme != "https" and not self.allow_http and not is_loopback_host(parts.hostname or ""):
            raise InvalidInput(f"{url} must use https", key="applinks.oauth2.outgoing.https")

    def _config(self, row: OutgoingRow) -> OutgoingOAuth2Config:
        return OutgoingOAuth2Config(
            row.link_id,
            row.kind,
            row.client_id,
            row.authorize_url,
            row.token_url,
            row.scope,
            row.impersonation,
            self.redirect_url(row.authorize_url),
        )

    def redirect_url(self, authorize_url: str) -> str:
        """The redirect URL to register at the provider, in Atlassian's form."""
        return self.url(callback_path(authorize_url))

    def redirect_url_for(self, link: Link) -> str:
        """The redirect URL to register at an Atlassian Data Center remote, before anything is configured."""
        return self.redirect_url(endpoints_for(ATLASSIAN, remote_base_url=link.rpc_url).authorize_url)

    def get(self, link_id: str) -> OutgoingOAuth2Config | None:
        row = self.repository.get(link_id)
        return self._config(row) if row is not None else None

    def require(self, link_id: str) -> OutgoingOAuth2Config:
        found = self.get(link_id)
        if found is None:
            raise NotFound("the link has no outgoing OAuth 2.0", key="applinks.oauth2.outgoing.notfound")
        return found

    def remove(self, link_id: str) -> bool:
        self._assertion_tokens = {k: v for k, v in self._assertion_tokens.items() if k[0] != link_id}
        return self.repository.remove(link_id)

    def _flows(self, row: OutgoingRow) -> ClientFlows:
        return ClientFlows(
            self._post,
            client_id=row.client_id,
            client_secret=self.box.decrypt(row.client_secret),
            redirect_uri=self.redirect_url(row.authorize_url),
            scope=row.scope,
            endpoints=Endpoints(row.authorize_url, row.token_url),
        )

    def _post(self, url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        answer = self.client.request("POST", url, headers=headers, content=body)
        return answer.status_code, answer.content

    # -- diagnostics ----------------------------------------------------------------------------------

    def diagnose(self, link: Link, user: str | None) -> tuple[str, str, str | None] | None:
        """What is wrong with this link's OAuth 2.0, as (diagnostic type, details, authorisation URI), or None.
        Probes the remote without side effects: the token endpoint with a refresh token nobody holds (a
        known client gets ``invalid_grant``, an unknown one ``invalid_client``), the authorization endpoint
        with our redirect URL (a registered one is answered with a redirect or a login page, not a 400);
        then, for a user, whether their authorisation still works."""
        row = self._row(link.id)
        try:
            self._flows(row).refresh("applinks-diagnostics-" + secrets.token_urlsafe(8))
            return ("OAUTH2_UNEXPECTED", f"{row.token_url} accepted a refresh token it never issued", None)
        except TokenRequestFailed as exc:
            if exc.error == "invalid_client":
                return (
                    "OAUTH2_INVALID_CLIENT",
                    f"{row.token_url} does not accept client ID {row.client_id}: {exc}",
                    None,
                )
            if exc.error not in ("invalid_grant", "invalid_request"):
                return ("OAUTH2_UNEXPECTED", f"{row.token_url} answered {exc}", None)
        authorization = self._flows(row).authorization()
        answer = self.client.request("GET", authorization.url, headers={"Accept": "text/html"})
        if answer.status_code == 400:
            return (
                "OAUTH2_REDIRECT_MISMATCH",
                f"{row.authorize_url} refuses our redirect URL {self.redirect_url(row.authorize_url)} for client "
                f"{row.client_id}",
                None,
            )
        if user:
            had_token = self.has_token(link.id, user)
            try:
                self.access_token(link, user)
            except CredentialsRequired as exc:
                kind = "OAUTH2_REFRESH_EXPIRED" if had_token else "OAUTH2_AUTHORISATION_REQUIRED"
                return (kind, exc.message, exc.authorisation_uri())
        return None

    # -- the user's authorisation ----------------------------------------------------------------------

    def authorisation_uri(self, link: Link) -> str:
        """Where to send a user so that they authorise us at the remote (our start page, which redirects)."""
        return self.url(START_PATH) + "?" + urlencode({"linkId": link.id})

    def credentials_required(self, link: Link, message: str) -> CredentialsRequired:
        return CredentialsRequired(
            f"{message}; send the user to the authorisation URI",
            authorisation_base=self.authorisation_uri(link),
            link_id=link.id,
        )

    def start(self, link: Link, user: str, redirect_after: str | None = None) -> str:
        """Begin the user's authorisation: the provider's authorization URL to send the browser to."""
        row = self._row(link.id)
        authorization = self._flows(row).authorization()
        now = self.now()
        self.repository.add_state(
            _digest(authorization.state),
            StateRow(link.id, user, self.box.encrypt(authorization.verifier), redirect_after, now + STATE_TTL),
            now,
        )
        return authorization.url

    def finish(self, callback: str, state: str, code: str | None, error: str | None, user: str) -> StateRow:
        """The provider sent the browser back: exchange the code for the user's tokens. The state must be
        one we issued, for this user, to this callback."""
        started = self.repository.take_state(_digest(state)) if state else None
        if started is None or started.expires_at < self.now():
            raise InvalidInput("this authorisation is unknown or has expired; start again", key="applinks.oauth2.state")
        if started.user_name != user:
            raise PermissionDenied("this authorisation was started by another user", key="applinks.oauth2.state")
        row = self._row(started.link_id)
        if callback_path(row.authorize_url) != callback:
            raise InvalidInput("this callback does not belong to that link", key="applinks.oauth2.state")
        if error or not code:
            raise PermissionDenied(
                f"the remote application did not grant access ({error or 'no code'})", key="applinks.oauth2.denied"
            )
        try:
            token = self._flows(row).exchange(code, self.box.decrypt(started.verifier))
        except TokenRequestFailed as exc:
            raise RemoteError(
                f"the remote refused the authorisation code: {exc}", key="applinks.oauth2.exchange"
            ) from exc
        self._store(row.link_id, user, token)
        return started

    def _store(self, link_id: str, user: str, token: Mapping[str, Any]) -> None:
        expires_in = int(token.get("expires_in") or 3600)
        refresh = token.get("refresh_token")
        self.repository.put_token(
            link_id,
            user,
            access_token=self.box.encrypt(str(token["access_token"])),
            refresh_token=self.box.encrypt(str(refresh)) if refresh else None,
            expires_at=self.now() + expires_in,
        )

    def has_token(self, link_id: str, user: str) -> bool:
        return self.repository.token(link_id, user) is not None

    def forget(self, link_id: str, user: str) -> bool:
        return self.repository.delete_token(link_id, user)

    def _row(self, link_id: str) -> OutgoingRow:
        row = self.repository.get(link_id)
        if row is None:
            raise NotFound("the link has no outgoing OAuth 2.0", key="applinks.oauth2.outgoing.notfound")
        return row

    # -- tokens for requests -------------------------------------------------------------------------

    def _lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def access_token(self, link: Link, user: str) -> str:
        """The user's access token at the remote, refreshed first when it is about to expire."""
        with self._lock((link.id, user)):  # one refresh at a time per user and link in this process
            while True:
                stored = self.repository.token(link.id, user)
                if stored is None:
                    raise self.credentials_required(
                        link, f"{user} has not authorised this application at {link.name} yet"
                    )
                now = self.now()
                if stored.expires_at - REFRESH_MARGIN > now:
                    return self.box.decrypt(stored.access_token)
                if stored.refresh_token is None:
                    self.repository.delete_token(link.id, user)
                    raise self.credentials_required(link, f"{user}'s authorisation at {link.name} has expired")
                # Across nodes: one conditional UPDATE decides who refreshes; the others wait for its result.
                if self.repository.take_refresh_lease(
                    link.id, user, now=now, until=now + LEASE_SECONDS, seen_expiry=stored.expires_at
                ):
                    return self._refresh(link, user, self.box.decrypt(stored.refresh_token))
                time.sleep(WAIT_STEP)

    def _refresh(self, link: Link, user: str, refresh_token: str) -> str:
        row = self._row(link.id)
        try:
            token = self._flows(row).refresh(refresh_token)
        except TokenRequestFailed as exc:
            self.repository.delete_token(link.id, user)
            raise self.credentials_required(
                link, f"{link.name} refused to refresh {user}'s authorisation ({exc.error})"
            ) from exc
        if not token.get("refresh_token"):
            token["refresh_token"] = refresh_token
        self._store(link.id, user, token)
        return str(token["access_token"])

    def impersonation_token(self, link: Link, user: str) -> str:
        """A token for ``user`` by JWT bearer: signed with our instance key, cached until shortly before it
        expires (so steady-state calls sign nothing)."""
        row = self._row(link.id)
        if not row.impersonation:
            raise PermissionDenied(
                f"{link.name} does not allow acting as another user over OAuth 2.0",
                key="applinks.impersonation.not_allowed",
            )
        key = (link.id, user)
        cached = self._assertion_tokens.get(key)
        now = self.now()
        if cached is not None and cached[1] - REFRESH_MARGIN > now:
            return cached[0]
        assertion = sign_assertion(
            self.private_pem(), issuer=self.application_id(), subject=user, audience=row.token_url
        )
        try:
            token = self._flows(row).jwt_bearer(assertion)
        except TokenRequestFailed as exc:
            raise RemoteError(
                f"{link.name} refused to let us act as {user} ({exc.error}: {exc.description})",
                key="applinks.oauth2.impersonation_refused",
            ) from exc
        value = str(token["access_token"])
        self._assertion_tokens[key] = (value, now + int(token.get("expires_in") or 3600))
        return value
