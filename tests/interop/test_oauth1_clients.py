"""The OAuth 1.0a provider seen by clients nobody on the team wrote: requests-oauthlib / oauthlib,
atlassian-python-api and Authlib, against real instances on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote, unquote

import httpx2
import pytest
import requests
from atlassian import Jira
from authlib.integrations.httpx_client import OAuth1Auth
from authlib.integrations.requests_client import OAuth1Session as AuthlibSession
from oauthlib.oauth1 import SIGNATURE_HMAC, SIGNATURE_PLAINTEXT, SIGNATURE_RSA
from oauthlib.oauth1.rfc5849 import SIGNATURE_RSA_SHA512
from requests_oauthlib import OAuth1, OAuth1Session

from applinks.auth.oauth1.model import Consumer
from applinks.refapp.host import refapp_host
from tests.integration.oauth1_support import (
    CALLBACK,
    KeyPair,
    authorise,
    callback_params,
    form,
    hmac_consumer,
    rsa_consumer,
)
from tests.support import InstanceFactory, LiveInstance

WHOAMI = "/plugins/servlet/applinks/whoami"
REQUEST_TOKEN = "/plugins/servlet/oauth/request-token"
ACCESS_TOKEN = "/plugins/servlet/oauth/access-token"


def _session(**kwargs: object) -> OAuth1Session:
    session = OAuth1Session(**kwargs)  # type: ignore[arg-type]
    session.trust_env = False  # loopback only, never an environment proxy
    return session


def _dance(live: LiveInstance, consumer: Consumer, keys: KeyPair, user: str = "alice") -> OAuth1Session:
    """The whole three-legged dance with requests-oauthlib (RSA-SHA1); the user's step is driven over HTTP."""
    session = _session(
        client_key=consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem, callback_uri=CALLBACK
    )
    request_token = session.fetch_request_token(live.url + REQUEST_TOKEN)
    assert request_token["oauth_callback_confirmed"] == "true"
    answer = authorise(live, request_token["oauth_token"], user, live.users[user])
    assert callback_params(answer)["oauth_token"] == request_token["oauth_token"]
    session.parse_authorization_response(answer.headers["location"])
    session.fetch_access_token(live.url + ACCESS_TOKEN)
    return session


def _problem(response: requests.Response | httpx2.Response) -> str:
    """The oauth_problem of a refusal: in the body, or only in WWW-Authenticate when a level is off (§10)."""
    found = form(response.text).get("oauth_problem", "")
    if not found:
        header = response.headers.get("www-authenticate", "")
        found = header.partition('oauth_problem="')[2].partition('"')[0]
    return found


