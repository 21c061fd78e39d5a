"""The authenticated request factory of a link: URLs on the link's RPC URL only, bodies encoded, then one
pass through the ``Sender`` (the chosen provider's signature, 3LO token problems turned into
``CredentialsRequired``, redirects reported, impersonated calls audited). ``RequestFactory`` is synchronous,
``AsyncRequestFactory`` the same for ``await``."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from applinks.domain.link import Link
from applinks.errors import InvalidInput, UnexpectedResponse, UnexpectedStatus
from applinks.outbound.providers.names import ProviderName
from applinks.outbound.sender import Call, Outgoing, Sender, oauth_problem
from applinks.transport.client import OutboundResponse, check_url

Params = Mapping[str, str | int | float | list[str]] | None


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
    """What the sync and async factories share: URL rules, body encoding, reading a JSON answer."""

    def __init__(self, sender: Sender, call: Call) -> None:
        self._sender = sender
        self.call = call

    @property
    def link(self) -> Link:
        return self.call.link

    @property
    def provider(self) -> ProviderName:
        """The provider protocol.md §5.4 chose (or the one asked for)."""
        return self.call.provider

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.call!r}>"

    def url(self, url: str) -> str:
        """The absolute URL a request for ``url`` goes to."""
        return resolve_url(self.link, url)

    def _prepare(
        self,
        method: str,
        url: str,
        params: Params,
        headers: Mapping[str, str] | None,
        content: bytes | str | None,
        json: Any,
        data: Mapping[str, str] | None,
        timeout: float | None,
        return_redirects: bool,
    ) -> Outgoing:
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
        return Outgoing(method.upper(), full, sent, body, timeout, return_redirects)

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
        out = self._prepare(method, url, params, headers, content, json, data, timeout, return_redirects)
        return self._sender.send(self.call, out)

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
        out = self._prepare(method, url, params, headers, content, json, data, timeout, return_redirects)
        return await self._sender.send_async(self.call, out)

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
