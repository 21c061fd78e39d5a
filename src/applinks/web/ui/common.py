"""What every administration page shares: who may see it, form checks (CSRF token + Origin), flash messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from applinks.errors import AppLinksError, PermissionDenied
from applinks.host import HostUser
from applinks.web.csrf import check_csrf
from applinks.web.deps import instance_of
from applinks.web.pages import page_user, render

_FLASH = "applinks.flash"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_form(request: Request, csrf: str | None) -> None:
    """A state-changing form post: the session's CSRF token, and (when the browser says) our own origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/").lower() != _origin(instance_of(request).base_url):
        raise PermissionDenied("the form was posted from another site", key="applinks.csrf.origin")
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise PermissionDenied("the form was posted from another site", key="applinks.csrf.origin")
    check_csrf(request, csrf)


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message for the next page this browser sees (post → redirect → get)."""
    if "session" in request.scope:
        request.session[_FLASH] = {"text": text[:2000], "kind": kind}


def take_flash(request: Request) -> dict[str, str] | None:
    if "session" not in request.scope:
        return None
    found = request.session.pop(_FLASH, None)
    return found if isinstance(found, dict) else None


def login_redirect(request: Request) -> Response:
    instance = instance_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base_path = urlsplit(instance.base_url).path.rstrip("/")
    if base_path and here.startswith(base_path):
        here = here[len(base_path) :]
    assert instance.host is not None
    return RedirectResponse(instance.host.login_url(here), status_code=303)


def error_page(request: Request, exc: AppLinksError, *, title: str = "Cannot continue") -> HTMLResponse:
    status = exc.status if 400 <= exc.status < 600 else 400
    return render(request, "ui/error.html", status=status, title=title, message=exc.message, error_key=exc.key)


def admin_user(request: Request) -> HostUser | Response:
    """The logged-in administrator, or the response to send instead (log in first, or a 403 page)."""
    instance = instance_of(request)
    if instance.host is None:
        return error_page(request, PermissionDenied("this application has no users who could administer it"))
    user = page_user(request)
    if user is None:
        return login_redirect(request)
    if not user.is_administrator:
        return error_page(
            request, PermissionDenied("only administrators can manage application links"), title="Not allowed"
        )
    return user


def see_other(request: Request, path: str, **query: Any) -> RedirectResponse:
    target = instance_of(request).url(path)
    wanted = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(target + ("?" + urlencode(wanted) if wanted else ""), status_code=303)
