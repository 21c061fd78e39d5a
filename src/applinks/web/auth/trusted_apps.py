"""The Trusted Applications authenticator of the chain (protocol.md §9.1 steps 6-7): a request whose
certificate fails any check continues anonymous, with the reason in ``X-Seraph-Trusted-App-Error``."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from fastapi import Request

from applinks.auth.trusted_apps.protocol import Code, Header, error_header, refused
from applinks.auth.trusted_apps.verifier import SignedRequest, is_attempted, verify
from applinks.errors import TrustedAppsRefused
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.web.deps import ANONYMOUS, Principal
from applinks.web.response_headers import add_response_header

log = logging.getLogger("applinks.trusted_apps")


def receiver_view(request: Request, base_url: str) -> tuple[str, str]:
    """The URL the sender must have signed, from the configured base URL (never the Host header), and the
    path relative to the base URL (what URL patterns match)."""
    base = urlsplit(base_url)
    base_path = base.path.rstrip("/")
    raw = request.scope.get("raw_path")
    raw_path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path
    path = request.url.path
    if base_path and raw_path != base_path and not raw_path.startswith(base_path + "/"):
        raw_path = base_path + raw_path  # a proxy stripped the base path before forwarding
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        path = path[len(base_path) :] or "/"
    query = request.scope.get("query_string", b"").decode("latin-1")
    url = f"{base.scheme}://{base.netloc}{raw_path}" + (f"?{query}" if query else "")
    return url, path


def forwarded_for(request: Request) -> list[str]:
    entries = (entry.strip() for value in request.headers.getlist("x-forwarded-for") for entry in value.split(","))
    return [entry for entry in entries if entry]


def trusted_apps_authenticator(request: Request, instance: Instance) -> Principal | None:
    if not is_attempted(request.headers):
        return None
    url, path = receiver_view(request, instance.base_url)
    signed = SignedRequest(
        headers=request.headers,
        remote_address=request.client.host if request.client else None,
        url=url,
        path=path,
        forwarded_for=forwarded_for(request),
    )
    host = instance.host

    def find_user(name: str) -> HostUser | None:
        return host.get_user(name) if host is not None else None

    try:
        app, user = verify(
            signed, instance.trusted_apps.find, find_user, int(time.time() * 1000), instance.trusted_apps.first_use
        )
    except TrustedAppsRefused as exc:
        return _refuse(request, exc)
    except Exception as exc:  # a broken certificate must never turn into a 500: report SYSTEM, run anonymous
        log.exception("Trusted Applications verification failed unexpectedly")
        app_id = request.headers.get(Header.ID, "")
        return _refuse(request, refused(Code.SYSTEM, type(exc).__name__, app_id))
    add_response_header(request, Header.STATUS, "OK")
    return Principal(user, "trusted-apps", app.link_id)


def _refuse(request: Request, error: TrustedAppsRefused) -> Principal:
    log.info("Trusted Applications request refused: %s %s", error.code, error.message)
    add_response_header(request, Header.STATUS, "ERROR")
    add_response_header(request, Header.ERROR, error_header(error))
    return ANONYMOUS
