"""The OAuth 2.0 authorization server seen by clients nobody on the team wrote: requests-oauthlib with
PKCE S256 and Authlib's OAuth2Client (authorization code, consent over HTTP, a protected call, refresh,
revocation), against real instances on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from requests_oauthlib import OAuth2Session

from tests.integration.oauth2_support import AUTHORIZE, REDIRECT, REVOKE, TOKEN, WHOAMI, consent, register
from tests.support import InstanceFactory


def test_requests_oauthlib_with_pkce(make_instance: InstanceFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the test instance is on http://127.0.0.1
    live = make_instance(name="Tracker", oauth2_allow_http=True)
    live.add_user("alice", "alice-pw")
    client = register(live, "READ")
    session = OAuth2Session(client.client_id, redirect_uri=REDIRECT, scope=["READ"], pkce="S256")
    session.trust_env = False
    url, _state = session.authorization_url(live.url + AUTHORIZE)
    assert "code_challenge_method=S256" in url
    answer = consent(live, url, "alice")
    token = session.fetch_token(
        live.url + TOKEN, authorization_response=answer.headers["location"], client_secret=client.secret
    )
    assert token["token_type"] == "Bearer" and token["scope"] == ["READ"]
    called = session.get(live.url + WHOAMI)
    assert (called.status_code, called.text) == (200, "alice")
    # READ: a change is refused even on a route the user may use.
    changed = session.delete(live.url + "/rest/applinks-oauth2/latest/authorized/" + client.client_id)
    assert (changed.status_code, changed.json()["error"]) == (403, "applinks.oauth2.insufficient_scope")


def test_authlib_client_code_refresh_revoke(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker", oauth2_allow_http=True)
    live.add_user("alice", "alice-pw")
    client = register(live, "WRITE")
    session = AuthlibSession(
        client.client_id, client.secret, scope="WRITE", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    session.trust_env = False
    verifier = "x" * 64
    url, _state = session.create_authorization_url(live.url + AUTHORIZE, code_verifier=verifier)
    answer = consent(live, url, "alice")
    token = session.fetch_token(
        live.url + TOKEN, authorization_response=answer.headers["location"], code_verifier=verifier
    )
    assert session.get(live.url + WHOAMI).text == "alice"
    # The user sees the application among their authorised applications.
    with live.client(auth=("alice", "alice-pw")) as alice:
        listed = alice.get("/rest/applinks-oauth2/latest/authorized").json()
    assert [(a["clientId"], a["scope"]) for a in listed] == [(client.client_id, "WRITE")]
    refreshed = session.refresh_token(live.url + TOKEN, refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    assert session.get(live.url + WHOAMI).text == "alice"
    revoked = session.revoke_token(live.url + REVOKE, refreshed["refresh_token"], token_type_hint="refresh_token")
    assert revoked.status_code == 200
    refused = session.get(live.url + WHOAMI)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer realm=")
