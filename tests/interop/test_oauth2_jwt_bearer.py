"""JWT bearer impersonation (RFC 7523) seen by outside clients: google-auth service-account credentials
``with_subject(user)`` and Authlib's AssertionSession get a token for a user and call as them; the same
assertion sent to two nodes at once is accepted once; an impersonated token never administers."""

from __future__ import annotations

import threading
import time
import uuid

import google.auth.transport.requests
import requests
from authlib.integrations.requests_client import AssertionSession
from google.oauth2 import service_account
from joserfc.jwk import RSAKey

from applinks.auth.oauth2.assertions import sign_assertion
from applinks.identity import InstanceKey, new_private_key
from applinks.refapp.app import build_app
from tests.integration.oauth2_support import TOKEN, WHOAMI, register
from tests.support import InstanceFactory, LiveInstance, bind_loopback, serve_app

CALLER_ID = "c0ffee00-0000-3000-8000-00000000abcd"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _linked(make_instance: InstanceFactory, *, same_users: bool = True) -> tuple[LiveInstance, InstanceKey]:
    live = make_instance(name="Tracker", oauth2_allow_http=True)
    live.add_user("alice", "alice-pw")
    key = InstanceKey(new_private_key())
    client = register(live, "ADMIN")
    with live.client() as admin:
        answer = admin.put(
            f"/rest/applinks-oauth2/latest/incoming/{client.id}/jwt-bearer",
            json={"issuer": CALLER_ID, "publicKey": key.public_pem, "sameUsers": same_users},
        )
    assert answer.status_code == 200, answer.text
    return live, key


def _http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_google_auth_service_account_with_subject(make_instance: InstanceFactory) -> None:
    live, key = _linked(make_instance)
    token_uri = live.url + TOKEN
    info = {
        "type": "service_account",
        "client_email": CALLER_ID,
        "private_key": key.private_pem().decode(),
        "private_key_id": "applinks",
        "token_uri": token_uri,
    }
    now = int(time.time())
    # google-auth's assertion is aimed at Google and lives an hour; its additional claims point it at us.
    credentials = service_account.Credentials.from_service_account_info(
        info, additional_claims={"aud": token_uri, "exp": now + 120, "jti": uuid.uuid4().hex}
    ).with_subject("alice")
    credentials.refresh(google.auth.transport.requests.Request(_http()))
    with _http() as http:
        called = http.get(live.url + WHOAMI, headers={"Authorization": f"Bearer {credentials.token}"})
    assert (called.status_code, called.text) == (200, "alice")
    with live.client() as admin:
        audit = admin.get("/rest/applinks-oauth2/latest/impersonations").json()
    assert [(a["issuer"], a["user"]) for a in audit] == [(CALLER_ID, "alice")]


def test_authlib_assertion_session_and_impersonated_admin_is_refused(make_instance: InstanceFactory) -> None:
    live, key = _linked(make_instance)
    session = AssertionSession(
        live.url + TOKEN,
        issuer=CALLER_ID,
        subject="admin",
        audience=live.url + TOKEN,
        grant_type=JWT_BEARER,
        key=RSAKey.import_key(key.private_pem()),
        header={"alg": "RS256"},
        expires_in=120,
    )
    session.trust_env = False
    assert session.get(live.url + WHOAMI).text == "admin"
    # An administrator by impersonation cannot manage links (security.md), whatever the token's scope.
    refused = session.get(live.url + "/rest/applinks/2.0/applicationlink")
    assert (refused.status_code, refused.json()["error"]) == (403, "applinks.impersonation")


def test_link_without_same_users_is_refused(make_instance: InstanceFactory) -> None:
    live, key = _linked(make_instance, same_users=False)
    with _http() as http:
        answer = http.post(live.url + TOKEN, data={"grant_type": JWT_BEARER, "assertion": _assertion(live, key)})
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthorized_client")


def _assertion(live: LiveInstance, key: InstanceKey) -> str:
    return sign_assertion(key.private_pem(), issuer=CALLER_ID, subject="alice", audience=live.url + TOKEN)


def test_one_assertion_to_two_nodes_at_once_is_accepted_once(make_instance: InstanceFactory) -> None:
    live, key = _linked(make_instance)
    sock = bind_loopback()
    server, thread = serve_app(build_app(live.settings), sock)
    second = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        for _ in range(3):
            assertion = _assertion(live, key)
            barrier = threading.Barrier(2)
            statuses: list[int] = []

            def send(
                node: str,
                assertion: str = assertion,
                barrier: threading.Barrier = barrier,
                statuses: list[int] = statuses,
            ) -> None:
                with _http() as http:
                    barrier.wait()
                    answer = http.post(node + TOKEN, data={"grant_type": JWT_BEARER, "assertion": assertion})
                statuses.append(answer.status_code)

            threads = [threading.Thread(target=send, args=(node,)) for node in (live.url, second)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert sorted(statuses) == [200, 400]
    finally:
        server.should_exit = True
        thread.join(timeout=15)
