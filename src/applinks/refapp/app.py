"""The reference application: users, login page, session cookies and two demo resources, with applinks
mounted exactly as any host would mount it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
from fastapi import FastAPI, Form, Request
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from applinks.crypto import SecretBox
from applinks.errors import AppLinksError, PermissionDenied, RateLimited
from applinks.instance import Instance
from applinks.refapp.host import RefappHost
from applinks.refapp.sessions import SESSION_ID
from applinks.services.rate_limits import LOGIN
from applinks.settings import Settings
from applinks.storage.properties import get_property, set_property_if_absent
from applinks.transport.policy import Resolver
from applinks.web.app import create_app
from applinks.web.csrf import check_csrf
from applinks.web.deps import authenticate_async, client_address
from applinks.web.pages import ADMIN_PATH, CSP, render, templates_with
from applinks.web.response_headers import ResponseHeadersMiddleware

# The host's pages (home, login) are rendered on applinks' one layout, with its filters.
TEMPLATES = templates_with(Path(__file__).parent / "templates")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
MAX_USERNAME = 255
MAX_PASSWORD = 1024


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every response that does not set them itself. Plain ASGI: Starlette's
    ``BaseHTTPMiddleware`` (``@app.middleware``) runs each request through a task group and a memory stream,
    which was most of the cost of an anonymous request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def safe_next(next_url: str | None) -> str:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    candidate = (next_url or "").strip()
    if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return "/"
    # Browsers drop tabs and newlines inside URLs ("/\t/evil.com" becomes "//evil.com").
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in candidate):
        return "/"
    return candidate


def check_same_origin(request: Request, base_url: str) -> None:
    """Refuse form posts that a browser says came from another site (login CSRF, logout CSRF)."""
    origin = request.headers.get("origin")
    if origin is None:  # not a browser, or a same-origin navigation by an old one
        return
    parts = urlsplit(base_url)
    if origin.rstrip("/") != f"{parts.scheme}://{parts.netloc}":
        raise PermissionDenied("the form was posted from another site", key="applinks.csrf.origin")


def session_secret(instance: Instance, box: SecretBox) -> str:
    """The cookie-signing secret: created once, stored encrypted, shared by every node."""
    with instance.engine.begin() as conn:
        sealed = get_property(conn, "session_secret") or set_property_if_absent(
            conn, "session_secret", box.encrypt(secrets.token_urlsafe(32))
        )
    return box.decrypt(sealed)


def build_app(
    settings: Settings, *, resolver: Resolver | None = None, transport: httpx2.BaseTransport | None = None
) -> FastAPI:
    instance = Instance(settings, resolver=resolver, transport=transport)
    settings = instance.settings  # with the instance's stored public settings (name, type, base URL)
    users = RefappHost.attach(instance).users
    links_app = create_app(instance=instance)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        instance.close()

    app = FastAPI(
        title=f"{settings.name} (applinks reference application)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.instance = instance
    app.state.links_app = links_app
    base_path = _path_of(settings.base_url)

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(request, template, status=status, templates=TEMPLATES, **context)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        user = users.current_user(request)
        count = len(instance.links.list()) if user and user.is_administrator else 0
        return page(
            request, "home.html", link_count=count, application_id=instance.application_id, admin_url=ADMIN_PATH
        )

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return page(request, "login.html", next=safe_next(next), username="", error="")

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        username: str = Form(default=""),
        password: str = Form(default=""),
        next: str = Form(default="/"),
    ) -> Response:
        # No length limits in the signature: an oversized field is an error on the form, never a JSON 422.
        try:
            check_same_origin(request, settings.base_url)
        except PermissionDenied:
            return page(
                request, "login.html", status=403, next="/", username="", error="The form came from another site."
            )
        if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD or len(next) > 2048:
            return page(
                request,
                "login.html",
                status=400,
                next=safe_next(next if len(next) <= 2048 else "/"),
                username="",
                error=f"The username can have at most {MAX_USERNAME} characters.",
            )
        # Failed logins are limited per user name and per address, checked before the slow password hash.
        callers = ("user:" + username, "address:" + client_address(request))
        try:
            instance.rate_limits.check(LOGIN, *callers)
        except RateLimited as exc:
            refused = page(
                request,
                "login.html",
                status=429,
                next=safe_next(next),
                username=username,
                error=f"Too many failed logins. Try again in {exc.retry_after} seconds.",
            )
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        user = users.check_password(username, password)
        if user is None:
            instance.rate_limits.failed(LOGIN, *callers)
            return page(
                request,
                "login.html",
                status=401,
                next=safe_next(next),
                username=username,
                error="The username or password is wrong.",
            )
        # A login always starts a new server-side session (rotation: no fixation); the previous one ends.
        previous = request.session.get(SESSION_ID)
        if isinstance(previous, str):
            users.sessions.end(previous)
        request.session.clear()
        request.session[SESSION_ID] = users.sessions.start(user.name)
        return RedirectResponse(settings.base_url + safe_next(next), status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form(default="")) -> Response:
        check_same_origin(request, settings.base_url)
        check_csrf(request, csrf)
        session_id = request.session.get(SESSION_ID)
        if isinstance(session_id, str):
            users.sessions.end(session_id)  # server-side: a copy of the cookie is worthless from now on
        request.session.clear()
        return RedirectResponse(settings.base_url + "/", status_code=303)

    @app.get(
        "/plugins/servlet/applinks/whoami",
        response_class=PlainTextResponse,
        summary="The name of the user this request is authenticated as (empty for anonymous)",
    )
    async def whoami(request: Request) -> PlainTextResponse:
        principal = await authenticate_async(request, links_app)
        return PlainTextResponse(principal.name)

    # Host routes raise applinks errors too; answer them the same way the applinks app does.
    for exc_type, handler in links_app.exception_handlers.items():
        if exc_type is AppLinksError or exc_type is Exception:
            app.add_exception_handler(exc_type, handler)

    app.mount("/", links_app)
    # Innermost, as the route-level headers it defaults were: responses that set their own keep them.
    app.add_middleware(SecurityHeadersMiddleware)
    # Host routes (whoami) authenticate through applinks too: their responses carry its headers.
    app.add_middleware(ResponseHeadersMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(instance, instance.box),
        session_cookie="applinks_session_" + instance.application_id[:8],
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
        path=base_path or "/",
    )
    return app


def _path_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/")
