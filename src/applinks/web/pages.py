"""The one Jinja environment of every server-rendered page, the layout's context and the pages' headers.

Every page (administration, wizard, OAuth authorise, token lists, dance errors) extends ``ui/layout.html`` and
is rendered through ``render``: one navigation, one date format, one Content-Security-Policy without
``unsafe-inline`` (styles and scripts are files served from ``web/ui/static``), autoescaping everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from applinks.host import HostUser
from applinks.web.csrf import csrf_token
from applinks.web.deps import instance_of

# Every page template of the library (folders per area: ui/, oauth1/, oauth2/, login_dance/).
PAGE_TEMPLATES = Path(__file__).parent / "templates"

STATIC_PATH = "/plugins/servlet/applinks/static"
ADMIN_PATH = "/plugins/servlet/applinks/listApplicationLinks"
WIZARD_PATH = "/plugins/servlet/applinks/wizard"
LINK_PAGE_PATH = "/plugins/servlet/applinks/link"
DOCS_PATH = "/rest/applinks/docs"
ACCESS_TOKENS_PATH = "/plugins/servlet/oauth/users/access-tokens"  # grants others hold for me
OAUTH2_CLIENTS_PATH = "/plugins/servlet/applinks/oauth2/clients"  # incoming OAuth 2.0 clients (administrators)
OAUTH2_GRANTS_PATH = "/plugins/servlet/oauth2/authorized-applications"  # OAuth 2.0 grants others hold for me
LINKED_ACCOUNTS_PATH = "/plugins/servlet/applinks/oauth/authorised-applications"  # tokens I hold elsewhere

# No inline script or style anywhere; remote applications' icons are never loaded (only local files).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def csp_with_form_target(origin: str) -> str:
    """The page policy that also lets a form's answer redirect to ``origin`` (an OAuth callback): browsers
    check ``form-action`` on that redirect too."""
    return CSP.replace("form-action 'self'", f"form-action 'self' {origin}")


PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
DATE_FORMAT = "%Y-%m-%d %H:%M UTC"


def format_when(value: object) -> str:
    """The one date format of every page: ``2026-12-01 22:06 UTC`` (ISO strings and datetimes alike)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime(DATE_FORMAT)
    return str(value)


def http_url(value: object) -> str | None:
    """``value`` when it is an absolute http(s) URL, else None: a remote never gets a ``javascript:`` link."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        return None
    return text


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGE_TEMPLATES),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
    )
    env.filters["when"] = format_when
    env.filters["http_url"] = http_url
    return env


TEMPLATES = Jinja2Templates(env=_environment())


def templates_with(directory: Path) -> Jinja2Templates:
    """The shared environment seen with a host's own template directory first (same filters, same layout)."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(directory), TEMPLATES.env.loader or jinja2.BaseLoader()])
    return Jinja2Templates(env=TEMPLATES.env.overlay(loader=loader))


@runtime_checkable
class LogoutHost(Protocol):
    """A host that can log a browser out (the layout then shows a Log out button)."""

    def logout_url(self) -> str: ...


def page_user(request: Request) -> HostUser | None:
    """The user the host's session logged in (pages only ever act for a browser session)."""
    host = instance_of(request).host
    if host is None:
        return None
    try:
        return host.current_user(request)
    except AssertionError:  # no session middleware: nobody is logged in
        return None


def layout_context(request: Request) -> dict[str, Any]:
    instance = instance_of(request)
    host = instance.host
    user = page_user(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    nav: list[dict[str, str]] = []
    if user is not None and user.is_administrator:
        nav.append({"id": "nav-links", "label": "Application links", "href": instance.url(ADMIN_PATH)})
        nav.append({"id": "nav-wizard", "label": "Create link", "href": instance.url(WIZARD_PATH)})
        nav.append(
            {"id": "nav-oauth2-clients", "label": "OAuth 2.0 clients", "href": instance.url(OAUTH2_CLIENTS_PATH)}
        )
        # Outgoing OAuth 2.0 (provider presets, the redirect URL to register) goes here once that service exists.
    if user is not None:
        nav.append({"id": "nav-accounts", "label": "My linked accounts", "href": instance.url(LINKED_ACCOUNTS_PATH)})
        nav.append({"id": "nav-grants", "label": "Authorized applications", "href": instance.url(ACCESS_TOKENS_PATH)})
    if user is not None:
        nav.append({"id": "nav-oauth2-grants", "label": "OAuth 2.0 access", "href": instance.url(OAUTH2_GRANTS_PATH)})
    nav.append({"id": "nav-docs", "label": "REST API", "href": instance.url(DOCS_PATH)})
    return {
        "instance_name": instance.settings.name,
        "base": instance.base_url,
        "static": instance.url(STATIC_PATH),
        "user": user,
        "csrf": csrf_token(request),
        "nav": nav,
        "current_path": request.url.path,
        "login_url": host.login_url(here) if host is not None and user is None else None,
        "logout_url": host.logout_url() if isinstance(host, LogoutHost) else None,
        "paths": {
            "admin": instance.url(ADMIN_PATH),
            "wizard": instance.url(WIZARD_PATH),
            "link": instance.url(LINK_PAGE_PATH),
            "access_tokens": instance.url(ACCESS_TOKENS_PATH),
            "linked_accounts": instance.url(LINKED_ACCOUNTS_PATH),
            "oauth2_clients": instance.url(OAUTH2_CLIENTS_PATH),
        },
    }


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    templates: Jinja2Templates = TEMPLATES,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` on the layout; explicit ``context`` wins over the layout's defaults."""
    full = {**layout_context(request), **context}
    response = templates.TemplateResponse(request, template, full, status_code=status)
    response.headers.update(PAGE_HEADERS)
    if headers:
        response.headers.update(headers)
    return response
