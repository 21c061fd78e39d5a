"""The OAuth 1.0a service-provider endpoints of protocol.md §5.2: consumer-info, request-token, authorize,
access-token, revoke, and the user's access-tokens page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from applinks.auth.oauth1.consumer_info import CONSUMER_INFO_PATH, consumer_info_xml
from applinks.auth.oauth1.signing import REQUIRED, SignedRequest
from applinks.auth.oauth1.tokens import ACCESS, IssuedToken, resolve_callback
from applinks.auth.oauth1.verify import ACCESS_TOKEN, REQUEST_TOKEN, RESOURCE
from applinks.errors import AppLinksError, InvalidInput, NotFound, OAuthProblem, PermissionDenied
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.services.rate_limits import TOKEN
from applinks.web.auth.oauth1 import form_params_async, signed_request
from applinks.web.csrf import check_csrf, csrf_token
from applinks.web.deps import client_address, instance_of, signature_caller, signature_failures_counted
from applinks.web.pages import CSP, csp_with_form_target, render

router = APIRouter(tags=["oauth"])
SERVLET = "/plugins/servlet/oauth"
AUTHORIZE = SERVLET + "/authorize"
ACCESS_TOKENS_PAGE = SERVLET + "/users/access-tokens"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PAGE_CSP = CSP


def _form_response(body: str) -> Response:
    return PlainTextResponse(body, media_type="application/x-www-form-urlencoded", headers=NO_STORE)


@router.get(CONSUMER_INFO_PATH, summary="This instance as an OAuth consumer (XML)")
def consumer_info(request: Request) -> Response:
    info = instance_of(request).oauth_consumers.consumer_info()
    return Response(consumer_info_xml(info), media_type="application/xml")


@router.post(
    SERVLET + "/request-token",
    summary="Issue a request token (OAuth 1.0a with oauth_callback; OAuth 1.0 without it: no verifier later)",
)
async def request_token(request: Request) -> Response:
    instance = instance_of(request)
    signed = signed_request(request, instance.base_url, await form_params_async(request))
    issued, confirmed = await run_in_threadpool(_issue_request_token, instance, signed, request)
    return _form_response(issued.form(oauth_callback_confirmed="true") if confirmed else issued.form())


@contextmanager
def _token_endpoint_limits(instance: Instance, signed: SignedRequest, request: Request) -> Iterator[None]:
    """Rate limits of the token endpoints: every call per address, and refused signatures per consumer."""
    instance.rate_limits.hit(TOKEN, "address:" + client_address(request))
    with signature_failures_counted(instance, signature_caller(request, signed.claimed_consumer_key())):
        yield


def _issue_request_token(instance: Instance, signed: SignedRequest, request: Request) -> tuple[IssuedToken, bool]:
    with _token_endpoint_limits(instance, signed, request):
        signed.require(*REQUIRED)
        verified = instance.oauth_provider.verify(signed, REQUEST_TOKEN)
        if not verified.consumer.three_lo_allowed:
            raise OAuthProblem("permission_denied", "3-legged OAuth is not enabled for this consumer")
        given = verified.params.get("oauth_callback")
        # No oauth_callback: an OAuth 1.0 consumer (Atlassian accepts those, protocol.md §10).
        callback = resolve_callback(verified.consumer, given) if given else None
        issued = instance.oauth_provider.tokens.issue_request_token(verified.consumer, callback)
        return issued, callback is not None


@router.post(
    SERVLET + "/access-token",
    summary="Exchange an authorised request token (and verifier, OAuth 1.0a), or renew an access token with "
    "its oauth_session_handle",
)
async def access_token(request: Request) -> Response:
    instance = instance_of(request)
    signed = signed_request(request, instance.base_url, await form_params_async(request))
    issued = await run_in_threadpool(_exchange, instance, signed, request)
    return _form_response(issued.form())


def _exchange(instance: Instance, signed: SignedRequest, request: Request) -> IssuedToken:
    # A wrong verifier or session handle counts as a refused signed request too: guessing them is limited.
    with _token_endpoint_limits(instance, signed, request):
        signed.require(*REQUIRED, "oauth_token")
        verified = instance.oauth_provider.verify(signed, ACCESS_TOKEN)
        token, tokens = verified.token, instance.oauth_provider.tokens
        assert token is not None
        if token.kind == ACCESS:
            return tokens.renew(token, verified.consumer, verified.params.get("oauth_session_handle"))
        return tokens.exchange(token, verified.consumer, verified.params.get("oauth_verifier"))


@router.post(SERVLET + "/revoke", summary="A consumer revokes the access token this request is signed with")
async def revoke_own_token(request: Request) -> Response:
    instance = instance_of(request)
    signed = signed_request(request, instance.base_url, await form_params_async(request))
    await run_in_threadpool(_revoke_signing_token, instance, signed)
    return Response(status_code=204)


def _revoke_signing_token(instance: Instance, signed: SignedRequest) -> None:
    """The consumer side's "revoke" (a user withdrew the grant there): only the token that signed the request
    goes, so a consumer can never revoke anything but its own grant."""
    signed.require(*REQUIRED, "oauth_token")
    verified = instance.oauth_provider.verify(signed, RESOURCE)
    token = verified.token
    if token is None or token.kind != ACCESS or token.user_name is None:
        raise OAuthProblem("token_rejected", "only an access token can be revoked")
    instance.oauth_provider.tokens.revoke(token.id, token.user_name)


# -- pages ---------------------------------------------------------------------------------------------
def _page(request: Request, template: str, *, status: int = 200, csp: str = PAGE_CSP, **context: Any) -> HTMLResponse:
    return render(request, template, status=status, headers={**NO_STORE, "Content-Security-Policy": csp}, **context)


def _error_page(request: Request, exc: AppLinksError) -> HTMLResponse:
    status = exc.status if 400 <= exc.status < 600 else 400
    return _page(request, "oauth1/oauth_error.html", status=status, message=exc.message)


def _local_path(path: str, params: dict[str, str] | None = None) -> str:
    """A path relative to the base URL, for ``host.login_url`` (the host prefixes its base URL)."""
    return path + ("?" + urlencode(params) if params else "")


def _current_user(request: Request) -> HostUser | None:
    host = instance_of(request).host
    return host.current_user(request) if host is not None else None


def _login_redirect(request: Request, next_path: str) -> Response:
    host = instance_of(request).host
    assert host is not None
    return RedirectResponse(host.login_url(next_path), status_code=303)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get(AUTHORIZE, response_class=HTMLResponse, summary="Ask the logged-in user to allow or deny a consumer")
def authorize_form(request: Request, oauth_token: str = "") -> Response:
    instance = instance_of(request)
    provider = instance.oauth_provider
    try:
        if instance.host is None:
            raise PermissionDenied("this application has no users who could authorise access")
        record = provider.tokens.pending(oauth_token)
        user = _current_user(request)
        if user is None:
            return _login_redirect(request, _local_path(AUTHORIZE, {"oauth_token": oauth_token}))
        consumer = provider.consumers.get_by_id(record.consumer_id)
        if consumer is None:
            raise InvalidInput("the application that asked is no longer registered", key="applinks.oauth.authorize")
    except AppLinksError as exc:
        return _error_page(request, exc)
    csp = PAGE_CSP
    if record.callback and record.callback.startswith(("http://", "https://")):
        # Approving redirects to the consumer's callback; browsers check form-action on that redirect too.
        csp = csp_with_form_target(_origin(record.callback))
    return _page(
        request,
        "oauth1/authorize.html",
        csp=csp,
        user=user,
        consumer=consumer,
        oauth_token=oauth_token,
        csrf=csrf_token(request),
        action=instance.url(AUTHORIZE),
    )


@router.post(AUTHORIZE, response_class=HTMLResponse, summary="Allow (approve) or deny the consumer")
def authorize_decide(
    request: Request,
    oauth_token: str = Form(default="", max_length=255),
    csrf: str = Form(default="", max_length=255),
    approve: str | None = Form(default=None, max_length=100),
    deny: str | None = Form(default=None, max_length=100),
) -> Response:
    instance = instance_of(request)
    tokens = instance.oauth_provider.tokens
    try:
        check_csrf(request, csrf)
        user = _current_user(request)
        if user is None:
            return _login_redirect(request, _local_path(AUTHORIZE, {"oauth_token": oauth_token}))
        if approve is None and deny is None:
            raise InvalidInput("choose Allow or Deny", key="applinks.oauth.authorize")
        decision = tokens.approve(oauth_token, user.name) if approve is not None else tokens.deny(oauth_token)
    except AppLinksError as exc:
        return _error_page(request, exc)
    if decision.redirect is not None:
        return RedirectResponse(decision.redirect, status_code=303, headers=NO_STORE)
    return _page(request, "oauth1/oauth_decided.html", approved=approve is not None, verifier=decision.verifier)


@router.get(ACCESS_TOKENS_PAGE, response_class=HTMLResponse, summary="The applications holding your access tokens")
def access_tokens_page(request: Request, revoked: str = "") -> Response:
    instance = instance_of(request)
    if instance.host is None:
        return _error_page(request, PermissionDenied("this application has no users"))
    user = _current_user(request)
    if user is None:
        return _login_redirect(request, _local_path(ACCESS_TOKENS_PAGE))
    return _page(
        request,
        "oauth1/access_tokens.html",
        user=user,
        tokens=instance.oauth_provider.tokens.access_tokens_of(user.name),
        csrf=csrf_token(request),
        action=instance.url(ACCESS_TOKENS_PAGE),
        revoked=revoked == "1",
    )


@router.post(ACCESS_TOKENS_PAGE, response_class=HTMLResponse, summary="Revoke one of your access tokens")
def revoke_access_token(
    request: Request,
    token_id: int = Form(default=0),
    csrf: str = Form(default="", max_length=255),
) -> Response:
    instance = instance_of(request)
    try:
        check_csrf(request, csrf)
        user = _current_user(request)
        if user is None:
            return _login_redirect(request, _local_path(ACCESS_TOKENS_PAGE))
        if not instance.oauth_provider.tokens.revoke(token_id, user.name):
            raise NotFound("that access token does not exist or is not yours", key="applinks.oauth.token")
    except AppLinksError as exc:
        return _error_page(request, exc)
    return RedirectResponse(instance.url(ACCESS_TOKENS_PAGE) + "?revoked=1", status_code=303)
