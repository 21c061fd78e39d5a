"""security.md "enumeration": an unknown consumer key is answered exactly as a bad signature is (protocol.md
§5.3 allows it), to anyone who cannot prove knowledge of a key; the precise problem stays in the server log
and the metrics."""

from __future__ import annotations

import logging

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC, SIGNATURE_RSA
from requests_oauthlib import OAuth1

from tests.integration.oauth1_support import form, key_pair, rsa_consumer
from tests.support import InstanceFactory

WHOAMI = "/plugins/servlet/applinks/whoami"


def _answer(response: requests.Response) -> tuple[int, str, dict[str, str]]:
    body = form(response.text)
    body.pop("oauth_signature_base_string", None)  # differs with the nonce and key, not with the key's existence
    return response.status_code, response.headers["WWW-Authenticate"], body


def test_unknown_consumer_key_is_answered_like_a_bad_signature(
    make_instance: InstanceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    live = make_instance(name="Tracker")
    consumer, _ = rsa_consumer(live, two_lo_allowed=True)
    stranger = key_pair("stranger")
    with requests.Session() as http, caplog.at_level(logging.WARNING, logger="applinks.web"):
        http.trust_env = False
        # Signed with a key the instance does not hold: for a known and for an unknown consumer key.
        known = http.get(
            live.url + WHOAMI, auth=OAuth1(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=stranger.private_pem)
        )
        unknown = http.get(
            live.url + WHOAMI, auth=OAuth1("nobody-here", signature_method=SIGNATURE_RSA, rsa_key=stranger.private_pem)
        )
        switched = http.get(
            live.url + WHOAMI, auth=OAuth1(consumer.key, client_secret="", signature_method=SIGNATURE_HMAC)
        )
        token = http.get(
            live.url + WHOAMI,
            auth=OAuth1(
                consumer.key,
                resource_owner_key="no-such-token",
                signature_method=SIGNATURE_RSA,
                rsa_key=stranger.private_pem,
            ),
        )
    assert _answer(known)[1:] == _answer(unknown)[1:] == _answer(switched)[1:] == _answer(token)[1:]
    assert {known.status_code, unknown.status_code, switched.status_code, token.status_code} == {401}
    assert form(unknown.text)["oauth_problem"] == "signature_invalid"
    # The operator still learns what happened: the log names the consumer key and the precise problem ...
    assert any("consumer_key_unknown" in r.getMessage() and "nobody-here" in r.getMessage() for r in caplog.records)
    # ... and so do the metrics.
    with live.client() as admin:
        metrics = admin.get("/metrics").text
    assert 'applinks_incoming_oauth_failures_total{oauth_problem="consumer_key_unknown"} 1.0' in metrics
