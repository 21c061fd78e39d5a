"""CSRF tokens for forms: one random token per browser session, compared in constant time."""

from __future__ import annotations

import secrets

from starlette.requests import Request

from applinks.crypto import secrets_equal
from applinks.errors import PermissionDenied

_KEY = "csrf"


def csrf_token(request: Request) -> str:
    """The session's token (created on first use); empty when the app has no session middleware."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[_KEY] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(_KEY) if "session" in request.scope else None
    if not isinstance(expected, str) or not submitted or not secrets_equal(expected, submitted):
        raise PermissionDenied(
            "the form has expired or did not come from this site; reload and try again", key="applinks.csrf"
        )
