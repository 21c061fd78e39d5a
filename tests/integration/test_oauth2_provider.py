"""The OAuth 2.0 authorization server over HTTP on a live instance: client registration (Atlassian's REST
and ours), the consent page, redirect URI matching, the token endpoint's body rules, metadata, scopes on
protected routes, revoked clients and the user's "Authorized applications"."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

import httpx2
import pytest

from tests.integration.oauth2_support import (
    AUTHORIZE,
    CLIENTS,
    REDIRECT,
    TOKEN,
    WHOAMI,
    Registered,
    consent,
    redirect_params,
    register,
)
from tests.support import InstanceFactory, LiveInstance

OURS = "/rest/applinks-oauth2/latest"


@pytest.fixture
def live(make_instance: InstanceFactory) -> LiveInstance:
    found = make_instance(name="Tracker", oauth2_allow_http=True)
    found.add_user("alice", "alice-pw")
    found.add_user("ada", "ada-pw", admin=True)
    return found


def _authorize_url(client: Registered, redirect: str = REDIRECT, **extra: str) -> str:
    query = {"response_type": "code", "client_id": client.client_id, "redirect_uri": redirect, "state": "s1"}
    return AUTHORIZE + "?" + urlencode({**query, **extra})


def _token_for(live: LiveInstance, client: Registered, user: str, scope: str | None = None) -> str:
    extra = {"scope": scope} if scope else {}
    code = redirect_params(consent(live, _authorize_url(client, **extra), user))["code"]
    with httpx2.Client(base_url=live.url, trust_env=False) as http:
        answer = http.post(
            TOKEN,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=(client.client_id, client.secret),
        )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_atlassian_client_registration(live: LiveInstance) -> None:
    client = register(live, "READ")
    with live.client() as admin:
        listed = admin.get(CLIENTS).json()
        assert [c["clientId"] for c in listed] == [client.client_id]
        assert "clientSecret" not in listed[0] and listed[0]["userKey"] == "admin"
        assert admin.get(f"{CLIENTS}/{client.id}").json()["redirects"] == [REDIRECT]
        changed = admin.put(f"{CLIENTS}/{client.id}", json={"name": "Renamed", "scope": "WRITE"})
        assert changed.status_code == 204
        assert admin.get(f"{CLIENTS}/{client.id}").json()["scope"] == "WRITE"
        reset = admin.put(f"{CLIENTS}/reset/{client.client_id}")
        assert reset.status_code == 200 and reset.json()["clientSecret"] != client.secret
        assert reset.headers["cache-control"] == "no-store"
        assert admin.delete(f"{CLIENTS}/{client.id}").status_code == 204
        assert admin.get(f"{CLIENTS}/{client.id}").status_code == 404
    # Atlassian's registration is for system administrators; ours for administrators.
    with live.client(auth=("ada", "ada-pw")) as ada:
        assert ada.get(CLIENTS).status_code == 403
        ours = ada.post(f"{OURS}/incoming", json={"name": "Ours", "redirects": [REDIRECT], "scope": "READ"})
        assert ours.status_code == 201 and ours.json()["clientSecret"]
        again = ada.post(f"{OURS}/incoming/{ours.json()['id']}/secret")
        assert again.json()["clientSecret"] != ours.json()["clientSecret"]
    with live.client(auth=("alice", "alice-pw")) as alice:
        assert alice.get(f"{OURS}/incoming").status_code == 403


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"name": "x", "redirects": ["http://client.example/cb"], "scope": "READ"}, "applinks.oauth2.redirect.https"),
        ({"name": "x", "redirects": ["https://a@client.example/cb"], "scope": "READ"}, "applinks.oauth2.redirect"),
        ({"name": "x", "redirects": ["https://client.example/cb#f"], "scope": "READ"}, "applinks.oauth2.redirect"),
        ({"name": "x", "redirects": [], "scope": "READ"}, "applinks.oauth2.redirect"),
        ({"name": "x", "redirects": [REDIRECT], "scope": "EVERYTHING"}, "applinks.oauth2.scope"),
        ({"name": "", "redirects": [REDIRECT], "scope": "READ"}, "applinks.oauth2.name"),
    ],
)
def test_registration_refuses_bad_input(make_instance: InstanceFactory, body: dict[str, object], key: str) -> None:
    live = make_instance(name="Tracker")  # https is required: the development setting is off here
    with live.client() as admin:
        answer = admin.post(CLIENTS, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] in (key, "applinks.oauth2.https")


def test_http_base_url_is_refused_without_the_development_setting(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    with live.client() as admin:
        answer = admin.post(CLIENTS, json={"name": "x", "redirects": ["https://c.example/cb"], "scope": "READ"})
        token = admin.post(TOKEN, data={"grant_type": "authorization_code", "code": "x"})
    assert (answer.status_code, answer.json()["error"]) == (400, "applinks.oauth2.https")
    assert (token.status_code, token.json()["error"]) == (400, "invalid_request")
    assert "https" in token.json()["error_description"]


def test_consent_page_names_the_application_and_deny_redirects_access_denied(live: LiveInstance) -> None:
    client = register(live, "WRITE")
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        browser.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        page = browser.get(_authorize_url(client))
    assert page.status_code == 200 and "Outside app" in page.text and "WRITE" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "form-action 'self' http://127.0.0.1:9" in page.headers["content-security-policy"]
    denied = consent(live, _authorize_url(client), "alice", allow=False)
    params = redirect_params(denied)
    assert (params["error"], params["state"]) == ("access_denied", "s1") and "code" not in params
    assert denied.headers["cache-control"] == "no-store"


def test_consent_post_needs_the_session_csrf_token(live: LiveInstance) -> None:
    client = register(live)
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        browser.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        forged = browser.post(_authorize_url(client), data={"csrf": "forged", "decision": "allow"})
    assert forged.status_code == 403 and "location" not in forged.headers


@pytest.mark.parametrize(
    "variant",
    [
        REDIRECT + "/",  # trailing slash
        "http://127.0.0.1:9@evil.example/callback",  # good@evil
        "http://127.0.0.1:9/%2563allback",  # double encoding
        "http://127.0.0.1:10/callback",  # other port
        "http://127.0.0.1:9/callback?x=1",  # extra query
        "http://127.0.0.1:9/" + "a" * 5000,  # very long
    ],
)
def test_redirect_uri_variants_get_an_error_page_never_a_redirect(live: LiveInstance, variant: str) -> None:
    client = register(live)
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        browser.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        answer = browser.get(_authorize_url(client, redirect=variant))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "evil.example" not in answer.headers.get("content-security-policy", "")


def test_https_redirect_registered_is_not_matched_by_http_downgrade(live: LiveInstance) -> None:
    secure = "https://client.example/callback"
    client = register(live, redirects=(secure,))
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        browser.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        answer = browser.get(_authorize_url(client, redirect="http://client.example/callback"))
    assert answer.status_code == 400 and "location" not in answer.headers


def test_unknown_client_is_an_error_page(live: LiveInstance) -> None:
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        answer = browser.get(AUTHORIZE + "?" + urlencode({"response_type": "code", "client_id": "nope"}))
    assert answer.status_code == 400 and "invalid_client" in answer.text


def test_token_endpoint_takes_forms_only_and_credentials_in_body_or_basic(live: LiveInstance) -> None:
    client = register(live)
    with httpx2.Client(base_url=live.url, trust_env=False) as http:
        as_json = http.post(TOKEN, json={"grant_type": "authorization_code", "code": "x"})
        assert as_json.status_code == 400
        assert (
            as_json.json()["error"] == "invalid_request"
            and "x-www-form-urlencoded" in as_json.json()["error_description"]
        )
        code = redirect_params(consent(live, _authorize_url(client), "alice"))["code"]
        in_body = http.post(
            TOKEN,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": client.client_id,
                "client_secret": client.secret,
            },
        )
        assert in_body.status_code == 200 and in_body.headers["cache-control"] == "no-store"
        code = redirect_params(consent(live, _authorize_url(client), "alice"))["code"]
        basic = "Basic " + base64.b64encode(f"{quote(client.client_id)}:{quote(client.secret)}".encode()).decode()
        by_basic = http.post(
            TOKEN,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            headers={"Authorization": basic},
        )
        assert by_basic.status_code == 200
        wrong = http.post(
            TOKEN,
            data={"grant_type": "password", "username": "alice", "password": "alice-pw"},
            auth=(client.client_id, client.secret),
        )
        assert wrong.json()["error"] == "unsupported_grant_type"


def test_metadata(live: LiveInstance) -> None:
    with httpx2.Client(base_url=live.url, trust_env=False) as http:
        found = http.get("/rest/oauth2/latest/.well-known/oauth-authorization-server").json()
        root = http.get("/.well-known/oauth-authorization-server").json()
    assert found == root
    assert found["issuer"] == live.url and found["token_endpoint"] == live.url + TOKEN
    assert found["code_challenge_methods_supported"] == ["S256"]
    assert found["scopes_supported"] == ["READ", "WRITE", "ADMIN", "SYSTEM_ADMIN"]


def test_scopes_never_exceed_the_token_or_the_user(live: LiveInstance) -> None:
    write = register(live, "WRITE")
    admin_scope = register(live, "ADMIN")
    links = "/rest/applinks/2.0/applicationlink"
    admin_write = _token_for(live, write, "ada")
    admin_admin = _token_for(live, admin_scope, "ada")
    user_admin = _token_for(live, admin_scope, "alice")
    with httpx2.Client(base_url=live.url, trust_env=False) as http:

        def get(token: str) -> httpx2.Response:
            return http.get(links, headers={"Authorization": "Bearer " + token})

        assert get(admin_write).status_code == 403  # an administrator, but the token says WRITE
        assert get(admin_admin).status_code == 200
        assert get(user_admin).status_code == 403  # the token says ADMIN, the user is not one
        assert http.get(WHOAMI, headers={"Authorization": "Bearer " + user_admin}).text == "alice"


def test_token_of_a_deleted_client_is_refused(live: LiveInstance) -> None:
    client = register(live)
    token = _token_for(live, client, "alice")
    with live.client() as admin:
        assert admin.delete(f"{CLIENTS}/{client.id}").status_code == 204
    with httpx2.Client(base_url=live.url, trust_env=False) as http:
        answer = http.get(WHOAMI, headers={"Authorization": "Bearer " + token})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == f'Bearer realm="{quote(live.url, safe="")}", error="invalid_token"'


def test_user_revokes_an_authorised_application_on_the_page(live: LiveInstance) -> None:
    client = register(live)
    token = _token_for(live, client, "alice")
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        browser.post("/login", data={"username": "alice", "password": "alice-pw", "next": "/"})
        page = browser.get("/plugins/servlet/oauth2/authorized-applications")
        assert page.status_code == 200 and "Outside app" in page.text
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        done = browser.post(
            "/plugins/servlet/oauth2/authorized-applications", data={"csrf": csrf, "client_id": client.client_id}
        )
        assert done.status_code == 303
        assert "Outside app" not in browser.get("/plugins/servlet/oauth2/authorized-applications").text
        refused = browser.get(WHOAMI, headers={"Authorization": "Bearer " + token})
    assert refused.status_code == 401
