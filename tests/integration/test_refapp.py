"""The reference application: login page, sessions, logout, hashed passwords, whoami, authenticationinfo,
security headers, and remote-controlled text rendered safely."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx2
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from applinks.storage.tables import refapp_users
from tests.integration.db_dump import database_bytes
from tests.integration.fake_remote import FakeRemote, fake_remote
from tests.support import LiveInstance

WHOAMI = "/plugins/servlet/applinks/whoami"
AUTH_INFO = "/rest/applinks/1.0/authenticationinfo"


ADMIN_PAGE = "/plugins/servlet/applinks/listApplicationLinks"


def browser(live: LiveInstance) -> httpx2.Client:
    return live.client(auth=None, follow_redirects=False)


def log_in(client: httpx2.Client, username: str = "admin", password: str = "admin-pw", **extra: str) -> httpx2.Response:
    return client.post("/login", data={"username": username, "password": password, **extra})


def csrf_of(page: httpx2.Response) -> str:
    field = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf"})
    assert field is not None, "the page has no CSRF field"
    return str(field["value"])


@pytest.fixture
def remote() -> Iterator[FakeRemote]:
    with fake_remote() as found:
        yield found


# -- login ---------------------------------------------------------------------------------------------------
def test_login_form(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        page = client.get("/login", params={"next": "/plugins/servlet/applinks/whoami"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    form = BeautifulSoup(page.text, "html.parser").find("form", attrs={"action": tracker.url + "/login"})
    assert form is not None
    assert str(form["method"]).lower() == "post"
    fields = {str(i["name"]): i for i in form.find_all("input")}
    assert set(fields) >= {"username", "password", "next"}
    assert fields["password"]["type"] == "password"
    assert fields["next"]["value"] == "/plugins/servlet/applinks/whoami"


def test_login_sets_a_session_cookie_and_goes_to_next(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        assert client.get(WHOAMI).text == ""
        response = log_in(client, next="/plugins/servlet/applinks/whoami?x=1")
        assert response.status_code == 303
        assert response.headers["location"] == tracker.url + "/plugins/servlet/applinks/whoami?x=1"
        cookie = SimpleCookie(response.headers["set-cookie"])
        (name,) = list(cookie)
        assert name.startswith("applinks_session_")
        assert cookie[name]["httponly"]
        assert cookie[name]["samesite"].lower() == "lax"
        assert client.get(WHOAMI).text == "admin"


UNSAFE_NEXT = [
    "//evil.com",
    "https://evil.com",
    "http:evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "javascript:alert(1)",
    " //evil.com",
    "evil.com",
]


def test_next_must_be_local(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        for next_url in UNSAFE_NEXT:
            form = client.get("/login", params={"next": next_url})
            hidden = BeautifulSoup(form.text, "html.parser").find("input", attrs={"name": "next"})
            assert hidden is not None and hidden["value"] == "/", next_url
            response = log_in(client, next=next_url)
            assert response.status_code == 303, next_url
            assert response.headers["location"] == tracker.url + "/", next_url


def test_wrong_password_is_a_401_page_and_no_session(tracker: LiveInstance) -> None:
    tracker.add_user("bob", "bob-pw")
    with browser(tracker) as client:
        wrong = log_in(client, "bob", "not-the-password")
        unknown = log_in(client, "nobody-at-all", "whatever")
        assert client.get(WHOAMI).text == ""
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("text/html")
        alert = BeautifulSoup(response.text, "html.parser").find(attrs={"role": "alert"})
        assert alert is not None and alert.get_text(strip=True) == "The username or password is wrong."
    # Unknown user and wrong password read the same (no user enumeration).
    assert wrong.text.replace("bob", "") == unknown.text.replace("nobody-at-all", "")


def test_login_posted_from_another_site_is_refused(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        response = client.post(
            "/login",
            data={"username": "admin", "password": "admin-pw"},
            headers={"Origin": "http://evil.example"},
        )
        assert response.status_code == 403
        assert client.get(WHOAMI).text == ""
        same_site = client.post(
            "/login", data={"username": "admin", "password": "admin-pw"}, headers={"Origin": tracker.url}
        )
        assert same_site.status_code == 303


def test_logout_needs_the_session_csrf_token(tracker: LiveInstance) -> None:
    with browser(tracker) as client, browser(tracker) as other:
        assert log_in(client).status_code == 303
        assert log_in(other).status_code == 303
        token = csrf_of(client.get("/"))
        others_token = csrf_of(other.get("/"))
        assert token != others_token
        assert client.post("/logout").status_code == 403
        assert client.post("/logout", data={"csrf": others_token}).status_code == 403
        assert (
            client.post("/logout", data={"csrf": token}, headers={"Origin": "http://evil.example"}).status_code == 403
        )
        assert client.get(WHOAMI).text == "admin"
        done = client.post("/logout", data={"csrf": token})
        assert done.status_code == 303
        assert client.get(WHOAMI).text == ""
        assert other.get(WHOAMI).text == "admin"


# -- users -----------------------------------------------------------------------------------------------------
def test_passwords_are_stored_as_scrypt_hashes(tracker: LiveInstance) -> None:
    sentinel = "Sentinel-Password-7f3a9c"
    tracker.add_user("carol", sentinel)
    with tracker.instance.engine.connect() as conn:
        stored = conn.execute(select(refapp_users.c.password_hash).where(refapp_users.c.name == "carol")).scalar_one()
    assert stored.startswith("scrypt$")
    assert sentinel not in stored
    raw = database_bytes(tracker.settings.resolved_database_url)
    assert stored.encode() in raw  # the search covers the stored row...
    assert sentinel.encode() not in raw  # ...and the password is not there
    with tracker.client(auth=("carol", sentinel)) as client:
        assert client.get(WHOAMI).text == "carol"


# -- whoami and authenticationinfo ---------------------------------------------------------------------------
def test_whoami(tracker: LiveInstance) -> None:
    tracker.add_user("bob", "bob-pw")
    with tracker.client(auth=None) as anonymous:
        response = anonymous.get(WHOAMI)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == ""
    with tracker.client(auth=("bob", "bob-pw")) as basic:
        assert basic.get(WHOAMI).text == "bob"
    with tracker.client(auth=("bob", "wrong")) as wrong:
        assert wrong.get(WHOAMI).status_code == 401
    with browser(tracker) as session:
        assert log_in(session, "bob", "bob-pw").status_code == 303
        assert session.get(WHOAMI).text == "bob"


def test_authenticationinfo_is_200_only_for_administrators(tracker: LiveInstance) -> None:
    tracker.add_user("alice", "alice-pw", admin=True)
    tracker.add_user("bob", "bob-pw")
    callers: list[tuple[tuple[str, str] | str | None, int]] = [
        ("admin", 200),  # system administrator
        (("alice", "alice-pw"), 200),  # administrator
        (("bob", "bob-pw"), 401),  # normal user
        (("alice", "wrong"), 401),
        (("nobody", "x"), 401),
        (None, 401),
    ]
    for who, status in callers:
        with tracker.client(auth=who) as client:
            response = client.get(AUTH_INFO)
        assert response.status_code == status, (who, response.text)
        if status == 401:
            assert response.json()["status"] == 401
            assert "WWW-Authenticate" in response.headers


# -- pages: headers and escaping ---------------------------------------------------------------------------------
def test_pages_carry_security_headers(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        pages = [client.get("/"), client.get("/login"), log_in(client, password="wrong")]
        assert log_in(client).status_code == 303
        pages.append(client.get("/"))
    for page in pages:
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"


def test_remote_controlled_text_is_escaped_and_never_a_script_link(tracker: LiveInstance, remote: FakeRemote) -> None:
    payload = "<script>alert(1)</script>"
    url = remote.serve_manifest("xss", id="xss-app", name=payload, url="javascript:alert(1)")
    quoted = remote.serve_manifest("quote", id="quote-app", name='"><img src=x onerror=alert(2)>')
    with tracker.client() as admin:
        created = admin.post("/rest/applinks/3.0/applinks", json={"url": url})
        assert created.status_code == 201, created.text
        assert created.json()["name"] == payload
        assert created.json()["displayUrl"] == url  # the javascript: URL was not taken
        assert admin.post("/rest/applinks/3.0/applinks", json={"url": quoted}).status_code == 201
        tricky = 'http://x.test/"onmouseover="alert(3)'
        assert admin.put("/rest/applinks/3.0/applinks/quote-app", json={"displayUrl": tricky}).status_code == 200
    with browser(tracker) as client:
        assert log_in(client).status_code == 303
        page = client.get(ADMIN_PAGE)
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    static = tracker.url + "/plugins/servlet/applinks/static/"
    assert all(str(s.get("src", "")).startswith(static) for s in soup.find_all("script"))  # no inline script
    assert all(str(img["src"]).startswith(static + "icons/") for img in soup.find_all("img"))  # local icons only
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            assert not attribute.lower().startswith("on"), element
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not re.match(r"\s*(javascript|data|vbscript):", text, re.I), element
    cells = [a.get_text() for a in soup.select("a.name")]
    assert payload in cells  # shown as text
    assert '"><img src=x onerror=alert(2)>' in cells
    hrefs = [str(a["href"]) for a in soup.find_all("a", href=True)]
    assert tricky in hrefs  # an attribute value, not an attribute
    assert url in hrefs
    assert "javascript:alert(1)" not in page.text


def test_links_page_shows_links_to_administrators_only(tracker: LiveInstance, remote: FakeRemote) -> None:
    tracker.add_user("bob", "bob-pw")
    with tracker.client() as admin:
        url = remote.serve_manifest("secret", id="secret-app", name="Secret Wiki")
        assert admin.post("/rest/applinks/3.0/applinks", json={"url": url}).status_code == 201
    with browser(tracker) as anonymous:
        assert "Secret Wiki" not in anonymous.get("/").text
        to_login = anonymous.get(ADMIN_PAGE, follow_redirects=False)
        assert to_login.status_code == 303 and "/login?next=" in to_login.headers["location"]
    with browser(tracker) as bob:
        assert log_in(bob, "bob", "bob-pw").status_code == 303
        assert "bob" in bob.get("/").text
        page = bob.get(ADMIN_PAGE)
        assert page.status_code == 403 and "Secret Wiki" not in page.text
    with browser(tracker) as admin_browser:
        assert log_in(admin_browser).status_code == 303
        assert "Secret Wiki" in admin_browser.get(ADMIN_PAGE).text


def _csp_sources(csp: str, directive: str) -> list[str]:
    for part in csp.split(";"):
        name, _, values = part.strip().partition(" ")
        if name == directive:
            return values.split()
    return []


def test_api_docs_page_may_load_exactly_what_it_uses(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        docs = client.get("/rest/applinks/docs")
        home = client.get("/")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    soup = BeautifulSoup(docs.text, "html.parser")
    # Swagger UI comes from the package (no CDN, works offline), and no script is inline.
    assert _csp_sources(csp, "script-src") == ["'self'"] and _csp_sources(csp, "style-src") == ["'self'"]
    scripts = soup.find_all("script")
    assert scripts and all(str(s.get("src", "")).startswith(tracker.url + "/") for s in scripts)
    for sheet in soup.find_all("link", rel="stylesheet"):
        assert str(sheet["href"]).startswith(tracker.url + "/"), sheet
    for asset in [*(s["src"] for s in scripts), *(s["href"] for s in soup.find_all("link", rel="stylesheet"))]:
        with browser(tracker) as client:
            assert client.get(str(asset)).status_code == 200, asset
    assert _csp_sources(home.headers["content-security-policy"], "script-src") == ["'self'"]
    assert "cdn.jsdelivr.net" not in docs.text + home.headers["content-security-policy"]


def test_an_oversized_login_gets_the_form_with_an_error_not_json(tracker: LiveInstance) -> None:
    with browser(tracker) as client:
        answer = log_in(client, username="u" * 100_000)
        foreign = client.post(
            "/login", data={"username": "admin", "password": "admin-pw"}, headers={"Origin": "http://evil.test"}
        )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="login-error"' in answer.text and "u" * 300 not in answer.text  # the input is not echoed
    assert foreign.status_code == 403 and foreign.headers["content-type"].startswith("text/html")
