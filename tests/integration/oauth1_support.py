"""Helpers of the OAuth 1.0a provider tests: links for consumers, consumer keys, and the browser step of the
three-legged dance driven over HTTP (log in through the /login form, then Allow or Deny)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from applinks.auth.oauth1.model import Consumer, ConsumerSettings
from applinks.domain.link import Link
from applinks.host import HostUser
from tests.support import LiveInstance

SYSADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)
CALLBACK = "http://127.0.0.1:9/oauth-callback"  # never followed: the tests read the redirect's Location
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_b64: str
    public_pem: str


@cache
def key_pair(label: str = "default") -> KeyPair:
    """An RSA key pair per label, generated once per test session (key generation is slow)."""
    del label
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, base64.b64encode(der).decode(), public_pem)


def generic_link(live: LiveInstance, name: str = "Third party") -> Link:
    """A generic link (no remote needed): third-party consumers hang off one."""
    suffix = uuid.uuid4().hex[:8]
    link = Link(
        id=f"generic-{suffix}",
        type_id="generic",
        name=f"{name} {suffix}",
        display_url=f"http://127.0.0.1:9/{suffix}",
        rpc_url=f"http://127.0.0.1:9/{suffix}",
    )
    return live.instance.links.create(link, actor=SYSADMIN)


def rsa_consumer(live: LiveInstance, *, label: str = "default", **flags: Any) -> tuple[Consumer, KeyPair]:
    keys = key_pair(label)
    link = generic_link(live)
    consumer, _ = live.instance.oauth_consumers.set(
        link.id,
        ConsumerSettings(
            key=f"rsa-{uuid.uuid4().hex[:10]}",
            name=flags.pop("name", "RSA client"),
            public_key=keys.public_pem,
            signature_method=flags.pop("signature_method", "RSA-SHA1"),
            **flags,
        ),
        actor=SYSADMIN,
    )
    return consumer, keys


def hmac_consumer(live: LiveInstance, secret: str = "s3cret-shared-value", **flags: Any) -> Consumer:
    link = generic_link(live)
    consumer, _ = live.instance.oauth_consumers.set(
        link.id,
        ConsumerSettings(
            key=f"hmac-{uuid.uuid4().hex[:10]}",
            name="HMAC client",
            signature_method="HMAC-SHA1",
            shared_secret=secret,
            **flags,
        ),
        actor=SYSADMIN,
    )
    return consumer


@contextmanager
def browser(live: LiveInstance, username: str, password: str) -> Iterator[httpx2.Client]:
    """A browser-like client logged in through the /login form (session cookie, no redirects followed)."""
    with httpx2.Client(base_url=live.url, trust_env=False, follow_redirects=False, timeout=30) as client:
        answer = client.post("/login", data={"username": username, "password": password, "next": "/"})
        assert answer.status_code == 303, answer.text
        yield client


def authorise(live: LiveInstance, token: str, username: str, password: str, *, allow: bool = True) -> httpx2.Response:
    """The user's part of the dance over HTTP: the authorize page sends them to log in, they come back,
    and press Allow (or Deny). Returns the answer to that button (a redirect to the callback, or a page)."""
    client = httpx2.Client(base_url=live.url, trust_env=False, follow_redirects=False, timeout=30)
    with client:
        first = client.get("/plugins/servlet/oauth/authorize", params={"oauth_token": token})
        assert first.status_code == 303, first.text
        login = urlsplit(first.headers["location"])
        next_path = parse_qs(login.query)["next"][0]
        logged_in = client.post("/login", data={"username": username, "password": password, "next": next_path})
        assert logged_in.status_code == 303, logged_in.text
        page = client.get(logged_in.headers["location"])
        assert page.status_code == 200, page.text
        csrf = _CSRF.search(page.text)
        assert csrf is not None, page.text
        button = "approve" if allow else "deny"
        return client.post(
            "/plugins/servlet/oauth/authorize",
            data={"oauth_token": token, "csrf": csrf.group(1), button: "Allow" if allow else "Deny"},
        )


def callback_params(answer: httpx2.Response) -> dict[str, str]:
    assert answer.status_code == 303, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def form(text: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
