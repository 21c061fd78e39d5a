"""The OAuth 2.0 authorization server over HTTP (protocol.md §10.1): the authorization endpoint with its
consent page, the token and revocation endpoints, RFC 8414 metadata, the user's "Authorized
applications" page, and the outgoing side's start page and callback (the user authorises us at a
remote). Each handler turns the request into ``auth.oauth2.server.PlainRequest`` and sends back what
Authlib answered; the authorization endpoint answers 303 and nothing here is cached."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from applinks.auth.oauth2.client import CALLBACK_PREFIX
from applinks.auth.oauth2.models import ADMIN, READ, SYSTEM_ADMIN, WRITE
from applinks.auth.oauth2.server import (
    AUTHORIZE_PATH,
    METADATA_PATH,
    REVOKE_PATH,
    ROOT_METADATA_PATH,
    TOKEN_PATH,
    OAuth2Response,
    PlainRequest,
)
from applinks.errors import AppLinksError, InvalidInput, NotFound, PermissionDenied
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.outbound.providers.oauth2 import START_PATH
from applinks.services.rate_limits import TOKEN
from applinks.web.csrf import check_csrf, csrf_token
from applinks.web.deps import client_address, instance_of
from applinks.web.pages import CSP, csp_with_form_target, render

router = APIRouter(tags=["oauth2"])
AUTHORIZED_PAGE = "/plugins/servlet/oauth2/authorized-applications"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"
MAX_FORM = 16 * 1024
MAX_QUERY = 8 * 1024
PAGE_CSP = CSP
SCOPE_TEXT = {
    READ: "read what you can see",
    WRITE: "read and change what you can change",
    ADMIN: "administer, where you are an administrator",
    SYSTEM_ADMIN: "system administration, where you are a system administrator",
}


def _oauth_json(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)


def _send(answer: OAuth2Response) -> Response:
    """Authlib's answer as HTTP; redirects become 303 (Atlassian's authorization endpoint answers 303)."""
    headers = {k: v for k, v in answer.headers if k.lower() not in ("content-type", "location")}
    headers.update(NO_STORE)
    if answer.location is not None:
        return RedirectResponse(answer.location, status_code=303, headers=headers)
    if isinstance(answer.body, dict):
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)
    return Response(answer.body, status_code=answer.status, headers=headers)


def _page(request: Request, template: str, *, status: int = 200, csp: str = PAGE_CSP, **context: Any) -> HTMLResponse:
    return render(request, template, status=status, headers={**NO_STORE, "Content-Security-Policy": csp}, **context)


def _error_page(request: Request, message: str, *, error: str = "", status: int = 400) -> HTMLResponse:
    return _page(request, "oauth2/error.html", status=status, message=message, error=error)


def _current_user(request: Request) -> HostUser | None:
    host = instance_of(request).host
    return host.current_user(request) if host is not None else None


def _login(request: Request, path: str) -> Response:
    host = instance_of(request).host
    assert host is not None
    return RedirectResponse(host.login_url(path), status_code=303, headers=NO_STORE)


def _authorize_request(instance: Instance, request: Request) -> PlainRequest:
    query = request.url.query
    if len(query) > MAX_QUERY:
        raise InvalidInput("the authorization request is too long", key="applinks.oauth2.request")
    pairs = parse_qsl(query, keep_blank_values=True)
    return PlainRequest(
        request.method,
        instance.oauth2_server.request_uri(AUTHORIZE_PATH + "?" + query),
        request.headers,
        pairs,
        payload_from="query",
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get(AUTHORIZE_PATH, response_class=HTMLResponse, summary="OAuth 2.0 authorization: the consent page")
def authorize(request: Request) -> Response:
    instance = instance_of(request)
    server = instance.oauth2_server
    if instance.host is None:
        return _error_page(request, "this application has no users who could authorise access", status=403)
    plain: PlainRequest | None = None
    try:
        server.check_transport()
        plain = _authorize_request(instance, request)
        user = _current_user(request)
        grant = server.consent(plain, user)  # validated before login: a bad request never reaches the login page
    except AppLinksError as exc:
        return _error_page(request, exc.message)
    except OAuth2Error as error:
        return _authorize_error(request, server, plain, error)
    if user is None:
        return _login(request, AUTHORIZE_PATH + "?" + request.url.query)
    client = grant.client
    redirect_uri = grant.request.payload.redirect_uri or client.get_default_redirect_uri()
    return _page(
        request,
        "oauth2/consent.html",
        # Allowing or denying redirects to the client; browsers check form-action on that redirect too.
        csp=csp_with_form_target(_origin(redirect_uri)),
        user=user,
        client=client.record,
        scopes=(grant.request.scope or "").split(),
        scope_text=SCOPE_TEXT,
        csrf=csrf_token(request),
        action=instance.url(AUTHORIZE_PATH + "?" + request.url.query),
        authorized_page=instance.url(AUTHORIZED_PAGE),
    )


def _authorize_error(request: Request, server: Any, plain: PlainRequest | None, error: OAuth2Error) -> Response:
    """An error the client may hear about goes back to its (verified) redirect URI; anything else — unknown
    client, a redirect URI that is not registered — is an error page, never a redirect (security.md)."""
    if error.redirect_uri and plain is not None:
        return _send(server.handle_error_response(plain, error))
    return _error_page(request, error.description or error.error, error=error.error or "")


@router.post(AUTHORIZE_PATH, response_class=HTMLResponse, summary="OAuth 2.0 authorization: allow or deny")
def authorize_decide(
    request: Request,
    csrf: str = Form(default="", max_length=255),
    decision: str = Form(default="", max_length=20),
) -> Response:
    instance = instance_of(request)
    server = instance.oauth2_server
    try:
        check_csrf(request, csrf)
        user = _current_user(request)
        if user is None:
            return _login(request, AUTHORIZE_PATH + "?" + request.url.query)
        if decision not in ("allow", "deny"):
            raise InvalidInput("choose Allow or Deny", key="applinks.oauth2.decision")
    except AppLinksError as exc:
        return _error_page(request, exc.message, status=exc.status if 400 <= exc.status < 500 else 400)
    plain: PlainRequest | None = None
    try:
        server.check_transport()
        plain = _authorize_request(instance, request)
        grant = server.consent(plain, user)
    except AppLinksError as exc:
        return _error_page(request, exc.message)
    except OAuth2Error as error:
        return _authorize_error(request, server, plain, error)
    return _send(server.decide(plain, grant, user if decision == "allow" else None))


async def _form(request: Request) -> list[tuple[str, str]] | Response:
    """The form body of a token or revocation request; anything but a form is a clear 400."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        return _oauth_json(
            400, "invalid_request", f"this endpoint accepts only {FORM} bodies (got {media_type or 'no body type'})"
        )
    body = await request.body()
    if len(body) > MAX_FORM:
        return _oauth_json(400, "invalid_request", f"the request body is larger than {MAX_FORM} bytes")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return _oauth_json(400, "invalid_request", "the request body is not a valid form")


