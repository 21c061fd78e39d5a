"""The authenticated request factory of a link: URLs on the link's RPC URL only, the chosen provider's
signature, 3LO token problems turned into ``CredentialsRequired``, redirects reported, impersonated calls
audited. ``RequestFactory`` is synchronous, ``AsyncRequestFactory`` the same for ``await``."""

from __future__ import annotations

import json as jsonlib
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit

import anyio.to_thread
import httpx2

from applinks.domain.links import Link
from applinks.errors import (
    AppLinksError,
    CredentialsRequired,
    InvalidInput,
    RemoteMoved,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.outbound.providers.names import OAUTH2, ProviderName
from applinks.outbound.tokens import AccessToken
from applinks.transport.client import OutboundResponse, check_url

if TYPE_CHECKING:
    from applinks.outbound.service import OutgoingAuth

# Answers that mean the stored 3LO token is gone for good (protocol.md §5.3).
TOKEN_PROBLEMS = frozenset({"token_expired", "token_rejected", "token_revoked"})
_PROBLEM_HEADER = re.compile(r'oauth_problem="?([A-Za-z_]+)')
Params = Mapping[str, str | int | float | list[str]] | None


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


def resolve_url(link: Link, url: str) -> str:
    """``url`` made absolute against the link's RPC URL; an absolute URL must be on it (same origin, under its
    path). Dot segments are refused rather than resolved, so nothing can climb out of the RPC path."""
    base = link.rpc_url.rstrip("/")
    raw = (url or "").strip()
    parts = urlsplit(raw)
    if raw.startswith("//"):  # protocol-relative: another host, in the link's scheme
        full = urlsplit(base).scheme + ":" + raw
    else:
        full = raw if parts.scheme else urljoin(base + "/", raw.lstrip("/"))
    check_url(full)
    target, origin = urlsplit(full), urlsplit(base)
    segments = [unquote(s) for s in target.path.split("/")]
    if any(s in (".", "..") for s in segments):
        raise InvalidInput(f"{url!r} contains '.' or '..' path segments", key="applinks.url.dot_segments")
    same_origin = (target.scheme, target.hostname, target.port or _default_port(target.scheme)) == (
        origin.scheme,
        origin.hostname,
        origin.port or _default_port(origin.scheme),
    )
    base_path = origin.path.rstrip("/")
    under = target.path == base_path or target.path.startswith(base_path + "/") or (not base_path)
    if not same_origin or not under:
        raise InvalidInput(
            f"{url!r} is not on the RPC URL of {link.name} ({link.rpc_url}); requests through a link may only "
            "go to that application",
            key="applinks.url.other_origin",
        )
    return full


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class _Factory:
    """What the sync and async factories share: URL rules, body encoding, signing, checking the answer."""

    def __init__(
        self,
        service: OutgoingAuth,
        link: Link,
        provider: ProviderName,
        user_name: str | None,
        *,
        acting_as: str | None = None,
        audited: bool = False,
    ) -> None:
        self.service = service
        self.link = link
        self.provider = provider
        self.user_name = user_name
        self.acting_as = acting_as
        self.audited = audited

    def __repr__(self) -> str:
        who = self.acting_as or self.user_name or "anonymous"
        return f"<{type(self).__name__} {self.link.name!r} {self.provider.short} as {who!r}>"

    def url(self, url: str) -> str:
        """The absolute URL a request for ``url`` goes to."""
        return resolve_url(self.link, url)

    def _prepare(
        self,
        url: str,
        params: Params,
        headers: Mapping[str, str] | None,
        content: bytes | str | None,
        json: Any,
        data: Mapping[str, str] | None,
    ) -> tuple[str, dict[str, str], bytes | None]:
        full = self.url(url)
        if params:
            full += ("&" if "?" in full else "?") + urlencode(dict(params), doseq=True)
        sent = dict(headers or {})
        body: bytes | None
        if json is not None:
            body = jsonlib.dumps(json).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = urlencode(dict(data)).encode("ascii")
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            body = content.encode("utf-8") if isinstance(content, str) else content
        return full, sent, body

    def _auth(self) -> tuple[httpx2.Auth | None, AccessToken | None]:
        return self.service.auth_for(self.link, self.provider, self.user_name, self.acting_as)

    def _check(
        self, method: str, url: str, response: OutboundResponse, token: AccessToken | None, return_redirects: bool
    ) -> OutboundResponse:
        self._audit(method, url, response.status_code, "ok" if response.status_code < 400 else "refused")
        if token is not None and response.status_code in (400, 401, 403):
            problem = oauth_problem(response)
            if problem in TOKEN_PROBLEMS and self.user_name:
                self.service.tokens.delete(self.link.id, self.user_name)
                raise self.service.credentials_required(
                    self.link, f"{self.link.name} no longer accepts the stored authorisation ({problem})"
                )
        if (
            self.provider is OAUTH2
            and response.status_code == 401
            and self.user_name
            and 'error="invalid_token"' in response.headers.get("www-authenticate", "")
        ):
            # RFC 6750: the remote no longer accepts the user's OAuth 2.0 token (revoked there): ask again.
            self.service.instance.oauth2_outgoing.forget(self.link.id, self.user_name)
            raise self.service.instance.oauth2_outgoing.credentials_required(
                self.link, f"{self.link.name} no longer accepts the stored OAuth 2.0 authorisation"
            )
        if response.is_redirect and not return_redirects:
            raise RemoteMoved(
                f"{url} answered with a redirect to {response.location}; redirects are not followed",
                location=response.location or "",
                status_code=response.status_code,
            )
        return response

    def _audit(self, method: str, url: str, status: int | None, outcome: str) -> None:
        if self.audited:
            self.service.audit.record(
                link_id=self.link.id,
                link_name=self.link.name,
                local_user=self.user_name,
                acting_as=self.acting_as or self.user_name or "",
                provider=self.provider.short,
                method=method.upper(),
                path=urlsplit(url).path,
                status=status,
                outcome=outcome,
            )

    def _failed(self, method: str, url: str, exc: AppLinksError) -> None:
        if not isinstance(exc, CredentialsRequired):
            self._audit(method, url, None, exc.key)

    def _observe(self, outcome: int | str, started: float) -> None:
        elapsed = time.monotonic() - started
        for observer in self.service.observers:
            observer(self.link, self.provider.short, outcome, elapsed)

    @staticmethod
    def _json_of(method: str, url: str, response: OutboundResponse) -> Any:
        if not response.is_success:
            problem = oauth_problem(response)
            detail = f" (oauth_problem={problem})" if problem else ""
            raise UnexpectedStatus(
                f"{url} answered HTTP {response.status_code}{detail}",
                status_code=response.status_code,
                oauth_problem=problem,
            )
        if response.status_code == 204 or not response.content.strip():
            if method.upper() == "GET":
                # A GET is asked for a document: an empty answer is the remote's fault, not a value (None).
                raise UnexpectedResponse(
                    f"{url} answered HTTP {response.status_code} with an empty body where JSON was expected",
                    key="applinks.remote.empty_body",
                )
            return None
        return response.json()


class RequestFactory(_Factory):
    """Synchronous requests through a link: ``factory.get_json("/rest/api/2/myself")``."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        timeout: float | None = None,
        return_redirects: bool = False,
    ) -> OutboundResponse:
        """Send one request; any status comes back, except that a 3xx raises ``RemoteMoved`` (unless
        ``return_redirects``: redirects are never followed) and a refused 3LO token raises
        ``CredentialsRequired`` (after forgetting the token)."""
        full, sent, body = self._prepare(url, params, headers, content, json, data)
        auth, token = self._auth()
        started = time.monotonic()
        try:
            response = self.service.client.request(
                method.upper(), full, headers=sent, content=body, timeout=timeout, auth=auth
            )
        except AppLinksError as exc:
            self._observe(exc.key, started)
            self._failed(method, full, exc)
            raise
        self._observe(response.status_code, started)
        return self._check(method, full, response, token, return_redirects)

    def get(self, url: str, **kwargs: Any) -> OutboundResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> OutboundResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> OutboundResponse:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> OutboundResponse:
        return self.request("DELETE", url, **kwargs)

    def request_json(self, method: str, url: str, *, json: Any = None, **kwargs: Any) -> Any:
        """A JSON call: the decoded answer, or ``UnexpectedStatus`` for anything but 2xx."""
        headers = {"Accept": "application/json", **dict(kwargs.pop("headers", None) or {})}
        response = self.request(method, url, json=json, headers=headers, **kwargs)
        return self._json_of(method, response.url, response)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.request_json("GET", url, **kwargs)

    def post_json(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request_json("POST", url, json=json, **kwargs)

    def put_json(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request_json("PUT", url, json=json, **kwargs)


class AsyncRequestFactory(_Factory):
    """The same as ``RequestFactory`` for async code: ``await factory.get_json(…)``."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        timeout: float | None = None,
        return_redirects: bool = False,
    ) -> OutboundResponse:
        full, sent, body = self._prepare(url, params, headers, content, json, data)
        # Looking up the credentials may block: database reads, and for OAuth 2.0 a round trip to the token
        # endpoint (refresh, JWT bearer) that may also wait for another node's refresh. Never on the event loop.
        auth, token = await anyio.to_thread.run_sync(self._auth)
        started = time.monotonic()
        try:
            response = await self.service.async_client().request(
                method.upper(), full, headers=sent, content=body, timeout=timeout, auth=auth
            )
        except AppLinksError as exc:
            self._observe(exc.key, started)
            self._failed(method, full, exc)
            raise
        self._observe(response.status_code, started)
        return self._check(method, full, response, token, return_redirects)

    async def get(self, url: str, **kwargs: Any) -> OutboundResponse:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> OutboundResponse:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> OutboundResponse:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> OutboundResponse:
        return await self.request("DELETE", url, **kwargs)

    async def request_json(self, method: str, url: str, *, json: Any = None, **kwargs: Any) -> Any:
        headers = {"Accept": "application/json", **dict(kwargs.pop("headers", None) or {})}
        response = await self.request(method, url, json=json, headers=headers, **kwargs)
        return self._json_of(method, response.url, response)

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        return await self.request_json("GET", url, **kwargs)

    async def post_json(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.request_json("POST", url, json=json, **kwargs)

    async def put_json(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.request_json("PUT", url, json=json, **kwargs)
