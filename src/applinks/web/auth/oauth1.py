"""The OAuth 1.0a authenticator of the request chain (web/deps.py), and building a ``SignedRequest`` from HTTP.

The signature base URI is the configured base URL plus the request path below the application's root,
never the Host header, scheme or port the request arrived with (proxies change those)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import anyio.from_thread
from starlette.requests import Request

from applinks.auth.oauth1.signing import Params, SignedRequest, looks_signed, parse_authorization
from applinks.errors import OAuthProblem
from applinks.instance import Instance
from applinks.web.deps import Principal, signature_caller, signature_failures_counted

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 1024 * 1024


def request_uri(request: Request, base_url: str) -> str:
    """``base_url`` + the path of this request relative to the root the host is served at."""
    root = str(request.scope.get("root_path", "") or "")
    raw = request.scope.get("raw_path")
    path: str | None = None
    if isinstance(raw, bytes | bytearray):
        raw_path = bytes(raw).decode("latin-1")
        if not root:
            path = raw_path
        elif raw_path.startswith(root):
            path = raw_path[len(root) :]
    if path is None:
        decoded = str(request.scope.get("path", "/"))
        if root and decoded.startswith(root):
            decoded = decoded[len(root) :]
        path = quote(decoded, safe="/:@!$&'()*+,;=-._~%")
    return base_url.rstrip("/") + (path if path.startswith("/") else "/" + path)


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower() == FORM


def _parse_form(raw: bytes) -> Params:
    if len(raw) > MAX_FORM_BYTES:
        raise OAuthProblem("parameter_rejected", "the form body is too large to be signed")
    try:
        return tuple(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise OAuthProblem("parameter_rejected", "the form body is not UTF-8") from exc


def _read_form(request: Request) -> Params | None:
    """The form body parameters, or None when the body cannot be read from here (the event loop thread)."""
    if not _is_form(request):
        return ()
    raw = getattr(request, "_body", None)
    if raw is None:
        form = getattr(request, "_form", None)
        if form is not None:
            return tuple((k, v) for k, v in form.multi_items() if isinstance(v, str))
        try:
            # Sync endpoints and dependencies run in worker threads: read through the event loop; Starlette
            # caches the body on the request, so the endpoint still gets it.
            raw = anyio.from_thread.run(request.body)
        except RuntimeError:
            return None
    return _parse_form(bytes(raw))


def form_params(request: Request) -> Params:
    """The form-encoded body parameters (signed, RFC 5849 §3.4.1.3.1), read from a sync context."""
    found = _read_form(request)
    if found is None:
        raise OAuthProblem("parameter_rejected", "the form body of this request could not be read for verification")
    return found


async def form_params_async(request: Request) -> Params:
    return _parse_form(await request.body()) if _is_form(request) else ()


def signed_request(request: Request, base_url: str, body: Params) -> SignedRequest:
    header = request.headers.get("authorization", "")
    oauth_header = header[:5].lower() == "oauth" and (len(header) == 5 or header[5].isspace())
    return SignedRequest(
        method=request.method.upper(),
        uri=request_uri(request, base_url),
        query=tuple(request.query_params.multi_items()),
        body=body,
        header=parse_authorization(header) if oauth_header else (),
    )


def oauth_authenticator(request: Request, instance: Instance) -> Principal | None:
    """Recognise OAuth credentials (``Authorization: OAuth …`` or signed query/form parameters); verify
    them or raise ``OAuthProblem`` — a request with failing OAuth credentials is never anonymous."""
    header = request.headers.get("authorization", "")
    by_header = header[:5].lower() == "oauth" and (len(header) == 5 or header[5].isspace())
    query = tuple(request.query_params.multi_items())
    if not by_header and not looks_signed(query, ()):
        if not _is_form(request) or request.method in ("GET", "HEAD"):
            return None
        body = _read_form(request)
        if body is None or not looks_signed((), body):
            return None
    signed = signed_request(request, instance.base_url, form_params(request))
    with signature_failures_counted(instance, signature_caller(request, signed.claimed_consumer_key())):
        found = instance.oauth_provider.authenticate(signed, instance.host)
    return Principal(found.user, found.method, link_id=found.link_id)
