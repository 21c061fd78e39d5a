"""OAuth 1.0a in process, against its floor: verifying a 2LOi RSA-SHA1 request (durable SQLite replay
protection, consumer and user lookups) vs Authlib's base string + one RSA verify with a loaded key, and vs
oauthlib's ``SignatureOnlyEndpoint`` with an in-memory nonce set; signing vs base string + one RSA sign.

Every signed request carries its own nonce, so they are signed before the clock starts (signing is ~40x the
cost of verifying); each round then verifies the same requests after the nonces were cleared."""

from __future__ import annotations

import base64
import tempfile
import time
from pathlib import Path
from typing import Any

from authlib.oauth1.rfc5849.signature import construct_base_string
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint  # type: ignore[import-untyped]
from sqlalchemy import delete

from applinks.auth.oauth1.signing import SignedRequest, parse_authorization
from applinks.instance import Instance
from applinks.refapp.users import UserStore
from applinks.storage.oauth_tables import oauth_nonces
from benchmarks.harness import Row, interleaved, time_ops
from benchmarks.scene import CONSUMER_KEY, USER, WHOAMI, Scene, make_scene

BASE_URL = "http://127.0.0.1:8990"


class _Validator(RequestValidator):  # type: ignore[misc]
    """oauthlib's side of the comparison: one known RSA consumer and an in-memory nonce set."""

    def __init__(self, public_pem: str) -> None:
        super().__init__()
        self.public_pem = public_pem
        self.nonces: set[tuple[str, str, str]] = set()

    enforce_ssl = False
    safe_characters = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_")
    client_key_length = (1, 255)
    nonce_length = (1, 255)
    dummy_client = "dummy:client"

    @property
    def allowed_signature_methods(self) -> tuple[str, ...]:
        return ("RSA-SHA1",)

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return bool(client_key == CONSUMER_KEY)

    def validate_timestamp_and_nonce(
        self, client_key: str, timestamp: str, nonce: str, request: Any, **kw: Any
    ) -> bool:
        key = (client_key, timestamp, nonce)
        if key in self.nonces:
            return False
        self.nonces.add(key)
        return True

    def get_rsa_key(self, client_key: str, request: Any) -> str:
        return self.public_pem


def sign_all(scene: Scene, count: int) -> list[str]:
    signer = scene.signer()
    url = scene.whoami_url(BASE_URL)
    return [signer.authorization("GET", url) for _ in range(count)]


def _measure(scene: Scene, count: int, rounds: int) -> list[Row]:
    headers = sign_all(scene, count)
    instance = Instance(scene.settings)
    try:
        users = UserStore(instance.engine, BASE_URL)
        instance.host = users
        provider = instance.oauth_provider
        uri = BASE_URL + WHOAMI
        query = (("xoauth_requestor_id", USER),)

        def core() -> float:
            def verify_all() -> None:
                for header in headers:
                    signed = SignedRequest("GET", uri, query=query, header=parse_authorization(header))
                    found = provider.authenticate(signed, users)
                    assert found.user is not None and found.user.name == USER

            return count / _timed(verify_all)

        public = scene.key.public_key()
        parsed = [parse_authorization(h) for h in headers]
        floor_inputs = [
            (
                [*query, *(p for p in params if p[0] != "oauth_signature")],
                base64.b64decode(dict(params)["oauth_signature"]),
            )
            for params in parsed
        ]

        def floor() -> float:
            def verify_all() -> None:
                for params, signature in floor_inputs:
                    base = construct_base_string("GET", uri, params)
                    public.verify(signature, base.encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

            return count / _timed(verify_all)

        validator = _Validator(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        )
        endpoint = SignatureOnlyEndpoint(validator)
        full_uri = scene.whoami_url(BASE_URL)

        def oauthlib() -> float:
            def verify_all() -> None:
                for header in headers:
                    valid, _request = endpoint.validate_request(full_uri, "GET", None, {"Authorization": header})
                    assert valid

            return count / _timed(verify_all)

        def clear_nonces() -> None:
            with instance.engine.begin() as conn:
                conn.execute(delete(oauth_nonces))
            validator.nonces.clear()

        rates = interleaved({"core": core, "floor": floor, "oauthlib": oauthlib}, rounds, between=clear_nonces)
    finally:
        instance.close()

    key = scene.key
    signer = scene.signer()
    sign_url = scene.whoami_url(BASE_URL)
    sign_count = max(count // 4, 10)

    def signing() -> float:
        return time_ops(lambda: signer.authorization("GET", sign_url), sign_count)

    template = parsed[0]

    def sign_floor() -> float:
        def one() -> None:
            params = [*query, *(p for p in template if p[0] != "oauth_signature")]
            base = construct_base_string("GET", uri, params)
            key.sign(base.encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

        return time_ops(one, sign_count)

    signs = interleaved({"signing": signing, "floor": sign_floor}, rounds)
    return [
        Row(
            "OAuth 1.0a verify core (2LOi RSA-SHA1, SQLite nonces) vs floor",
            rates["core"],
            "req/s",
            1.5,
            at_most=True,
            baseline=rates["floor"],
            baseline_name="floor",
            cost=True,
        ),
        Row(
            "OAuth 1.0a verify core vs oauthlib SignatureOnlyEndpoint",
            rates["core"],
            "req/s",
            2.0,
            at_most=False,
            baseline=rates["oauthlib"],
            baseline_name="oauthlib",
        ),
        Row(
            "outgoing RSA-SHA1 signing (OAuthSigner) vs floor",
            signs["signing"],
            "sig/s",
            1.1,
            at_most=True,
            baseline=signs["floor"],
            baseline_name="floor",
            cost=True,
        ),
    ]


def _timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(*, quick: bool = False) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="applinks-bench-") as tmp:
        scene = make_scene(Path(tmp), BASE_URL)
        return _measure(scene, 20 if quick else 1500, 1 if quick else 5)
