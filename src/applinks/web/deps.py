"""Who is calling: the principal of a request (OAuth, Basic or the host's session) and permission checks.

Authenticators run in order; the first that recognises the request's credentials decides. A request with
credentials that fail is refused (never silently anonymous), except where a protocol says otherwise.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from applinks.auth.oauth2.models import ADMIN, SYSTEM_ADMIN
from applinks.crypto import secrets_equal
from applinks.errors import NotAuthenticated, OAuthProblem, PermissionDenied
from applinks.host import Host, HostUser
from applinks.instance import Instance
from applinks.services.rate_limits import BASIC, LINK_CREATE, SIGNATURE

_SCOPE_KEY = "applinks.principal"
_INSTANCE_KEY = "applinks.instance"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The user a request runs as, and how that was established."""

    user: HostUser | None
    # anonymous | session | basic | oauth | oauth-2lo | oauth-2loi | trusted-apps | oauth2 | oauth2-impersonation
    method: str
    link_id: str | None = None
    # OAuth 2.0 bearer tokens: what the token's scopes allow (None: not limited by scopes).
    scopes: frozenset[str] | None = None

    def check_scope(self, scope: str) -> None:
        """Refuse when the request's token was not granted ``scope`` (the user's own rights apply besides)."""
        if self.scopes is not None and scope not in self.scopes:
            raise PermissionDenied(
                f"the access token's scope does not include {scope}", key="applinks.oauth2.insufficient_scope"
            )

    @property
    def impersonated(self) -> bool:
        """Running as a user named by a remote application, not proven by the user themself."""
        return self.method in ("oauth-2loi", "trusted-apps", "oauth2-impersonation")

    @property
    def name(self) -> str:
        return self.user.name if self.user else ""


ANONYMOUS = Principal(None, "anonymous")

Authenticator = Callable[[Request, Instance], Principal | None]


def instance_of(request: Request, app: Starlette | None = None) -> Instance:
    """The instance serving this request; host routes outside the applinks app pass that ``app``."""
    if app is None and isinstance(request.scope.get(_INSTANCE_KEY), Instance):
        found: Instance = request.scope[_INSTANCE_KEY]
        return found
    instance: Instance = (app or request.app).state.instance
    return instance


def host_of(request: Request) -> Host:
    host = instance_of(request).host
    if host is None:
        raise NotAuthenticated("this instance has no user directory configured")
    return host


def basic_authenticator(request: Request, instance: Instance) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        username, _, password = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise NotAuthenticated("malformed Basic credentials", key="applinks.basic.malformed") from exc
    if instance.host is None:
        raise NotAuthenticated("this instance has no user directory configured")
    # Checked before the (deliberately slow) password hash: a flood of guesses costs nothing once refused.
    callers = ("user:" + username, "address:" + client_address(request))
    instance.rate_limits.check(BASIC, *callers)
    user = instance.host.check_password(username, password)
    if user is None:
        instance.rate_limits.failed(BASIC, *callers)
        raise NotAuthenticated("the username or password is wrong", key="applinks.basic.refused")
    return Principal(user, "basic")


def client_address(request: Request) -> str:
    """The TCP peer of a request (proxy headers are not trusted): what rate limits count per address."""
    return request.client.host if request.client is not None else "unknown"


def signature_caller(request: Request, consumer_key: str) -> str:
    """Who failed signatures are counted against: the consumer key named, from this address (so that someone
    elsewhere sending bad signatures in a consumer's name cannot lock the real consumer out)."""
    return f"consumer:{consumer_key[:200]}@{client_address(request)}"


@contextmanager
def signature_failures_counted(instance: Instance, caller: str) -> Iterator[None]:
    """Refuse ``caller`` with ``RateLimited`` once its refused signed requests fill the window; count each
    ``OAuthProblem`` raised inside."""
    instance.rate_limits.check(SIGNATURE, caller)
    try:
        yield
    except OAuthProblem:
        instance.rate_limits.failed(SIGNATURE, caller)
        raise


def limit_link_creation(request: Request, principal: Principal) -> None:
    """Count one link creation of this user (each makes outbound calls); ``RateLimited`` past the limit."""
    instance_of(request).rate_limits.hit(LINK_CREATE, "user:" + principal.name)


def session_authenticator(request: Request, instance: Instance) -> Principal | None:
    if instance.host is None:
        return None
    user = instance.host.current_user(request)
    return Principal(user, "session") if user is not None else None


