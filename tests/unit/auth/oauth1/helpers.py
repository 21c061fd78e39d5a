"""Helpers of the OAuth 1.0a provider unit tests: a small user directory, links to hang consumers on, and
an outside client (oauthlib) to sign requests."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlsplit

from oauthlib.oauth1 import Client
from starlette.requests import Request

from applinks.auth.oauth1.signing import SignedRequest, parse_authorization
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.instance import Instance

SYSADMIN = HostUser("root", is_admin=True, is_sysadmin=True)
ADMIN = HostUser("boss", is_admin=True)
USERS = {
    u.name: u
    for u in (
        SYSADMIN,
        ADMIN,
        HostUser("alice"),
        HostUser("bob"),
        HostUser("ghost", can_login=False),
    )
}


class FakeHost:
    """A user directory: enough of ``applinks.host.Host`` for the provider."""

    def get_user(self, name: str) -> HostUser | None:
        return USERS.get(name)

    def check_password(self, name: str, password: str) -> HostUser | None:
        return None

    def current_user(self, request: Request) -> HostUser | None:
        return None

    def login_url(self, next_url: str) -> str:
        return "/login?next=" + next_url


def add_link(instance: Instance, name: str = "Remote") -> Link:
    suffix = uuid.uuid4().hex[:8]
    link = Link(
        id=f"id-{suffix}",
        type_id="generic",
        name=f"{name} {suffix}",
        display_url=f"http://127.0.0.1:9/{suffix}",
        rpc_url=f"http://127.0.0.1:9/{suffix}",
    )
    return instance.links.create(link, actor=SYSADMIN)


def sign(client: Client, method: str, url: str, body: str | None = None) -> SignedRequest:
    """Sign with oauthlib (an implementation we did not write) and split the result as the server sees it."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    uri, signed_headers, signed_body = client.sign(url, http_method=method, body=body, headers=headers)
    parts = urlsplit(uri)
    header = signed_headers.get("Authorization", "")
    return SignedRequest(
        method,
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        body=tuple(parse_qsl(signed_body or "", keep_blank_values=True)),
        header=parse_authorization(header) if header else (),
    )