def _endpoint_request(instance: Instance, request: Request, path: str, form: list[tuple[str, str]]) -> PlainRequest:
    return PlainRequest(
        "POST", instance.oauth2_server.request_uri(path), request.headers, parse_qsl(request.url.query), form
    )


@router.post(TOKEN_PATH, summary="OAuth 2.0 token endpoint (authorization code, refresh token)")
async def token(request: Request) -> Response:
    instance = instance_of(request)
    # security.md "abuse / floods": every token call counts against the caller's address (429 past the limit).
    await run_in_threadpool(instance.rate_limits.hit, TOKEN, "address:" + client_address(request))
    form = await _form(request)
    if isinstance(form, Response):
        return form
    plain = _endpoint_request(instance, request, TOKEN_PATH, form)
    return _send(await run_in_threadpool(instance.oauth2_server.token, plain))


@router.post(REVOKE_PATH, summary="OAuth 2.0 token revocation (RFC 7009)")
async def revoke(request: Request) -> Response:
    instance = instance_of(request)
    form = await _form(request)
    if isinstance(form, Response):
        return form
    plain = _endpoint_request(instance, request, REVOKE_PATH, form)
    return _send(await run_in_threadpool(instance.oauth2_server.revoke, plain))


@router.get(METADATA_PATH, summary="OAuth 2.0 authorization server metadata (RFC 8414)")
@router.get(ROOT_METADATA_PATH, include_in_schema=False)
def metadata(request: Request) -> JSONResponse:
    return JSONResponse(instance_of(request).oauth2_server.metadata())


