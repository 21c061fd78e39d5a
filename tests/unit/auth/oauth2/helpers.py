"""A framework-free OAuth 2.0 authorization server on a migrated database with a settable clock, and the
requests a client would send to it."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import Engine

from applinks.auth.oauth2.incoming import IncomingClients, IssuedClient
from applinks.auth.oauth2.resource import BearerResolver
from applinks.auth.oauth2.server import (
    AUTHORIZE_PATH,
    TOKEN_PATH,
    Lifetimes,
    OAuth2Response,
    OAuth2Server,
    PlainRequest,
)
from applinks.host import HostUser
from applinks.storage.oauth2 import OAuth2Repository

BASE = "https://tracker.example"
REDIRECT = "https://client.example/callback"
VERIFIER = "v" * 64


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Provider:
    server: OAuth2Server
    clients: IncomingClients
    resolver: BearerResolver
    clock: Clock
    users: dict[str, HostUser] = field(default_factory=dict)

    def register(self, scope: str = "WRITE", redirects: tuple[str, ...] = (REDIRECT,)) -> IssuedClient:
        return self.clients.create("Client app", list(redirects), scope, user_key="admin")

    def authorize_request(self, client: IssuedClient, **params: str) -> PlainRequest:
        query = {"response_type": "code", "client_id": client.client.client_id, "redirect_uri": REDIRECT, **params}
        pairs = [(k, v) for k, v in query.items() if v != ""]
        return PlainRequest("GET", BASE + AUTHORIZE_PATH + "?" + urlencode(pairs), {}, pairs, payload_from="query")

    def code(self, client: IssuedClient, user: str = "alice", **params: str) -> str:
        request = self.authorize_request(client, **params)
        grant = self.server.consent(request, self.users[user])
        answer = self.server.decide(request, grant, self.users[user])
        assert answer.location is not None, answer
        return parse_qs(urlsplit(answer.location).query)["code"][0]

    def token(self, client: IssuedClient | None, secret: str | None = None, **form: str) -> OAuth2Response:
        headers = {}
        if client is not None:
            pair = f"{client.client.client_id}:{secret if secret is not None else client.secret}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        pairs = list(form.items())
        return self.server.token(PlainRequest("POST", BASE + TOKEN_PATH, headers, [], pairs))

    def exchange(self, client: IssuedClient, code: str, **form: str) -> OAuth2Response:
        return self.token(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **form)


def make_provider(engine: Engine, *, allow_http: bool = False, base: str = BASE, real_time: bool = False) -> Provider:
    clock = Clock(time.time()) if real_time else Clock()
    repository = OAuth2Repository(engine)
    users = {
        "alice": HostUser("alice"),
        "admin": HostUser("admin", is_admin=True),
        "gone": HostUser("gone", can_login=False),
    }
    server = OAuth2Server(
        repository,
        users.get,
        base_url=lambda: base,
        lifetimes=Lifetimes(access=3600, refresh=90 * 24 * 3600, code=60),
        allow_http=allow_http,
        clock=clock,
    )
    clients = IncomingClients(repository, base_url=lambda: base, allow_http=allow_http, clock=clock)
    resolver = BearerResolver(repository, server.now, lambda: base)
    return Provider(server, clients, resolver, clock, users)


def challenge() -> str:
    return str(create_s256_code_challenge(VERIFIER))
