"""Installs the OAuth 1.0a provider into the applinks ASGI app: routes, and the authenticator first in the chain."""

from __future__ import annotations

from fastapi import FastAPI

from applinks.auth.oauth1 import endpoints, rest
from applinks.auth.oauth1.authenticator import oauth_authenticator


def install(app: FastAPI) -> None:
    # First: a request carrying OAuth credentials is decided by them, never by a session cookie beside them.
    app.state.authenticators.insert(0, oauth_authenticator)
    app.include_router(endpoints.router)
    app.include_router(rest.router)
