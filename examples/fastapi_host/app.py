"""A minimal FastAPI host application with its own users, pages and session, that embeds applinks.

Run it with ``python -m examples.fastapi_host.app`` from the project root; the embedding itself is the
four lines marked ``applinks:`` in ``build_app``.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Form, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse, RedirectResponse, Response

from applinks import Host, HostUser, Settings, authenticate, create_app


@dataclass
class StoredUser:
    user: HostUser
    salt: bytes
    password_hash: bytes


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


class HostUsers(Host):
    """The host's own user directory (in memory here), and the ``applinks.Host`` protocol over it."""

    def __init__(self) -> None:
        self._users: dict[str, StoredUser] = {}
        self._dummy_salt = secrets.token_bytes(16)

    def add(self, name: str, password: str, *, admin: bool = False, sysadmin: bool = False) -> HostUser:
        user = HostUser(name, name.title(), is_admin=admin or sysadmin, is_sysadmin=sysadmin)
        salt = secrets.token_bytes(16)
        self._users[name] = StoredUser(user, salt, _hash(password, salt))
        return user

    def get_user(self, name: str) -> HostUser | None:
        stored = self._users.get(name)
        return stored.user if stored else None

    def check_password(self, name: str, password: str) -> HostUser | None:
        stored = self._users.get(name)
        # Hash even for unknown users, so that a wrong name takes as long as a wrong password.
        computed = _hash(password, stored.salt if stored else self._dummy_salt)
        if stored is None or not hmac.compare_digest(computed, stored.password_hash) or not stored.user.can_login:
            return None
        return stored.user

    def current_user(self, request: Request) -> HostUser | None:
        name = request.session.get("user") if "session" in request.scope else None
        return self.get_user(name) if isinstance(name, str) else None

    def login_url(self, next_url: str) -> str:
        return "/login?" + urlencode({"next": next_url})


def _local(next_url: str) -> str:
    """Only local paths after login: never an open redirect."""
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or not next_url.startswith("/") or next_url.startswith("//"):
        return "/"
    return next_url


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>{body}")


def build_app(settings: Settings, users: HostUsers, *, session_secret: str | None = None) -> FastAPI:
    links_app = create_app(settings, users)  # applinks: the linkable part, over the host's users
    app = FastAPI(title="Example host", lifespan=links_app.router.lifespan_context)  # applinks: close on stop

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        user = users.current_user(request)
        who = f"Signed in as {html.escape(user.name)}." if user else '<a href="/login">Log in</a>'
        return _page("Example host", f'<p>{who}</p><p><a href="/account">Your account</a></p>')

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return _page(
            "Log in",
            '<form method="post" action="/login">'
            f'<input type="hidden" name="csrf" value="{html.escape(_csrf(request))}">'
            f'<input type="hidden" name="next" value="{html.escape(_local(next))}">'
            '<input name="username"> <input name="password" type="password"> <button>Log in</button></form>',
        )

    @app.post("/login")
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form("/"),
        csrf: str = Form(""),
    ) -> Response:
        if not hmac.compare_digest(csrf.encode(), _csrf(request).encode()):
            return _page("Log in", "<p>The form expired; reload and try again.</p>")
        user = users.check_password(username, password)
        if user is None:
            return RedirectResponse("/login?" + urlencode({"next": _local(next)}), status_code=303)
        request.session.clear()
        request.session["user"] = user.name
        return RedirectResponse(_local(next), status_code=303)

    @app.get("/account", response_class=HTMLResponse)
    def account(request: Request) -> Response:
        # applinks: one question answers who is calling — the host's session, Basic or a linked application.
        principal = authenticate(request, links_app)
        if principal.user is None:
            return RedirectResponse(users.login_url("/account"), status_code=303)
        name, method = html.escape(principal.user.name), html.escape(principal.method)
        return _page("Your account", f'<p>You are <b id="user">{name}</b> (via <i id="method">{method}</i>).</p>')

    app.mount("/", links_app)  # applinks: manifest, REST API and protocol endpoints (after the host's routes)
    app.add_middleware(SessionMiddleware, secret_key=session_secret or secrets.token_urlsafe(32), same_site="lax")
    return app


def cli_host() -> HostUsers:
    """The host's users for the applinks command line, so that ``--as admin`` is this host's admin:
    ``applinks --app examples.fastapi_host.app:cli_host --data-dir example-data link delete NAME --both-ends
    --as admin``. A real host returns its user directory here (the same one its web app uses)."""
    users = HostUsers()
    users.add("admin", os.environ.get("EXAMPLE_ADMIN_PASSWORD") or secrets.token_urlsafe(12), sysadmin=True)
    return users


def main() -> None:
    """Serve the example on http://127.0.0.1:8070 with an ``admin`` whose password is printed."""
    import uvicorn

    settings = Settings(
        data_dir=os.environ.get("APPLINKS_DATA_DIR", "example-data"),
        base_url=os.environ.get("APPLINKS_BASE_URL", "http://127.0.0.1:8070"),
        name=os.environ.get("APPLINKS_NAME", "Example host"),
    )
    users = HostUsers()
    password = os.environ.get("EXAMPLE_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    users.add("admin", password, sysadmin=True)
    print(f"Example host at {settings.base_url} — log in as admin / {password}")
    parts = urlsplit(settings.base_url)
    uvicorn.run(build_app(settings, users), host=parts.hostname or "127.0.0.1", port=parts.port or 80)


if __name__ == "__main__":
    main()