def authenticate(request: Request, app: Starlette | None = None) -> Principal:
    """The principal of this request, established once per request and cached on it.

    Host routes (outside the mounted applinks app) pass the applinks ``app`` so that OAuth and Basic
    credentials are understood there too."""
    cached = request.scope.get(_SCOPE_KEY)
    if isinstance(cached, Principal):
        return cached
    state = (app or request.app).state
    instance: Instance = state.instance
    chain: list[Authenticator] = state.authenticators
    request.scope[_INSTANCE_KEY] = instance
    principal = ANONYMOUS
    for authenticator in chain:
        found = authenticator(request, instance)
        if found is not None:
            principal = found
            break
    request.scope[_SCOPE_KEY] = principal
    return principal


def carries_credentials(request: Request) -> bool:
    """Whether the request could carry credentials for any authenticator of the chain: an Authorization or
    Cookie header, a Trusted Applications header, ``oauth_`` parameters in the query, or a body (signed
    form parameters). Authenticators answer a request without any of these from memory, never blocking."""
    for name, _value in request.scope.get("headers", ()):
        if name in (b"authorization", b"cookie") or name.startswith(b"x-seraph-trusted-app"):
            return True
    return b"oauth_" in request.scope.get("query_string", b"") or request.method not in SAFE_METHODS


async def authenticate_async(request: Request, app: Starlette | None = None) -> Principal:
    """``authenticate`` for async endpoints: in a worker thread when an authenticator may block on the
    request's credentials (a database, a password hash, the body), in the event loop when it carries none, so
    that an anonymous request costs no thread hop. (Verifying OAuth 1.0a in the event loop was measured
    slower: a SQLite WAL checkpoint's flush then stalls every connection, not one request.)"""
    if isinstance(request.scope.get(_SCOPE_KEY), Principal) or not carries_credentials(request):
        return authenticate(request, app)
    return await run_in_threadpool(authenticate, request, app)


def check_xsrf(request: Request, principal: Principal) -> None:
    """State changes through a browser session need ``X-Atlassian-Token: no-check`` or a same-origin
    ``Origin`` (cross-site forms can send neither)."""
    if request.method in SAFE_METHODS or principal.method != "session":
        return
    if secrets_equal(request.headers.get("x-atlassian-token", ""), "no-check"):
        return
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") == _origin(instance_of(request).base_url):
        return
    raise PermissionDenied("XSRF check failed: send X-Atlassian-Token: no-check", key="applinks.xsrf")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def require_user(request: Request) -> Principal:
    principal = authenticate(request)
    if principal.user is None:
        raise NotAuthenticated("log in or send credentials to use this resource")
    check_xsrf(request, principal)
    return principal


def require_admin(request: Request) -> Principal:
    """Link management: an administrator acting for themself (never through impersonation)."""
    principal = require_user(request)
    assert principal.user is not None
    if not principal.user.is_administrator:
        raise PermissionDenied("only administrators can manage application links")
    principal.check_scope(ADMIN)
    if principal.impersonated:
        raise PermissionDenied(
            "requests made by impersonation cannot manage application links", key="applinks.impersonation"
        )
    return principal


def require_admin_or_link_itself(request: Request) -> Principal:
    """``require_admin`` with its one exception: an impersonated administrator may DELETE the very link the
    request comes through (without reciprocating) — the remote half of "delete both ends" (protocol.md §6.4)."""
    principal = require_user(request)
    assert principal.user is not None
    if (
        principal.impersonated
        and principal.user.is_administrator
        and request.method == "DELETE"
        and principal.link_id is not None
        and request.path_params.get("link_id") == principal.link_id
        and request.query_params.get("reciprocate", "false").lower() != "true"
    ):
        return principal
    return require_admin(request)


def require_admin_or_own_link_read(request: Request) -> Principal:
    """``require_admin`` with one read-only exception: a linked application signing with its link's OAuth
    (2LO, 2LOi or 3LO) may GET that very link's authentication configuration — Atlassian's status check
    falls back to reading it through the link (protocol.md §10). It can never write, nor read another link."""
    principal = authenticate(request)
    if (
        request.method in SAFE_METHODS
        and principal.method.startswith("oauth")
        and principal.link_id is not None
        and request.path_params.get("link_id") == principal.link_id
    ):
        return principal
    return require_admin(request)


def require_sysadmin(request: Request) -> Principal:
    principal = require_admin(request)
    assert principal.user is not None
    if not principal.user.is_sysadmin:
        raise PermissionDenied("only system administrators can do this", key="applinks.sysadmin")
    principal.check_scope(SYSTEM_ADMIN)
    return principal
