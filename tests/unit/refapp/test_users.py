"""Reference-application users: scrypt hashes, login checks, and the local-only ``next`` rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request

from applinks.errors import Conflict, InvalidInput, PermissionDenied
from applinks.refapp.app import build_app, check_same_origin, safe_next
from applinks.refapp.host import refapp_host
from applinks.refapp.users import UserStore, hash_password, verify_password
from applinks.settings import Settings
from applinks.storage import db


def test_hash_is_salted_scrypt() -> None:
    first, second = hash_password("pw"), hash_password("pw")
    assert first.startswith("scrypt$16384$8$1$")
    assert first != second  # a fresh salt each time
    assert "pw" not in first.split("$", 4)[-1]
    assert verify_password("pw", first) and verify_password("pw", second)
    assert not verify_password("pW", first)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$x$8$1$AAAA$BBBB", "scrypt$16384$8$1$!!$??"])
def test_damaged_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything", stored)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/", "/"),
        ("/plugins/servlet/applinks/whoami?x=1", "/plugins/servlet/applinks/whoami?x=1"),
        (None, "/"),
        ("", "/"),
        ("//evil.com", "/"),
        ("https://evil.com", "/"),
        ("/\\evil.com", "/"),
        ("/\t/evil.com", "/"),
        ("/\x7f", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_safe_next(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/login", "headers": raw})


def test_same_origin_check() -> None:
    base = "https://wiki.test:8443/confluence"
    check_same_origin(_request({}), base)  # scripts send no Origin
    check_same_origin(_request({"Origin": "https://wiki.test:8443"}), base)
    for foreign in ("https://evil.test", "http://wiki.test:8443", "https://wiki.test", "null"):
        with pytest.raises(PermissionDenied):
            check_same_origin(_request({"Origin": foreign}), base)


@pytest.fixture
def store(db_url: str) -> Iterator[UserStore]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    yield UserStore(engine, "http://127.0.0.1:8990/")
    engine.dispose()


def test_user_store(store: UserStore) -> None:
    store.add("alice", "alice-pw", admin=True)
    store.add("root", "root-pw", sysadmin=True)
    store.add("bob", "bob-pw", full_name="Bob B")
    assert [u.name for u in store.list()] == ["alice", "bob", "root"]
    root = store.get_user("root")
    assert root is not None and root.is_sysadmin and root.is_administrator
    alice = store.check_password("alice", "alice-pw")
    assert alice is not None and alice.is_admin and not alice.is_sysadmin
    assert store.check_password("alice", "wrong") is None
    assert store.check_password("nobody", "alice-pw") is None
    store.set_can_login("bob", False)
    assert store.check_password("bob", "bob-pw") is None
    assert store.login_url("/a?b=c") == "http://127.0.0.1:8990/login?next=%2Fa%3Fb%3Dc"
    with pytest.raises(Conflict):
        store.add("alice", "again")
    for bad in ("", "a:b", "a/b", "x" * 256):
        with pytest.raises(InvalidInput):
            store.add(bad, "pw")
    with pytest.raises(InvalidInput):
        store.add("carol", "")


def test_disabling_a_user_applies_at_once_to_applinks_cached_users(tmp_path: Path) -> None:
    app = build_app(Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8990"))
    instance = app.state.instance
    try:
        users: UserStore = refapp_host(instance).users
        users.add("alice", "pw")
        cached = instance.oauth_provider.users
        first = cached.get("alice", users.get_user)
        assert first is not None and first.can_login
        users.set_can_login("alice", False)
        again = cached.get("alice", users.get_user)
        assert again is not None and not again.can_login
    finally:
        instance.close()
