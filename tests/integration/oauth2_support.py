"""OAuth 2.0 helpers for live instances: register an incoming client over Atlassian's REST, and drive a
user's consent over HTTP (log in, read the consent page, press Allow or Deny)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx2

from tests.support import LiveInstance

REDIRECT = "http://127.0.0.1:9/callback"  # loopback, allowed over http; never followed by the tests
CLIENTS = "/rest/oauth2/latest/client"
AUTHORIZE = "/rest/oauth2/latest/authorize"
TOKEN = "/rest/oauth2/latest/token"
REVOKE = "/rest/oauth2/latest/revoke"
WHOAMI = "/plugins/servlet/applinks/whoami"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


@dataclass(frozen=True)
class Registered:
    id: str
    client_id: str
    secret: str


def register(live: LiveInstance, scope: str = "WRITE", redirects: tuple[str, ...] = (REDIRECT,)) -> Registered:
    with live.client() as client:
        answer = client.post(CLIENTS, json={"name": "Outside app", "redirects": list(redirects), "scope": scope})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Registered(body["id"], body["clientId"], body["clientSecret"])


def consent(live: LiveInstance, authorize_url: str, user: str, *, allow: bool = True) -> httpx2.Response:
    """The browser's part: the authorization URL sends the user to log in, they come back to the consent
    page and press Allow (or Deny). Returns the answer to that button (303 to the client's redirect URI)."""
    with httpx2.Client(base_url=live.url, trust_env=False, follow_redirects=False, timeout=30) as browser:
        first = browser.get(authorize_url)
        assert first.status_code == 303, first.text
        next_path = parse_qs(urlsplit(first.headers["location"]).query)["next"][0]
        logged_in = browser.post("/login", data={"username": user, "password": live.users[user], "next": next_path})
        assert logged_in.status_code == 303, logged_in.text
        page = browser.get(logged_in.headers["location"])
        assert page.status_code == 200, page.text
        # The page's own form, not the layout's Log out form.
        csrf = _CSRF.search(page.text)
        actions = [a for a in _ACTION.findall(page.text) if not a.endswith("/logout")]
        assert csrf is not None and actions, page.text
        return browser.post(
            unescape(actions[0]), data={"csrf": csrf.group(1), "decision": "allow" if allow else "deny"}
        )


def redirect_params(answer: httpx2.Response) -> dict[str, str]:
    assert answer.status_code == 303, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
