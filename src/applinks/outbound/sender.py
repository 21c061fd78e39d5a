"""Sending one request through a link, in one pass: the chosen provider's credentials, the hardened client,
then the answer checked (a refused 3LO token forgotten, redirects reported), audited and observed."""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import anyio.to_thread

from applinks.domain.link import Link
from applinks.errors import AppLinksError, CredentialsRequired, RemoteMoved
from applinks.outbound.audit import AuditLog
from applinks.outbound.credentials import Credentials
from applinks.outbound.providers.names import OAUTH2, ProviderName
from applinks.outbound.tokens import AccessToken
from applinks.transport.client import AsyncOutboundClient, OutboundClient, OutboundResponse

# Answers that mean the stored 3LO token is gone for good (protocol.md §5.3).
TOKEN_PROBLEMS = frozenset({"token_expired", "token_rejected", "token_revoked"})
_PROBLEM_HEADER = re.compile(r'oauth_problem="?([A-Za-z_]+)')

# Told of every request made through a link: (link, provider short name, HTTP status or error key, seconds).
# Diagnostics' metrics listen here; an observer must not raise.
Observer = Callable[[Link, str, int | str, float], None]


def oauth_problem(response: OutboundResponse) -> str | None:
    """The ``oauth_problem`` of an answer, from ``WWW-Authenticate`` or a form-encoded body."""
    match = _PROBLEM_HEADER.search(response.headers.get("www-authenticate", ""))
    if match:
        return match.group(1)
    if b"oauth_problem=" in response.content[:4096]:
        for name, value in parse_qsl(response.text[:4096]):
            if name == "oauth_problem":
                return value
    return None


@dataclass(frozen=True, slots=True)
class Call:
    """Who calls whom: the link, the chosen provider, the local user, the remote user acted as."""

    link: Link
    provider: ProviderName
    user_name: str | None
    acting_as: str | None = None
    audited: bool = False

    def __repr__(self) -> str:
        who = self.acting_as or self.user_name or "anonymous"
        return f"{self.link.name!r} {self.provider.short} as {who!r}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One prepared request: method, absolute URL (already confined to the link), headers, body."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    timeout: float | None
    return_redirects: bool


class Sender:
    """Sends prepared requests for every link of an instance, sync or async."""

    def __init__(
        self, client: OutboundClient, credentials: Credentials, audit: AuditLog, observers: list[Observer]
    ) -> None:
        self.client = client
        self.credentials = credentials
        self.audit = audit
        self.observers = observers
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOutboundClient] = (
            weakref.WeakKeyDictionary()
        )

    def async_client(self) -> AsyncOutboundClient:
        """One async client per event loop (connections belong to the loop that opened them)."""
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = AsyncOutboundClient(self.client.options, resolver=self.client.resolver)
            self._async_clients[loop] = client
        return client

    def send(self, call: Call, out: Outgoing) -> OutboundResponse:
        auth, token = self.credentials.auth_for(call.link, call.provider, call.user_name, call.acting_as)
        started = time.monotonic()
        try:
            response = self.client.request(
                out.method, out.url, headers=out.headers, content=out.content, timeout=out.timeout, auth=auth
            )
        except AppLinksError as exc:
            self._failed(call, out, exc, started)
            raise
        return self._answered(call, out, response, token, started)

    async def send_async(self, call: Call, out: Outgoing) -> OutboundResponse:
        # Looking up the credentials may block: database reads, and for OAuth 2.0 a round trip to the token
        # endpoint (refresh, JWT bearer) that may also wait for another node's refresh. Never on the event loop.
        auth, token = await anyio.to_thread.run_sync(
            self.credentials.auth_for, call.link, call.provider, call.user_name, call.acting_as
        )
        started = time.monotonic()
        try:
            response = await self.async_client().request(
                out.method, out.url, headers=out.headers, content=out.content, timeout=out.timeout, auth=auth
            )
        except AppLinksError as exc:
            self._failed(call, out, exc, started)
            raise
        return self._answered(call, out, response, token, started)

    def close(self) -> None:
        self._async_clients.clear()

    # -- after the round trip --------------------------------------------------------------------------
    def _answered(
        self, call: Call, out: Outgoing, response: OutboundResponse, token: AccessToken | None, started: float
    ) -> OutboundResponse:
        self._observe(call, response.status_code, started)
        self._audit(call, out, response.status_code, "ok" if response.status_code < 400 else "refused")
        if token is not None and response.status_code in (400, 401, 403):
            problem = oauth_problem(response)
            if problem in TOKEN_PROBLEMS and call.user_name:
                self.credentials.tokens.delete(call.link.id, call.user_name)
                raise self.credentials.credentials_required(
                    call.link, f"{call.link.name} no longer accepts the stored authorisation ({problem})"
                )
        if (
            call.provider is OAUTH2
            and response.status_code == 401
            and call.user_name
            and 'error="invalid_token"' in response.headers.get("www-authenticate", "")
        ):
            # RFC 6750: the remote no longer accepts the user's OAuth 2.0 token (revoked there): ask again.
            self.credentials.oauth2.forget(call.link.id, call.user_name)
            raise self.credentials.oauth2.credentials_required(
                call.link, f"{call.link.name} no longer accepts the stored OAuth 2.0 authorisation"
            )
        if response.is_redirect and not out.return_redirects:
            raise RemoteMoved(
                f"{out.url} answered with a redirect to {response.location}; redirects are not followed",
                location=response.location or "",
                status_code=response.status_code,
            )
        return response

    def _failed(self, call: Call, out: Outgoing, exc: AppLinksError, started: float) -> None:
        self._observe(call, exc.key, started)
        if not isinstance(exc, CredentialsRequired):
            self._audit(call, out, None, exc.key)

    def _audit(self, call: Call, out: Outgoing, status: int | None, outcome: str) -> None:
        if call.audited:
            self.audit.record(
                link_id=call.link.id,
                link_name=call.link.name,
                local_user=call.user_name,
                acting_as=call.acting_as or call.user_name or "",
                provider=call.provider.short,
                method=out.method,
                path=urlsplit(out.url).path,
                status=status,
                outcome=outcome,
            )

    def _observe(self, call: Call, outcome: int | str, started: float) -> None:
        elapsed = time.monotonic() - started
        for observer in self.observers:
            observer(call.link, call.provider.short, outcome, elapsed)
