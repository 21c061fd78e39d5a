"""Our consumer side of the OAuth 1.0a login dance (start it, take the callback), the "Authenticate with"
page that leads into it, and the user's "authorised applications" page, where they revoke what they allowed."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from applinks.errors import AppLinksError, NotAuthenticated, PermissionDenied
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.outbound.credentials import ACCESS_PATH, AUTHORIZE_PATH
from applinks.outbound.dance import LoginDance
from applinks.outbound.grants import grants_of, revoke
from applinks.outbound.providers.names import OAUTH
from applinks.web.csrf import check_csrf, csrf_token
from applinks.web.deps import authenticate, instance_of
from applinks.web.pages import render

router = APIRouter(tags=["outgoing authentication"])
AUTHORISED_PATH = "/plugins/servlet/applinks/oauth/authorised-applications"


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render(request, template, status=status, **context)


def _error_page(request: Request, exc: AppLinksError, user: HostUser | None) -> HTMLResponse:
    status = exc.status if 400 <= exc.status < 500 else 502
    return _page(request, "login_dance/dance_error.html", status, message=exc.message, user=user, error=exc.key)


def _cookie_name(instance: Instance) -> str:
    # Cookies ignore ports: two instances on one host must not share the cookie.
    return "applinks_dance_" + instance.application_id[:8]


def _browser_user(request: Request) -> tuple[HostUser | None, Response | None]:
    """The logged-in user of a browser request, or the response that sends the browser to log in."""
    principal = authenticate(request)
    if principal.impersonated:
        raise PermissionDenied("impersonated requests cannot authorise applications", key="applinks.impersonation")
    if principal.user is not None:
        return principal.user, None
    host = instance_of(request).host
    if host is None:
        raise NotAuthenticated("log in to authorise this application")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return None, RedirectResponse(host.login_url(here), status_code=303)


@router.get(AUTHORIZE_PATH, include_in_schema=False)
def dance_authorize(
    request: Request,
    application_link_id: str = Query(alias="applicationLinkID", max_length=64),
    redirect_url: str | None = Query(default=None, alias="redirectUrl", max_length=2048),
) -> Response:
    """Start the 3-legged dance for the logged-in user: fetch a request token, send the browser to approve."""
    instance = instance_of(request)
    user, login = _browser_user(request)
    if login is not None or user is None:
        return login or Response(status_code=401)
    cookie = _cookie_name(instance)
    browser = request.cookies.get(cookie) or secrets.token_urlsafe(32)
    try:
        target = LoginDance(instance.outgoing).start(application_link_id, user, browser, redirect_url)
    except AppLinksError as exc:
        return _error_page(request, exc, user)
    response = RedirectResponse(target, status_code=303)
    base = urlsplit(instance.base_url)
    response.set_cookie(
        cookie,
        browser,
        max_age=instance.settings.request_token_ttl,
        path=base.path.rstrip("/") + "/plugins/servlet/applinks/oauth/login-dance",
        secure=base.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(ACCESS_PATH, include_in_schema=False)
def dance_access(
    request: Request,
    application_link_id: str = Query(alias="applicationLinkID", max_length=64),
    oauth_token: str = Query(default="", max_length=512),
    oauth_verifier: str | None = Query(default=None, max_length=512),
) -> Response:
    """The callback: check the request token belongs to this browser and user, swap it, store the token."""
    instance = instance_of(request)
    user, login = _browser_user(request)
    if login is not None or user is None:
        return login or Response(status_code=401)
    browser = request.cookies.get(_cookie_name(instance), "")
    try:
        target = LoginDance(instance.outgoing).finish(application_link_id, user, browser, oauth_token, oauth_verifier)
    except AppLinksError as exc:
        return _error_page(request, exc, user)
    query = urlencode({"authorised": application_link_id})
    return RedirectResponse(target or f"{instance.url(AUTHORISED_PATH)}?{query}", status_code=303)


@router.get(AUTHORISED_PATH, include_in_schema=False)
def authorised_applications(request: Request, authorised: str | None = Query(default=None, max_length=64)) -> Response:
    """The user's page: remote applications they authorised, each with a revoke button."""
    instance = instance_of(request)
    user, login = _browser_user(request)
    if login is not None or user is None:
        return login or Response(status_code=401)
    grants = grants_of(instance.outgoing, user.name)
    held = {grant.link_id for grant in grants}
    # Linked applications this user could authorise (3-legged OAuth configured, no token yet).
    available = [
        {
            "name": link.name,
            "href": instance.url(AUTHORISED_PATH + "/authenticate") + "?" + urlencode({"applicationLinkID": link.id}),
        }
        for link in instance.links.list()
        if link.id not in held and OAUTH in instance.outgoing.configured(link)
    ]
    notice = ""
    if authorised:
        names = [g.name for g in grants if g.link_id == authorised]
        notice = f"{instance.settings.name} may now call {names[0]} for you." if names else ""
    return _page(
        request,
        "login_dance/authorised_applications.html",
        user=user,
        grants=grants,
        available=available,
        notice=notice,
        csrf=csrf_token(request),
        revoke_url=instance.url(AUTHORISED_PATH + "/revoke"),
    )


@router.get(AUTHORISED_PATH + "/authenticate", include_in_schema=False)
def authenticate_with(
    request: Request, application_link_id: str = Query(alias="applicationLinkID", max_length=64)
) -> Response:
    """ "Authenticate with <application>": what a CredentialsRequired answer sends a user to; it explains, and
    the button starts the login dance (nothing changes until the user follows it)."""
    instance = instance_of(request)
    user, login = _browser_user(request)
    if login is not None or user is None:
        return login or Response(status_code=401)
    try:
        link = instance.links.get(application_link_id)
    except AppLinksError as exc:
        return _error_page(request, exc, user)
    return _page(
        request,
        "login_dance/authenticate_with.html",
        user=user,
        link=link,
        start=instance.outgoing.authorisation_uri(link),
        back=instance.url(AUTHORISED_PATH),
    )


@router.post(AUTHORISED_PATH + "/revoke", include_in_schema=False)
def revoke_authorised(
    request: Request,
    application_link_id: str = Form(alias="applicationLinkID", max_length=64),
    csrf: str = Form(default="", max_length=256),
) -> Response:
    instance = instance_of(request)
    user, login = _browser_user(request)
    if login is not None or user is None:
        return login or Response(status_code=401)
    try:
        check_csrf(request, csrf)
        revoke(instance.outgoing, application_link_id, user.name)
    except AppLinksError as exc:
        return _error_page(request, exc, user)
    return RedirectResponse(instance.url(AUTHORISED_PATH), status_code=303)
