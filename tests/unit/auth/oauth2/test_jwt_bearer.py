"""JWT bearer impersonation (RFC 7523) at the token endpoint, without HTTP: a linked application's
assertion buys a token for the user it names, and a set of forged assertions is refused (security.md:
algorithm confusion, claim abuse, replay, the "same set of users" flag)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jws, jwt
from joserfc.jwk import RSAKey
from sqlalchemy import Engine

from applinks.auth.oauth2.assertions import sign_assertion
from applinks.auth.oauth2.models import JWT_BEARER
from applinks.auth.oauth2.server import TOKEN_PATH, OAuth2Response, PlainRequest
from applinks.errors import InvalidInput
from applinks.identity import InstanceKey, new_private_key
from applinks.storage import db
from tests.support import Databases
from tests.unit.auth.oauth2.helpers import BASE, Provider, make_provider

ISSUER = "c0ffee00-0000-3000-8000-000000000001"
AUDIENCE = BASE + TOKEN_PATH
CALLER = InstanceKey(new_private_key())
ATTACKER = InstanceKey(new_private_key())


@pytest.fixture
def engine(databases: Databases) -> Iterator[Engine]:
    found = db.make_engine(databases.new_url(migrated=True))
    yield found
    found.dispose()


@pytest.fixture
def provider(engine: Engine) -> Provider:
    found = make_provider(engine, real_time=True)
    client = found.register("WRITE")
    found.clients.set_jwt_bearer(client.client.id, issuer=ISSUER, public_key_pem=CALLER.public_pem, same_users=True)
    return found


def _grant(provider: Provider, assertion: str) -> OAuth2Response:
    form = [("grant_type", JWT_BEARER), ("assertion", assertion)]
    return provider.server.token(PlainRequest("POST", BASE + TOKEN_PATH, {}, [], form))


def _error(answer: OAuth2Response) -> str:
    assert isinstance(answer.body, dict), answer
    return str(answer.body.get("error", ""))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(claims: dict[str, Any], key: InstanceKey = CALLER, **header: Any) -> str:
    return jwt.encode({"alg": "RS256", **header}, claims, RSAKey.import_key(key.private_pem()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_assertion_buys_a_token_for_the_user_and_is_audited(provider: Provider) -> None:
    assertion = sign_assertion(CALLER.private_pem(), issuer=ISSUER, subject="alice", audience=AUDIENCE)
    answer = _grant(provider, assertion)
    assert answer.status == 200, answer
    assert isinstance(answer.body, dict) and "refresh_token" not in answer.body
    grant = provider.resolver.resolve("Bearer " + answer.body["access_token"])
    assert (grant.user_name, grant.impersonated) == ("alice", True)
    audit = provider.clients.impersonations()
    assert [(a["issuer"], a["user"]) for a in audit] == [(ISSUER, "alice")]


def test_replayed_assertion_is_refused(provider: Provider) -> None:
    assertion = _signed(_claims())
    assert _grant(provider, assertion).status == 200
    assert _error(_grant(provider, assertion)) == "invalid_grant"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        (_claims(exp=int(time.time()) - 600), "expired"),
        (_claims(exp=int(time.time()) + 3600), "lives longer than five minutes"),
        (_claims(aud="https://elsewhere.example/token"), "another audience"),
        (_claims(iss="unknown-application"), "unknown issuer"),
        (_claims(sub="nobody"), "unknown user"),
        (_claims(sub="gone"), "user who cannot log in"),
        (_claims(sub=None), "no subject"),
        (_claims(jti=None), "no jti"),
    ],
)
def test_broken_claims_are_refused(provider: Provider, claims: dict[str, Any], why: str) -> None:
    assert _error(_grant(provider, _signed(claims))) == "invalid_grant", why


def test_alg_none_is_refused(provider: Provider) -> None:
    unsigned = _b64(json.dumps({"alg": "none"}).encode()) + "." + _b64(json.dumps(_claims()).encode()) + "."
    assert _error(_grant(provider, unsigned)) == "invalid_grant"


def test_hmac_keyed_with_the_public_key_is_refused(provider: Provider) -> None:
    signing_input = _b64(json.dumps({"alg": "HS256"}).encode()) + "." + _b64(json.dumps(_claims()).encode())
    mac = hmac.new(CALLER.public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    answer = _grant(provider, signing_input + "." + _b64(mac))
    assert _error(answer) == "invalid_grant"
    # Refused by the pin to the held key's algorithm, before any key is tried.
    assert isinstance(answer.body, dict) and "must be signed with RS256" in answer.body["error_description"]


def test_embedded_jwk_and_jku_are_ignored(provider: Provider) -> None:
    attacker = RSAKey.import_key(ATTACKER.private_pem())
    header = {"jwk": attacker.as_dict(private=False), "jku": "https://evil.example/jwks", "kid": "evil"}
    forged = _signed(_claims(), key=ATTACKER, **header)
    assert _error(_grant(provider, forged)) == "invalid_grant"
    # A jku (and a kid naming no key of ours) on an assertion our held key verifies changes nothing: the
    # held key decides and nothing is fetched. (An embedded jwk makes the header exceed joserfc's size cap.)
    honest = _signed(_claims(), jku="https://evil.example/jwks", kid="evil")
    assert _grant(provider, honest).status == 200


def test_assertion_without_kid_is_matched_to_the_link_key(provider: Provider) -> None:
    answer = _grant(provider, _signed(_claims()))
    assert answer.status == 200


def test_unknown_crit_header_is_refused(provider: Provider) -> None:
    claims = json.dumps(_claims()).encode()
    header = {"alg": "RS256", "crit": ["x-must-understand"], "x-must-understand": True}
    key = RSAKey.import_key(CALLER.private_pem())
    try:
        token = jws.serialize_compact(header, claims, key)
    except Exception:  # joserfc may refuse to even produce it: build it by hand then
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(claims)
        private = CALLER.private_key
        signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = signing_input + "." + _b64(signature)
    assert _error(_grant(provider, token)) == "invalid_grant"


def test_impersonation_on_a_link_without_the_flag_is_refused(provider: Provider) -> None:
    client = provider.clients.all()[0]
    provider.clients.set_jwt_bearer(client.id, issuer=ISSUER, public_key_pem=CALLER.public_pem, same_users=False)
    answer = _grant(provider, _signed(_claims()))
    assert (answer.status, _error(answer)) == (401, "unauthorized_client")


def test_oversized_assertion_is_refused_before_decoding(provider: Provider) -> None:
    answer = _grant(provider, "a" * 9000)
    assert (answer.status, _error(answer)) == (400, "invalid_request")


def test_private_key_is_refused_as_the_held_key(provider: Provider) -> None:
    client = provider.clients.all()[0]
    with pytest.raises(InvalidInput, match="public key"):
        provider.clients.set_jwt_bearer(
            client.id, issuer=ISSUER, public_key_pem=CALLER.private_pem().decode(), same_users=True
        )
