"""The OAuth 2.0 bearer authenticator of the chain in ``web/deps.py``: ``Authorization: Bearer …`` → the
user who granted the token, limited by its scopes (READ: safe methods only; WRITE: changes); a token
bought with a JWT bearer assertion runs as an impersonated principal."""

from __future__ import annotations

from fastapi import Request

from applinks.auth.oauth2.models import WRITE
from applinks.errors import BearerTokenRefused, NotAuthenticated
from applinks.instance import Instance
from applinks.web.deps import SAFE_METHODS, Principal


def bearer_authenticator(request: Request, instance: Instance) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    grant = instance.oauth2_resource.resolve(header)
    if instance.host is None:
        raise NotAuthenticated("this instance has no user directory configured")
    user = instance.host.get_user(grant.user_name)
    if user is None or not user.can_login:
        raise BearerTokenRefused("the user who granted this token can no longer log in")
    method = "oauth2-impersonation" if grant.impersonated else "oauth2"
    principal = Principal(user, method, scopes=grant.scopes)
    if request.method not in SAFE_METHODS:
        principal.check_scope(WRITE)
    return principal