def test_requests_oauthlib_three_legged_dance_then_whoami(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    consumer, keys = rsa_consumer(live, callback=CALLBACK)
    session = _dance(live, consumer, keys)
    answer = session.get(live.url + WHOAMI)
    assert (answer.status_code, answer.text) == (200, "alice")
    # The user sees the application on their access-tokens page; once revoked, the token is refused.
    tokens = live.instance.oauth_provider.tokens.access_tokens_of("alice")
    assert [t["consumerName"] for t in tokens] == ["RSA client"]
    live.instance.oauth_provider.tokens.revoke(tokens[0]["id"], "alice")
    refused = session.get(live.url + WHOAMI)
    assert (refused.status_code, _problem(refused)) == (401, "token_rejected")
    realm = quote(live.url, safe="")
    assert refused.headers["WWW-Authenticate"] == f'OAuth realm="{realm}", oauth_problem="token_rejected"'
    assert refused.headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_two_legged_and_impersonation_with_requests_oauthlib(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Wiki")
    for name in ("svc", "alice", "ghost"):
        live.add_user(name, name + "-pw")
    refapp_host(live.instance).users.set_can_login("ghost", False)
    two_lo, keys = rsa_consumer(live, two_lo_allowed=True, executing_two_lo_user="svc")
    auth = OAuth1(two_lo.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem)
    with requests.Session() as http:
        http.trust_env = False
        assert http.get(live.url + WHOAMI, auth=auth).text == "svc"
        # xoauth_requestor_id rides in the query, so it is signed too; without the consumer flag: refused.
        refused = http.get(live.url + WHOAMI, params={"xoauth_requestor_id": "alice"}, auth=auth)
        assert (refused.status_code, _problem(refused)) == (401, "permission_denied")
        impersonating, keys2 = rsa_consumer(
            live, label="impersonation", two_lo_allowed=True, two_lo_impersonation_allowed=True
        )
        auth2 = OAuth1(impersonating.key, signature_method=SIGNATURE_RSA, rsa_key=keys2.private_pem)
        answer = http.get(live.url + WHOAMI, params={"xoauth_requestor_id": "alice"}, auth=auth2)
        assert (answer.status_code, answer.text) == (200, "alice")
        for who in ("nobody", "ghost"):  # a user who does not exist, or may not log in
            refused = http.get(live.url + WHOAMI, params={"xoauth_requestor_id": who}, auth=auth2)
            assert (refused.status_code, _problem(refused)) == (401, "permission_denied")
        # An impersonated normal user has exactly that user's rights: no link management.
        admin_route = http.get(
            live.url + "/rest/applinks/2.0/applicationlink", params={"xoauth_requestor_id": "alice"}, auth=auth2
        )
        assert admin_route.status_code == 403


def test_atlassian_python_api_with_an_access_token_we_issued(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    consumer, keys = rsa_consumer(live, callback=CALLBACK)
    token = _dance(live, consumer, keys).token
    jira = Jira(
        url=live.url,
        oauth={
            "access_token": token["oauth_token"],
            "access_token_secret": token["oauth_token_secret"],
            "consumer_key": consumer.key,
            "key_cert": keys.private_pem,
            "signature_method": SIGNATURE_RSA,
        },
    )
    jira._session.trust_env = False
    assert jira.get("plugins/servlet/applinks/whoami", not_json_response=True) == b"alice"
    # Its default method is RSA-SHA512, which a consumer may be configured for.
    sha512, keys512 = rsa_consumer(live, label="sha512", signature_method="RSA-SHA512", two_lo_allowed=True)
    default = Jira(
        url=live.url,
        oauth={
            "access_token": "",
            "access_token_secret": "",
            "consumer_key": sha512.key,
            "key_cert": keys512.private_pem,
        },
    )
    default._session.trust_env = False
    assert default._session.auth.client.signature_method == SIGNATURE_RSA_SHA512
    answer = default.get("plugins/servlet/applinks/whoami", not_json_response=True, advanced_mode=True)
    assert answer.status_code == 200


def test_authlib_clients(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    live.add_user("svc", "svc-pw")
    consumer, keys = rsa_consumer(live, callback=CALLBACK, two_lo_allowed=True, executing_two_lo_user="svc")
    # The whole dance with Authlib's requests session.
    session = AuthlibSession(consumer.key, signature_method="RSA-SHA1", rsa_key=keys.private_pem, redirect_uri=CALLBACK)
    session.trust_env = False
    request_token = session.fetch_request_token(live.url + REQUEST_TOKEN)
    answer = authorise(live, request_token["oauth_token"], "alice", "alice-pw")
    session.parse_authorization_response(answer.headers["location"])
    session.fetch_access_token(live.url + ACCESS_TOKEN)
    assert session.get(live.url + WHOAMI).text == "alice"
    # Authlib's httpx2 auth, two-legged.
    auth = OAuth1Auth(consumer.key, signature_method="RSA-SHA1", rsa_key=keys.private_pem)
    with httpx2.Client(trust_env=False) as client:
        assert client.get(live.url + WHOAMI, auth=auth).text == "svc"


def test_hmac_third_party_consumer_works_and_the_same_request_to_an_rsa_consumer_fails(
    make_instance: InstanceFactory,
) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    secret = "third-party-shared-secret"
    third = hmac_consumer(live, secret=secret, callback=CALLBACK, two_lo_allowed=True)
    session = _session(
        client_key=third.key, client_secret=secret, signature_method=SIGNATURE_HMAC, callback_uri=CALLBACK
    )
    request_token = session.fetch_request_token(live.url + REQUEST_TOKEN)
    answer = authorise(live, request_token["oauth_token"], "alice", "alice-pw")
    session.parse_authorization_response(answer.headers["location"])
    session.fetch_access_token(live.url + ACCESS_TOKEN)
    assert session.get(live.url + WHOAMI).text == "alice"
    with requests.Session() as http:
        http.trust_env = False
        two_lo = http.get(live.url + WHOAMI, auth=OAuth1(third.key, client_secret=secret))
        assert (two_lo.status_code, two_lo.text) == (200, "")  # 2LO without an executing user: anonymous
        rsa, _ = rsa_consumer(live, two_lo_allowed=True)
        for guess in (secret, ""):
            switched = http.get(live.url + WHOAMI, auth=OAuth1(rsa.key, client_secret=guess))
            assert (switched.status_code, _problem(switched)) == (401, "signature_invalid")


def _signed(live: LiveInstance, auth: OAuth1, url: str = WHOAMI) -> requests.PreparedRequest:
    return requests.Request("GET", live.url + url, auth=auth).prepare()


def test_refusals_seen_by_an_outside_client(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(live, two_lo_allowed=True)

    def auth(**kwargs: object) -> OAuth1:
        return OAuth1(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem, **kwargs)  # type: ignore[arg-type]

    with requests.Session() as http:
        http.trust_env = False
        once = _signed(live, auth())
        assert http.send(once).status_code == 200
        replay = http.send(once)
        assert (replay.status_code, _problem(replay)) == (401, "nonce_used")
        assert replay.headers["WWW-Authenticate"].startswith('OAuth realm="')
        old = http.send(_signed(live, auth(timestamp=str(int(time.time()) - 360))))
        assert (old.status_code, _problem(old)) == (400, "timestamp_refused")
        assert "oauth_acceptable_timestamps" in form(old.text)
        tampered = _signed(live, auth())
        tampered.prepare_url(tampered.url + "?extra=1", {})
        bad = http.send(tampered)
        assert (bad.status_code, _problem(bad)) == (401, "signature_invalid")
        assert form(bad.text)["oauth_signature_base_string"].startswith("GET&" + quote(live.url + WHOAMI, safe=""))
        unknown = http.send(
            _signed(live, OAuth1("who-is-this", signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem))
        )
        assert (unknown.status_code, _problem(unknown)) == (401, "signature_invalid")
        plaintext = http.send(
            _signed(live, OAuth1(consumer.key, client_secret="x", signature_method=SIGNATURE_PLAINTEXT))
        )
        assert (plaintext.status_code, _problem(plaintext)) == (400, "signature_method_rejected")
        raw_header = _signed(live, auth()).headers["Authorization"]
        header = raw_header.decode() if isinstance(raw_header, bytes) else raw_header
        duplicated = http.get(live.url + WHOAMI, headers={"Authorization": header + ', oauth_nonce="again"'})
        assert (duplicated.status_code, _problem(duplicated)) == (400, "parameter_rejected")
        assert form(duplicated.text)["oauth_parameters_rejected"] == "oauth_nonce"
        stripped = ", ".join(p for p in header.split(", ") if not p.startswith("oauth_signature="))
        absent = http.get(live.url + WHOAMI, headers={"Authorization": stripped})
        assert (absent.status_code, _problem(absent)) == (400, "parameter_absent")
        assert unquote(form(absent.text)["oauth_parameters_absent"]) == "oauth_signature"


def test_expired_access_token_with_the_provider_clock_years_ahead(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    consumer, keys = rsa_consumer(live, callback=CALLBACK)
    token = _dance(live, consumer, keys).token
    later = int(time.time()) + live.settings.access_token_ttl + 60
    live.instance.oauth_provider.clock = lambda: float(later)
    auth = OAuth1(
        consumer.key,
        signature_method=SIGNATURE_RSA,
        rsa_key=keys.private_pem,
        resource_owner_key=token["oauth_token"],
        timestamp=str(later),  # the client's clock agrees with the provider's: only the token is too old
    )
    with requests.Session() as http:
        http.trust_env = False
        expired = http.get(live.url + WHOAMI, auth=auth)
    assert (expired.status_code, _problem(expired)) == (401, "token_expired")


def test_the_same_signed_request_from_ten_threads_is_accepted_once(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(live, two_lo_allowed=True)
    prepared = _signed(live, OAuth1(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem))
    barrier = threading.Barrier(10)
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send() -> None:
        with requests.Session() as http:
            http.trust_env = False
            barrier.wait()
            answer = http.send(prepared.copy(), timeout=30)
        with lock:
            statuses.append((answer.status_code, _problem(answer)))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [(200, "")] + [(401, "nonce_used")] * 9


@pytest.mark.parametrize("signature_type", ["query", "body"])
def test_protocol_parameters_in_the_query_or_the_form_body(make_instance: InstanceFactory, signature_type: str) -> None:
    live = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(live, callback=CALLBACK)
    session = _session(
        client_key=consumer.key,
        signature_method=SIGNATURE_RSA,
        rsa_key=keys.private_pem,
        callback_uri=CALLBACK,
        signature_type=signature_type.upper(),
    )
    token = session.fetch_request_token(live.url + REQUEST_TOKEN)
    stored = live.instance.oauth_provider.tokens.lookup(token["oauth_token"])
    assert stored is not None and stored.callback == CALLBACK
