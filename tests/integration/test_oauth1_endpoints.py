"""The service-provider endpoints over HTTP: consumer-info, request-token refusals, the authorize page
(escaping, CSRF, deny, oob), the access-tokens page, and signature base URLs behind a proxy."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import defusedxml.ElementTree as ET
import httpx2
import requests
from fastapi import Request
from oauthlib.oauth1 import SIGNATURE_RSA, SIGNATURE_TYPE_BODY
from requests_oauthlib import OAuth1, OAuth1Session

from applinks.domain.manifest import OAUTH_2LO, OAUTH_2LOI, OAUTH_3LO
from applinks.web.deps import authenticate
from tests.integration.oauth1_support import (
    CALLBACK,
    browser,
    callback_params,
    form,
    rsa_consumer,
)
from tests.support import InstanceFactory, LiveInstance

AUTHORIZE = "/plugins/servlet/oauth/authorize"
TOKENS_PAGE = "/plugins/servlet/oauth/users/access-tokens"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _request_token(
    live: LiveInstance, key: str, private_pem: str, callback: str | None = CALLBACK
) -> requests.Response:
    auth = OAuth1(key, signature_method=SIGNATURE_RSA, rsa_key=private_pem, callback_uri=callback)
    with requests.Session() as http:
        http.trust_env = False
        return http.post(live.url + "/plugins/servlet/oauth/request-token", auth=auth)


def test_consumer_info_and_manifest(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    with live.client(auth=None) as client:
        info = client.get("/plugins/servlet/oauth/consumer-info")
        manifest = client.get("/rest/applinks/1.0/manifest", headers={"Accept": "application/json"}).json()
    assert info.status_code == 200 and info.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(info.content)
    assert root.tag == "consumer"
    assert root.findtext("key") == live.instance.oauth_consumers.consumer_key()
    assert root.findtext("key", "").startswith("Tracker:")
    assert root.findtext("publicKey") == live.instance.identity.key.public_key_der_b64
    assert root.findtext("name") == "Tracker"
    assert {OAUTH_3LO, OAUTH_2LO, OAUTH_2LOI} <= set(manifest["inboundAuthenticationTypes"])


def test_request_token_refusals(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    registered, keys = rsa_consumer(live, callback=CALLBACK)
    # No oauth_callback is an OAuth 1.0 consumer (protocol.md §10): a token, but no callback confirmation.
    no_callback = _request_token(live, registered.key, keys.private_pem, callback=None)
    assert no_callback.status_code == 200
    assert "oauth_callback_confirmed" not in form(no_callback.text)
    for other in (CALLBACK + "/", CALLBACK.replace("127.0.0.1:9", "127.0.0.1:10"), "http://evil.example/cb"):
        refused = _request_token(live, registered.key, keys.private_pem, callback=other)
        assert (refused.status_code, form(refused.text)["oauth_problem"]) == (400, "parameter_rejected")
        assert form(refused.text)["oauth_parameters_rejected"] == "oauth_callback"
    no_3lo, keys2 = rsa_consumer(live, label="no3lo", three_lo_allowed=False)
    denied = _request_token(live, no_3lo.key, keys2.private_pem)
    assert (denied.status_code, form(denied.text)["oauth_problem"]) == (401, "permission_denied")
    issued = _request_token(live, registered.key, keys.private_pem)
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    assert form(issued.text)["oauth_callback_confirmed"] == "true"


class _Scripts(HTMLParser):
    """Collects what could run: inline or foreign script elements and event-handler attributes (the layout's
    own script files, served by the instance, are not counted)."""

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin + "/"
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not (dict(attrs).get("src") or "").startswith(self.origin):
            self.found.append(tag)
        self.found.extend(name for name, _ in attrs if name.startswith("on"))


def test_authorize_page_escapes_the_consumer_and_needs_csrf(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    consumer, keys = rsa_consumer(live, callback=CALLBACK, name=evil, description=evil)
    token = form(_request_token(live, consumer.key, keys.private_pem).text)["oauth_token"]
    with browser(live, "alice", "alice-pw") as client:
        page = client.get(AUTHORIZE, params={"oauth_token": token})
        assert page.status_code == 200
        parser = _Scripts(live.url)
        parser.feed(page.text)
        assert parser.found == []
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert 'name="approve"' in page.text and 'name="deny"' in page.text
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "form-action 'self' http://127.0.0.1:9" in csp
        # Without the form's CSRF token, or with another session's: refused, nothing decided.
        for csrf in ("", "forged-token"):
            refused = client.post(AUTHORIZE, data={"oauth_token": token, "csrf": csrf, "approve": "Allow"})
            assert refused.status_code == 403
        stored = live.instance.oauth_provider.tokens.lookup(token)
        assert stored is not None and stored.state == "pending"
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        denied = client.post(AUTHORIZE, data={"oauth_token": token, "csrf": csrf.group(1), "deny": "Deny"})
        assert callback_params(denied) == {"oauth_token": token, "oauth_problem": "permission_denied"}
        again = client.post(AUTHORIZE, data={"oauth_token": token, "csrf": csrf.group(1), "approve": "Allow"})
        assert again.status_code == 400 and "already been answered" in again.text
        unknown = client.get(AUTHORIZE, params={"oauth_token": "no-such-token"})
        assert unknown.status_code == 400


def test_out_of_band_verifier_and_the_access_tokens_page(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("alice", "alice-pw")
    consumer, keys = rsa_consumer(live, name="Desktop tool")
    session = OAuth1Session(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem, callback_uri="oob")
    session.trust_env = False
    token = session.fetch_request_token(live.url + "/plugins/servlet/oauth/request-token")["oauth_token"]
    with httpx2.Client(base_url=live.url, trust_env=False) as anonymous:
        to_login = anonymous.get(TOKENS_PAGE)
        assert to_login.status_code == 303 and "/login?next=" in to_login.headers["location"]
    with browser(live, "alice", "alice-pw") as client:
        page = client.get(AUTHORIZE, params={"oauth_token": token})
        csrf = _CSRF.search(page.text)
        assert csrf is not None
        shown = client.post(AUTHORIZE, data={"oauth_token": token, "csrf": csrf.group(1), "approve": "Allow"})
        assert shown.status_code == 200
        verifier = re.search(r'<code id="verifier">([^<]+)</code>', shown.text)
        assert verifier is not None
        session._client.client.verifier = verifier.group(1)
        session.fetch_access_token(live.url + "/plugins/servlet/oauth/access-token")
        # The request token was single use: exchanging it again is refused.
        replay = OAuth1(
            consumer.key,
            signature_method=SIGNATURE_RSA,
            rsa_key=keys.private_pem,
            resource_owner_key=token,
            verifier=verifier.group(1),
        )
        with requests.Session() as http:
            http.trust_env = False
            again = http.post(live.url + "/plugins/servlet/oauth/access-token", auth=replay)
        assert (again.status_code, form(again.text)["oauth_problem"]) == (401, "token_used")
        listed = client.get(TOKENS_PAGE)
        assert listed.status_code == 200 and "Desktop tool" in listed.text
        token_id = re.search(r'name="token_id" value="(\d+)"', listed.text)
        assert token_id is not None
        refused = client.post(TOKENS_PAGE, data={"token_id": token_id.group(1), "csrf": "wrong"})
        assert refused.status_code == 403
        assert session.get(live.url + "/plugins/servlet/applinks/whoami").text == "alice"
        revoked = client.post(TOKENS_PAGE, data={"token_id": token_id.group(1), "csrf": csrf.group(1)})
        assert revoked.status_code == 303
        assert "Desktop tool" not in client.get(TOKENS_PAGE).text
    after = session.get(live.url + "/plugins/servlet/applinks/whoami")
    assert (after.status_code, form(after.text)["oauth_problem"]) == (401, "token_rejected")


def test_signature_base_url_is_the_configured_base_url_not_the_host_header(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(live, two_lo_allowed=True, executing_two_lo_user="admin")
    auth = OAuth1(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem)
    proxied = {"Host": "applinks.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "applinks.example.com"}
    with requests.Session() as http:
        http.trust_env = False
        # Signed for the configured base URL, arriving with whatever Host a proxy sets: accepted.
        signed_for_base = requests.Request("GET", live.url + "/plugins/servlet/applinks/whoami", auth=auth).prepare()
        signed_for_base.headers.update(proxied)
        assert http.send(signed_for_base).text == "admin"
        # Signed for the URL the Host header claims: refused, and the base string shows what we expected.
        other = requests.Request("GET", "https://applinks.example.com/plugins/servlet/applinks/whoami", auth=auth)
        prepared = other.prepare()
        prepared.url = live.url + "/plugins/servlet/applinks/whoami"
        prepared.headers.update(proxied)
        refused = http.send(prepared)
    assert (refused.status_code, form(refused.text)["oauth_problem"]) == (401, "signature_invalid")
    assert form(refused.text)["oauth_signature_base_string"].startswith("GET&http%3A%2F%2F127.0.0.1")


def test_parameters_in_a_form_body_on_a_sync_host_route(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(live, two_lo_allowed=True, executing_two_lo_user="admin")
    links_app = live.app.state.links_app

    def echo(request: Request) -> dict[str, str]:
        return {"user": authenticate(request, links_app).name}

    live.app.add_api_route("/test/echo", echo, methods=["POST"])
    live.app.router.routes.insert(0, live.app.router.routes.pop())  # before the catch-all mount
    auth = OAuth1(
        consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem, signature_type=SIGNATURE_TYPE_BODY
    )
    with requests.Session() as http:
        http.trust_env = False
        answer = http.post(live.url + "/test/echo", data={"a": "1"}, auth=auth)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"user": "admin"}
        tampered = requests.Request("POST", live.url + "/test/echo", data={"a": "1"}, auth=auth).prepare()
        tampered.body = str(tampered.body).replace("a=1", "a=2")
        refused = http.send(tampered)
    assert (refused.status_code, form(refused.text)["oauth_problem"]) == (401, "signature_invalid")
