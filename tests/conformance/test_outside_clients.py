"""protocol.md §10's request-token and access-token rows, seen by clients nobody on the team wrote:
pycontribs ``jira`` (its OAuth dance, RSA-SHA1: no ``oauth_callback``, so OAuth 1.0 with no verifier, and an
authenticated call through its own OAuth session), requests-oauthlib as an OAuth 1.0 consumer (and renewing
its token with the session handle), atlassian-python-api with the token issued."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import requests
from atlassian import Jira as AtlassianJira
from jira import JIRA
from oauthlib.oauth1 import SIGNATURE_RSA
from requests_oauthlib import OAuth1
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from applinks.web.deps import authenticate
from tests.integration.oauth1_support import KeyPair, authorise, rsa_consumer
from tests.support import LiveInstance

REQUEST_TOKEN = "/plugins/servlet/oauth/request-token"
ACCESS_TOKEN = "/plugins/servlet/oauth/access-token"
WHOAMI = "/plugins/servlet/applinks/whoami"


def _post(url: str, auth: OAuth1, data: dict[str, str] | None = None) -> dict[str, str]:
    with requests.Session() as session:
        session.trust_env = False  # loopback only
        answer = session.post(url, auth=auth, data=data, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(parse_qsl(answer.text))


def oauth_1_0_dance(live: LiveInstance, key: str, keys: KeyPair, user: str = "alice") -> dict[str, str]:
    """The dance as pycontribs jira's ``oauth_dance`` makes it (requests-oauthlib ``OAuth1``, no callback, no
    verifier), with RSA-SHA1: the request token, the user's approval over HTTP, the access token."""
    request = _post(live.url + REQUEST_TOKEN, OAuth1(key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem))
    assert "oauth_callback_confirmed" not in request
    approved = authorise(live, request["oauth_token"], user, live.users[user])
    assert approved.status_code == 200, approved.text  # no callback registered: a page, and no verifier on it
    assert "verifier" not in approved.text.lower()
    auth = OAuth1(
        key,
        signature_method=SIGNATURE_RSA,
        rsa_key=keys.private_pem,
        resource_owner_key=request["oauth_token"],
        resource_owner_secret=request["oauth_token_secret"],
    )
    return _post(live.url + ACCESS_TOKEN, auth)


def _serve_myself(live: LiveInstance) -> None:
    """``GET /rest/api/2/myself`` on the reference app (what ``JIRA(oauth=…)`` calls to test its session),
    answered through applinks' authentication like any host route."""
    links_app = next(route.app for route in live.app.routes if isinstance(route, Mount))

    async def myself(request: Request) -> JSONResponse:
        principal = authenticate(request, links_app)  # type: ignore[arg-type]
        return JSONResponse({"name": principal.name, "key": principal.name, "self": str(request.url)})

    live.app.router.routes.insert(0, Route("/rest/api/2/myself", myself))


def test_request_token(make_instance: Any) -> None:
    """pycontribs ``jira``: its OAuth dance (no oauth_callback → OAuth 1.0, no verifier), then ``JIRA`` with
    the access token makes authenticated calls (RSA-SHA1 through its own requests-oauthlib session)."""
    live: LiveInstance = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    consumer, keys = rsa_consumer(live)
    access = oauth_1_0_dance(live, consumer.key, keys)
    _serve_myself(live)
    client = JIRA(
        server=live.url,
        oauth={
            "access_token": access["oauth_token"],
            "access_token_secret": access["oauth_token_secret"],
            "consumer_key": consumer.key,
            "key_cert": keys.private_pem,
            "signature_method": SIGNATURE_RSA,
        },
        get_server_info=False,
        max_retries=0,
    )
    assert client.myself()["name"] == "alice"
    assert client._session.get(live.url + WHOAMI).text == "alice"


def test_access_token(make_instance: Any) -> None:
    """requests-oauthlib as an OAuth 1.0 consumer: the access-token reply carries ``oauth_session_handle`` and
    ``oauth_authorization_expires_in``; the handle renews the token (the old one stops working); the token is
    used by atlassian-python-api."""
    live: LiveInstance = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    consumer, keys = rsa_consumer(live)
    access = oauth_1_0_dance(live, consumer.key, keys)
    assert access["oauth_session_handle"]
    assert int(access["oauth_authorization_expires_in"]) >= int(access["oauth_expires_in"]) > 0
    renewal = OAuth1(
        consumer.key,
        signature_method=SIGNATURE_RSA,
        rsa_key=keys.private_pem,
        resource_owner_key=access["oauth_token"],
        resource_owner_secret=access["oauth_token_secret"],
    )
    renewed = _post(live.url + ACCESS_TOKEN, renewal, data={"oauth_session_handle": access["oauth_session_handle"]})
    assert renewed["oauth_token"] != access["oauth_token"]
    assert renewed["oauth_session_handle"] == access["oauth_session_handle"]

    def whoami(token: dict[str, str]) -> requests.Response:
        client = AtlassianJira(
            url=live.url,
            oauth={
                "access_token": token["oauth_token"],
                "access_token_secret": token["oauth_token_secret"],
                "consumer_key": consumer.key,
                "key_cert": keys.private_pem,
                "signature_method": SIGNATURE_RSA,
            },
        )
        client._session.trust_env = False
        answer: requests.Response = client.get(WHOAMI, not_json_response=True, advanced_mode=True)
        return answer

    assert whoami(renewed).text == "alice"
    stale = whoami(access)
    assert stale.status_code == 401 and "token_rejected" in stale.text
