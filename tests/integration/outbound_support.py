"""Helpers of the outbound tests: link two live instances, configure OAuth between them over REST, drive a
browser (an httpx2 client with cookies) through login and the 3-legged dance, and a scriptable local OAuth
provider for the cases a real instance cannot misbehave in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.support import LiveInstance, bind_loopback, serve_app

NO_CHECK = {"X-Atlassian-Token": "no-check"}


def link(source: LiveInstance, target: LiveInstance) -> str:
    """``source`` links to ``target`` (its manifest gives the ID); returns the link ID."""
    with source.client() as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": target.url})
        assert created.status_code == 201, created.text
        link_id: str = created.json()["id"]
        return link_id


def trust_consumer(
    provider: LiveInstance,
    consumer: LiveInstance,
    *,
    two_lo: bool = False,
    executing_user: str | None = None,
    impersonation: bool = False,
) -> dict[str, Any]:
    """``provider`` registers ``consumer`` as the incoming OAuth consumer of its link to it (autoConfigure)."""
    body = {
        "twoLOAllowed": two_lo,
        "executingTwoLOUser": executing_user,
        "twoLOImpersonationAllowed": impersonation,
    }
    with provider.client() as client:
        answer = client.put(
            f"/rest/applinks-oauth/1.0/applicationlink/{consumer.application_id}/authentication/consumer",
            params={"autoConfigure": "true"},
            json=body,
        )
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result


def set_provider(
    instance: LiveInstance, link_id: str, provider: str, *, enabled: bool = True, **config: Any
) -> httpx2.Response:
    with instance.client() as client:
        return client.put(
            f"/rest/applinks/2.0/applicationlink/{link_id}/authentication/provider",
            json={"provider": provider, "enabled": enabled, "config": config},
        )


def oauth_pair(
    consumer: LiveInstance,
    provider: LiveInstance,
    *,
    providers: tuple[str, ...] = ("oauth",),
    two_lo: bool = False,
    executing_user: str | None = None,
    impersonation: bool = False,
) -> str:
    """Link both ways, make ``provider`` trust ``consumer``, and enable ``providers`` outgoing on ``consumer``.
    Returns the ID of ``consumer``'s link to ``provider``."""
    link_id = link(consumer, provider)
    link(provider, consumer)
    trust_consumer(provider, consumer, two_lo=two_lo, executing_user=executing_user, impersonation=impersonation)
    for name in providers:
        answer = set_provider(consumer, link_id, name)
        assert answer.status_code == 200, answer.text
    return link_id


@dataclass
class FakeProvider:
    """Answers request-token and access-token as ``modes`` say: ``ok``, ``garbage``, ``error`` or ``html``."""

    url: str = ""
    modes: dict[str, str] = field(default_factory=lambda: {"request": "ok", "access": "ok"})
    hits: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            step = "request" if request.url.path.endswith("request-token") else "access"
            self.hits.append(step)
            self.authorizations.append(request.headers.get("authorization", ""))
            mode = self.modes[step]
            if mode == "garbage":
                return PlainTextResponse("<html>hello</html>\x00\xff")
            if mode == "html":
                return PlainTextResponse("oauth_token_secret=only-a-secret", media_type="text/html")
            if mode == "error":
                return PlainTextResponse(
                    "oauth_problem=signature_invalid",
                    status_code=401,
                    headers={"WWW-Authenticate": 'OAuth realm="x", oauth_problem="signature_invalid"'},
                )
            body = "oauth_token=rt-1&oauth_token_secret=rts&oauth_callback_confirmed=true"
            if step == "access":
                body = "oauth_token=at-1&oauth_token_secret=ats"
            return PlainTextResponse(body, media_type="application/x-www-form-urlencoded")

        async def revoke(request: Request) -> Response:
            self.hits.append("revoke")
            self.authorizations.append(request.headers.get("authorization", ""))
            return PlainTextResponse("revoked")

        async def whoami(request: Request) -> Response:
            return PlainTextResponse(request.headers.get("authorization", ""))

        return Starlette(
            routes=[
                Route("/plugins/servlet/oauth/request-token", token, methods=["POST"]),
                Route("/plugins/servlet/oauth/access-token", token, methods=["POST"]),
                Route("/plugins/servlet/oauth/revoke", revoke, methods=["POST"]),
                Route("/whoami", whoami),
            ]
        )


@contextmanager
def serve_fake() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    sock = bind_loopback()
    provider.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server, thread = serve_app(provider.app(), sock)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Browser:
    """A browser session on one instance: cookies kept, redirects followed by hand (to see each hop)."""

    def __init__(self) -> None:
        self.client = httpx2.Client(trust_env=False, timeout=30, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def login(self, instance: LiveInstance, name: str, password: str) -> None:
        answer = self.client.post(
            instance.url + "/login",
            data={"username": name, "password": password, "next": "/"},
            headers={"Origin": instance.url},
        )
        assert answer.status_code == 303, answer.text

    def logout(self, instance: LiveInstance) -> None:
        for cookie in list(self.client.cookies.jar):
            if cookie.name.startswith("applinks_session_"):
                self.client.cookies.delete(cookie.name, domain=cookie.domain, path=cookie.path)

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.client.get(url, **kwargs)

    def approve(self, provider: LiveInstance, authorize_url: str, *, allow: bool = True) -> httpx2.Response:
        """On the provider's authorize page: read the form and press Allow (or Deny)."""
        page = self.client.get(authorize_url)
        assert page.status_code == 200, page.text
        csrf = _hidden(page.text, "csrf")
        token = parse_qs(urlsplit(authorize_url).query)["oauth_token"][0]
        form = {"oauth_token": token, "csrf": csrf, ("approve" if allow else "deny"): "yes"}
        return self.client.post(
            provider.url + "/plugins/servlet/oauth/authorize", data=form, headers={"Origin": provider.url}
        )


def _hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def dance(
    browser: Browser, consumer: LiveInstance, provider: LiveInstance, link_id: str, *, redirect_url: str | None = None
) -> httpx2.Response:
    """The whole 3-legged dance as a logged-in browser: start on ``consumer``, approve on ``provider``, come
    back. Returns ``consumer``'s answer to the callback."""
    params = {"applicationLinkID": link_id}
    if redirect_url:
        params["redirectUrl"] = redirect_url
    start = browser.get(consumer.url + "/plugins/servlet/applinks/oauth/login-dance/authorize", params=params)
    assert start.status_code == 303, start.text
    authorize_url = start.headers["location"]
    assert authorize_url.startswith(provider.url + "/plugins/servlet/oauth/authorize?oauth_token=")
    decided = browser.approve(provider, authorize_url)
    assert decided.status_code == 303, decided.text
    callback = decided.headers["location"]
    assert callback.startswith(consumer.url + "/plugins/servlet/applinks/oauth/login-dance/access?")
    return browser.get(callback)
