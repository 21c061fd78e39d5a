"""security.md: sessions are revocable. The cookie carries a session ID whose record lives in the database:
logout ends it (a cookie saved before /logout is refused after, on every node), it expires when idle, and a
login starts a new one."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx2

from applinks.refapp.host import refapp_host
from tests.support import Databases, InstanceFactory, LiveInstance, start_node

WHOAMI = "/plugins/servlet/applinks/whoami"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _login(live: LiveInstance, client: httpx2.Client) -> None:
    answer = client.post("/login", data={"username": "admin", "password": live.admin[1], "next": "/"})
    assert answer.status_code == 303, answer.text


def _cookies(client: httpx2.Client) -> dict[str, str]:
    return {name: value for name, value in client.cookies.items()}


def _who(url: str, cookies: dict[str, str]) -> str:
    with httpx2.Client(base_url=url, trust_env=False, cookies=cookies) as client:
        return client.get(WHOAMI).text


def _logout(client: httpx2.Client) -> None:
    csrf = _CSRF.search(client.get("/").text)
    assert csrf is not None
    assert client.post("/logout", data={"csrf": csrf.group(1)}).status_code == 303


def test_a_cookie_saved_before_logout_is_refused_after(make_instance: InstanceFactory) -> None:
    live = make_instance()
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        _login(live, browser)
        saved = _cookies(browser)
        assert _who(live.url, saved) == "admin"
        _logout(browser)
    assert _who(live.url, saved) == ""


def test_login_rotates_the_session(make_instance: InstanceFactory) -> None:
    live = make_instance()
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        _login(live, browser)
        first = _cookies(browser)
        _login(live, browser)
        second = _cookies(browser)
    assert first != second
    assert _who(live.url, second) == "admin"
    assert _who(live.url, first) == ""  # the session the second login replaced is over


def test_an_idle_session_expires(make_instance: InstanceFactory) -> None:
    live = make_instance(session_idle_timeout=600)
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        _login(live, browser)
        saved = _cookies(browser)
    sessions = refapp_host(live.instance).users.sessions
    sessions.clock = lambda: time.time() + 601
    assert _who(live.url, saved) == ""
    sessions.clock = time.time
    assert _who(live.url, saved) == ""  # ended for good, not only while the clock was ahead


def test_a_user_who_may_no_longer_log_in_loses_every_session(make_instance: InstanceFactory) -> None:
    live = make_instance()
    live.add_user("alice", "alice-pw")
    with httpx2.Client(base_url=live.url, trust_env=False) as browser:
        assert browser.post("/login", data={"username": "alice", "password": "alice-pw"}).status_code == 303
        saved = _cookies(browser)
    refapp_host(live.instance).users.set_can_login("alice", False)
    refapp_host(live.instance).users.set_can_login("alice", True)
    assert _who(live.url, saved) == ""


def test_logout_on_one_node_ends_the_session_on_every_node(databases: Databases, tmp_path: Path) -> None:
    url = databases.new_url(migrated=True)
    node_a = start_node(url, tmp_path, name="A")
    node_b = start_node(url, tmp_path, name="B")
    try:
        with httpx2.Client(base_url=node_a.url, trust_env=False) as browser:
            _login(node_a, browser)
            saved = _cookies(browser)
            assert _who(node_b.url, saved) == "admin"  # one session, served by either node
            _logout(browser)
        assert _who(node_a.url, saved) == ""
        assert _who(node_b.url, saved) == ""
    finally:
        node_b.stop()
        node_a.stop()
