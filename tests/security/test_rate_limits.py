"""security.md "abuse / floods": 429 with Retry-After on login, Basic failures, the OAuth token endpoints,
refused signed requests (per consumer) and link creation; the counters are shared by nodes through Redis."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
import requests
from requests_oauthlib import OAuth1

from tests.integration.oauth1_support import hmac_consumer
from tests.support import Databases, InstanceFactory, LiveInstance, redis_prefix, start_instance

WHOAMI = "/plugins/servlet/applinks/whoami"
REQUEST_TOKEN = "/plugins/servlet/oauth/request-token"


def _refused(response: httpx2.Response | requests.Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1


def _login(live: LiveInstance, password: str) -> httpx2.Response:
    with httpx2.Client(base_url=live.url, trust_env=False) as client:
        return client.post("/login", data={"username": "admin", "password": password, "next": "/"})


def test_failed_logins_then_429_even_with_the_right_password(make_instance: InstanceFactory) -> None:
    live = make_instance(rate_limit_login="3/minute")
    for _ in range(3):
        assert _login(live, "wrong").status_code == 401
    refused = _login(live, live.admin[1])
    _refused(refused)
    assert "Too many failed logins" in refused.text


def test_failed_basic_checks_then_429(make_instance: InstanceFactory) -> None:
    live = make_instance(rate_limit_basic="3/minute")
    with live.client(auth=("admin", "wrong")) as client:
        for _ in range(3):
            assert client.get(WHOAMI).status_code == 401
        _refused(client.get(WHOAMI))
    with live.client() as client:  # the right password from the same address and user: refused too
        _refused(client.get(WHOAMI))


def test_refused_signed_requests_per_consumer_then_429(make_instance: InstanceFactory) -> None:
    live = make_instance(rate_limit_signature="3/minute")
    consumer = hmac_consumer(live, two_lo_allowed=True)
    with requests.Session() as http:
        http.trust_env = False
        for _ in range(3):
            assert http.get(live.url + WHOAMI, auth=OAuth1(consumer.key, client_secret="guess")).status_code == 401
        _refused(http.get(live.url + WHOAMI, auth=OAuth1(consumer.key, client_secret="s3cret-shared-value")))
        other = hmac_consumer(live, two_lo_allowed=True)  # another consumer is not affected
        assert http.get(live.url + WHOAMI, auth=OAuth1(other.key, client_secret="s3cret-shared-value")).ok


def test_token_endpoint_calls_then_429(make_instance: InstanceFactory) -> None:
    live = make_instance(rate_limit_token="2/minute")
    consumer = hmac_consumer(live)
    with requests.Session() as http:
        http.trust_env = False
        auth = OAuth1(consumer.key, client_secret="s3cret-shared-value", callback_uri="oob")
        for _ in range(2):
            assert http.post(live.url + REQUEST_TOKEN, auth=auth).status_code != 429
        _refused(http.post(live.url + REQUEST_TOKEN, auth=auth))


def test_link_creations_then_429(make_instance: InstanceFactory) -> None:
    live = make_instance(rate_limit_link_create="2/minute")
    with live.client() as client:
        for port in (9, 10):  # nothing answers there: refused, but each creation attempt counts
            assert (
                client.post("/rest/applinks/3.0/applinks", json={"url": f"http://127.0.0.1:{port}"}).status_code != 429
            )
        _refused(client.post("/rest/applinks/3.0/applinks", json={"url": "http://127.0.0.1:11"}))
        body = {"remoteUrl": "http://127.0.0.1:12", "linkType": "generic", "name": "x"}
        _refused(client.post("/rest/applinks/1.0/applicationlinkForm/createAppLink", json=body))


@pytest.fixture
def redis_target() -> Iterator[tuple[str, str]]:
    yield from redis_prefix()


def test_limits_hold_across_two_nodes_sharing_redis(
    databases: Databases, tmp_path: object, redis_target: tuple[str, str]
) -> None:
    """Two nodes on one database and one Redis: failed logins split across them add up."""
    from pathlib import Path

    url, prefix = redis_target
    base = Path(str(tmp_path))
    common = {"rate_limit_login": "4/minute", "redis_url": url, "redis_prefix": prefix}
    node_a = start_instance(databases, base, name="Node A", **common)
    try:
        node_b = start_instance(databases, base, name="Node B", **common)
        try:
            for node in (node_a, node_b, node_a, node_b):
                assert _login(node, "wrong").status_code == 401
            _refused(_login(node_a, node_a.admin[1]))
            _refused(_login(node_b, node_b.admin[1]))
        finally:
            node_b.stop()
    finally:
        node_a.stop()