# -- outgoing OAuth 2.0: the user authorises us at a remote ---------------------------------------------


def _local_redirect(instance: Instance, value: str) -> str | None:
    """Only a path on this instance (or a URL under its base URL) may be where the dance returns to."""
    if not value:
        return None
    if value.startswith(instance.base_url + "/"):
        value = value[len(instance.base_url) :]
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    raise InvalidInput("redirectUrl must be a path on this application", key="applinks.oauth2.redirect_url")


@router.get(START_PATH, summary="Send the current user to authorise this application at a linked one (OAuth 2.0)")
def client_authorize(request: Request, linkId: str = "", redirectUrl: str = "") -> Response:
    instance = instance_of(request)
    try:
        if instance.host is None:
            raise InvalidInput("this application has no users", key="applinks.oauth2.no_users")
        user = _current_user(request)
        if user is None:
            return _login(request, START_PATH + "?" + request.url.query)
        link = instance.links.get(linkId)
        target = instance.oauth2_outgoing.start(link, user.name, _local_redirect(instance, redirectUrl))
    except AppLinksError as exc:
        return _error_page(request, exc.message, status=exc.status if 400 <= exc.status < 500 else 400)
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@router.get(CALLBACK_PREFIX + "{suffix}", summary="Where a remote OAuth 2.0 provider sends the user back")
def client_callback(request: Request, suffix: str, code: str = "", state: str = "", error: str = "") -> Response:
    instance = instance_of(request)
    try:
        user = _current_user(request)
        if user is None:
            raise PermissionDenied("log in to finish the authorisation", key="applinks.oauth2.login")
        started = instance.oauth2_outgoing.finish(
            CALLBACK_PREFIX + suffix, state, code or None, error or None, user.name
        )
    except AppLinksError as exc:
        return _error_page(request, exc.message, status=exc.status if 400 <= exc.status < 500 else 400)
    if started.redirect_after:
        return RedirectResponse(instance.url(started.redirect_after), status_code=303, headers=NO_STORE)
    return _page(request, "oauth2/authorised.html", user=user, link=instance.links.get(started.link_id))


# -- the user's authorised applications --------------------------------------------------------------


@router.get(AUTHORIZED_PAGE, response_class=HTMLResponse, summary="The applications you authorised (OAuth 2.0)")
def authorized_page(request: Request, revoked: str = "") -> Response:
    instance = instance_of(request)
    if instance.host is None:
        return _error_page(request, "this application has no users", status=403)
    user = _current_user(request)
    if user is None:
        return _login(request, AUTHORIZED_PAGE)
    return _page(
        request,
        "oauth2/authorized.html",
        user=user,
        applications=instance.oauth2_clients.authorized(user.name),
        csrf=csrf_token(request),
        action=instance.url(AUTHORIZED_PAGE),
        revoked=revoked == "1",
    )


@router.post(AUTHORIZED_PAGE, response_class=HTMLResponse, summary="Revoke an application you authorised")
def authorized_revoke(
    request: Request,
    client_id: str = Form(default="", max_length=64),
    csrf: str = Form(default="", max_length=255),
) -> Response:
    instance = instance_of(request)
    try:
        check_csrf(request, csrf)
        user = _current_user(request)
        if user is None:
            return _login(request, AUTHORIZED_PAGE)
        instance.oauth2_clients.revoke_authorization(user.name, client_id)
    except NotFound as exc:
        return _error_page(request, exc.message, status=404)
    except AppLinksError as exc:
        return _error_page(request, exc.message, status=exc.status if 400 <= exc.status < 500 else 400)
    return RedirectResponse(instance.url(AUTHORIZED_PAGE) + "?" + urlencode({"revoked": "1"}), status_code=303)
