"""Outgoing OAuth 2.0 flows (we are the client), over Authlib's framework-free OAuth2Client: the
authorization URL with PKCE S256, the code exchange, refresh, and the JWT bearer grant. The HTTP post is a
port (``PostForm``) the caller supplies, so requests go through the outbound address policy; provider
presets and Atlassian's redirect URL form (protocol.md §10.1) live here too."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.client import OAuth2Client

from applinks.auth.oauth2.models import JWT_BEARER
from applinks.auth.oauth2.server import AUTHORIZE_PATH, TOKEN_PATH
from applinks.errors import InvalidInput

# (url, headers, form body) → (status, body bytes)
PostForm = Callable[[str, Mapping[str, str], bytes], tuple[int, bytes]]

CUSTOM = "custom"
ATLASSIAN = "atlassian"
GOOGLE = "google"
MICROSOFT = "microsoft"
KINDS = (CUSTOM, ATLASSIAN, GOOGLE, MICROSOFT)
CALLBACK_PREFIX = "/plugins/servlet/oauth2/client/callback/"
_PRESETS = {
    GOOGLE: ("https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token"),
    MICROSOFT: (
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
    ),
}


@dataclass(frozen=True, slots=True)
class Endpoints:
    authorize_url: str
    token_url: str


def endpoints_for(
    kind: str, *, remote_base_url: str = "", authorize_url: str | None = None, token_url: str | None = None
) -> Endpoints:
    """The endpoints of a provider: given (Custom), derived from the remote's base URL (Atlassian Data
    Center), or the Google / Microsoft presets."""
    if kind == CUSTOM:
        if not authorize_url or not token_url:
            raise InvalidInput(
                "a custom OAuth 2.0 provider needs its authorization and token endpoint URLs",
                key="applinks.oauth2.outgoing.endpoints",
            )
        return Endpoints(authorize_url, token_url)
    if kind == ATLASSIAN:
        base = remote_base_url.rstrip("/")
        return Endpoints(base + AUTHORIZE_PATH, base + TOKEN_PATH)
    if kind in _PRESETS:
        return Endpoints(*_PRESETS[kind])
    raise InvalidInput(
        f"{kind!r} is not an OAuth 2.0 provider kind; use one of {', '.join(KINDS)}",
        key="applinks.oauth2.outgoing.kind",
    )


def callback_path(authorize_url: str) -> str:
    """Atlassian's redirect URL path: ``…/callback/<base64url-no-padding(MD5(authorization endpoint URL))>``
    (MD5 as a name, not for security)."""
    digest = hashlib.md5(authorize_url.encode("utf-8"), usedforsecurity=False).digest()
    return CALLBACK_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenRequestFailed(Exception):
    """The provider refused a token request (``error`` is its OAuth error code) or answered garbage."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description


@dataclass
class _Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TokenRequestFailed("invalid_response", f"HTTP {self.status_code}, not JSON") from exc


class _Session:
    """What Authlib's client core needs of a session (``post``), over the caller's ``PostForm``."""

    def __init__(self, post: PostForm) -> None:
        self._post = post

    def post(
        self, url: str, data: Mapping[str, str] | None = None, headers: Any = None, auth: Any = None, **_: Any
    ) -> _Answer:
        body = urlencode(dict(data or {}))
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            **dict(headers or {}),
        }
        if auth is not None:
            url, sent, body = auth.prepare("POST", url, sent, body)
        status, content = self._post(url, sent, body.encode("utf-8") if isinstance(body, str) else body)
        return _Answer(status, content)


@dataclass(frozen=True, slots=True)
class Authorization:
    url: str
    state: str
    verifier: str


class ClientFlows:
    """The token requests of one outgoing link."""

    def __init__(
        self, post: PostForm, *, client_id: str, client_secret: str, redirect_uri: str, scope: str, endpoints: Endpoints
    ) -> None:
        self.endpoints = endpoints
        self._client = OAuth2Client(
            _Session(post),
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
            scope=scope or None,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def authorization(self) -> Authorization:
        verifier = secrets.token_urlsafe(48)
        url, state = self._client.create_authorization_url(self.endpoints.authorize_url, code_verifier=verifier)
        return Authorization(url, state, verifier)

    def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        return self._call(
            lambda: self._client.fetch_token(
                self.endpoints.token_url, grant_type="authorization_code", code=code, code_verifier=verifier
            )
        )

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self._call(lambda: self._client.refresh_token(self.endpoints.token_url, refresh_token=refresh_token))

    def jwt_bearer(self, assertion: str) -> dict[str, Any]:
        # The assertion authenticates us; no client secret goes with it.
        return self._call(
            lambda: self._client.fetch_token(
                self.endpoints.token_url, grant_type=JWT_BEARER, assertion=assertion, auth=_NoAuth()
            )
        )

    @staticmethod
    def _call(request: Callable[[], Any]) -> dict[str, Any]:
        try:
            token = dict(request())
        except OAuth2Error as exc:
            raise TokenRequestFailed(exc.error or "invalid_request", exc.description or "") from exc
        if not isinstance(token.get("access_token"), str):
            raise TokenRequestFailed("invalid_response", "no access token in the answer")
        return token


class _NoAuth:
    def prepare(self, method: str, uri: str, headers: Any, body: Any) -> tuple[str, Any, Any]:
        return uri, headers, body
