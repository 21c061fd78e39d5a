"""Maps the exception tree to HTTP answers: JSON with a stable key, OAuth problems in their wire format."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, unquote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response

from applinks.errors import (
    AppLinksError,
    BearerTokenRefused,
    CredentialsRequired,
    NotAuthenticated,
    OAuthProblem,
    RateLimited,
)
from applinks.web.representation import XML, error_list_xml, wants_xml

log = logging.getLogger("applinks.web")
_CONSUMER_KEY = re.compile(r'oauth_consumer_key="([^"]*)"')


def _error(request: Request, body: dict[str, object], status: int, headers: dict[str, str] | None = None) -> Response:
    """JSON, or for a caller that asks for XML Atlassian's ``ErrorListEntity`` (protocol.md §10): Atlassian
    peers read error bodies as ``<error status="…"><message>…</message></error>`` and lose a JSON message."""
    if wants_xml(request):
        return Response(error_list_xml(status, [str(body.get("message", ""))]), status, headers, media_type=XML)
    return JSONResponse(body, status_code=status, headers=headers)


def oauth_problem_response(request: Request, exc: OAuthProblem) -> Response:
    """``WWW-Authenticate: OAuth realm=…, oauth_problem=…`` and the same problem form-encoded in the body."""
    realm = quote(request.app.state.instance.base_url, safe="")
    # Diagnostics counts refusals by the precise problem, even when the answer is vaguer.
    request.app.state.instance.metrics.record_incoming_oauth_failure(exc.cause)
    if exc.cause != exc.problem:
        log.warning(
            "OAuth request refused: %s (answered %s) for consumer key %r on %s %s",
            exc.cause,
            exc.problem,
            _consumer_key(request),
            request.method,
            request.url.path,
        )
    body = {"oauth_problem": exc.problem}
    advice = exc.details.get("advice") or (exc.message if exc.message != exc.problem.replace("_", " ") else "")
    if advice:
        body["oauth_problem_advice"] = str(advice)
    # Problem Reporting extension fields. The base string (signature_invalid) holds only what the client sent
    # and our public base URL, and it shows proxy/base-URL mismatches at once, so it is returned as Jira does.
    for field in ("parameters_absent", "parameters_rejected", "acceptable_timestamps", "acceptable_versions"):
        if exc.details.get(field):
            body["oauth_" + field] = str(exc.details[field])
    if exc.details.get("signature_base_string"):
        body["oauth_signature_base_string"] = str(exc.details["signature_base_string"])
    if exc.details.get("level_disabled"):
        # The consumer is known but this OAuth level is off: Atlassian answers an empty 401 with the challenge,
        # which its diagnostics read as AUTH_LEVEL_UNSUPPORTED (protocol.md §10), so do we.
        body = {}
    return PlainTextResponse(
        urlencode(body),
        status_code=exc.http_status,
        media_type="application/x-www-form-urlencoded",
        headers={"WWW-Authenticate": f'OAuth realm="{realm}", oauth_problem="{exc.problem}"'},
    )


def _consumer_key(request: Request) -> str:
    """The consumer key a refused request named (not a secret), for the log line."""
    header = request.headers.get("authorization", "")
    found = _CONSUMER_KEY.search(header) if header[:5].lower() == "oauth" else None
    if found is not None:
        return unquote(found.group(1))
    return request.query_params.get("oauth_consumer_key", "")


async def _applinks_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppLinksError)
    if isinstance(exc, OAuthProblem):
        return oauth_problem_response(request, exc)
    body = exc.to_json()
    headers: dict[str, str] = {}
    if isinstance(exc, CredentialsRequired):
        body["authorisationUri"] = exc.authorisation_uri()
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, BearerTokenRefused):
        realm = quote(request.app.state.instance.base_url, safe="")
        headers["WWW-Authenticate"] = f'Bearer realm="{realm}", error="{exc.error}"'
    elif isinstance(exc, NotAuthenticated):
        realm = quote(request.app.state.instance.base_url, safe="")
        headers["WWW-Authenticate"] = f'OAuth realm="{realm}"'
    if exc.status >= 500:
        log.error("request failed: %s", exc)
    return _error(request, body, exc.status, headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    message = "invalid request: " + "; ".join(problems)
    return _error(request, {"status": 400, "error": "applinks.invalid", "message": message}, 400)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    body: dict[str, object] = {"status": status, "error": f"http.{status}", "message": str(exc.detail)}
    return _error(request, body, exc.status_code, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    body: dict[str, object] = {
        "status": 500,
        "error": "applinks.internal",
        "message": "internal error; the server log has details",
    }
    return _error(request, body, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppLinksError, _applinks_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
