"""The consumer-side signer, checked by an outside implementation (oauthlib computes the base string)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature

from applinks.outbound.providers.oauth1 import ConsumerCredentials, OAuth1Auth, OAuthSigner

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _header_params(value: str) -> dict[str, str]:
    assert value.startswith("OAuth ")
    pairs = [item.strip().split("=", 1) for item in value[6:].split(",")]
    return {unquote(k): unquote(v.strip('"')) for k, v in pairs}


def _base_string(method: str, url: str, oauth: dict[str, str], body: bytes = b"") -> str:
    parts = urlsplit(url)
    params = [(k, v) for k, v in oauth.items() if k not in ("oauth_signature", "realm")]
    params += parse_qsl(parts.query, keep_blank_values=True)
    params += parse_qsl(body.decode(), keep_blank_values=True)
    uri = oauthlib_signature.base_string_uri(f"{parts.scheme}://{parts.netloc}{parts.path}")
    normalized = oauthlib_signature.normalize_parameters(params)
    return str(oauthlib_signature.signature_base_string(method, uri, normalized))


def _verify(signature: str, base: str) -> None:
    """The RSA-SHA1 check a provider makes (SHA-1 is what the protocol fixes)."""
    KEY.public_key().verify(base64.b64decode(signature), base.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303


def _signed(auth: httpx2.Auth, request: httpx2.Request) -> httpx2.Request:
    flow = auth.sync_auth_flow(request)
    return next(flow)


def test_rsa_sha1_with_the_key_object_verifies_with_the_public_key() -> None:
    signer = OAuthSigner(ConsumerCredentials("Wiki:123", rsa_key=KEY), token="tok")
    request = _signed(OAuth1Auth(signer), httpx2.Request("GET", "https://jira.test/jira/rest/x?b=2&a=1"))
    oauth = _header_params(request.headers["authorization"])
    assert oauth["oauth_signature_method"] == "RSA-SHA1"
    assert oauth["oauth_consumer_key"] == "Wiki:123"
    assert oauth["oauth_token"] == "tok"
    base = _base_string("GET", str(request.url), oauth)
    _verify(oauth["oauth_signature"], base)
    with pytest.raises(InvalidSignature):
        _verify(oauth["oauth_signature"], base.replace("GET", "PUT", 1))


def test_a_signer_without_a_token_sends_none() -> None:
    request = _signed(
        OAuth1Auth(OAuthSigner(ConsumerCredentials("k", rsa_key=KEY))), httpx2.Request("GET", "http://a.test/")
    )
    assert "oauth_token" not in _header_params(request.headers["authorization"])


@pytest.mark.parametrize("requestor", [None, "alice"])
def test_two_legged_sends_an_empty_oauth_token_and_signs_it(requestor: str | None) -> None:
    """Atlassian treats a request as 2LO only with ``oauth_token`` present and empty (protocol.md §10)."""
    signer = OAuthSigner(ConsumerCredentials("k", rsa_key=KEY), two_legged=True)
    request = _signed(OAuth1Auth(signer, requestor=requestor), httpx2.Request("GET", "http://a.test/rest?x=1"))
    header = request.headers["authorization"]
    assert 'oauth_token=""' in header
    oauth = _header_params(header)
    base = _base_string("GET", str(request.url), oauth)
    assert "oauth_token%3D%26" in base  # the empty parameter is part of what is signed
    _verify(oauth["oauth_signature"], base)


def test_impersonation_puts_the_requestor_in_the_query_and_in_the_signature() -> None:
    signer = OAuthSigner(ConsumerCredentials("k", rsa_key=KEY))
    request = _signed(
        OAuth1Auth(signer, requestor="alice smith"),
        httpx2.Request("GET", "http://a.test/rest?xoauth_requestor_id=mallory&x=1"),
    )
    query = parse_qsl(request.url.query.decode())
    assert ("xoauth_requestor_id", "alice smith") in query
    assert ("xoauth_requestor_id", "mallory") not in query  # a caller cannot smuggle another name in
    oauth = _header_params(request.headers["authorization"])
    base = _base_string("GET", str(request.url), oauth)
    assert "xoauth_requestor_id%3Dalice%2520smith" in base
    _verify(oauth["oauth_signature"], base)


def test_form_bodies_are_signed_and_the_callback_and_verifier_travel_in_the_header() -> None:
    signer = OAuthSigner(ConsumerCredentials("k", rsa_key=KEY), callback="http://wiki.test/cb?x=1", verifier="v1")
    request = _signed(
        OAuth1Auth(signer),
        httpx2.Request("POST", "http://a.test/token", data={"field": "value"}),
    )
    oauth = _header_params(request.headers["authorization"])
    assert oauth["oauth_callback"] == "http://wiki.test/cb?x=1"
    assert oauth["oauth_verifier"] == "v1"
    base = _base_string("POST", str(request.url), oauth, request.content)
    assert "field%3Dvalue" in base
    _verify(oauth["oauth_signature"], base)


def test_hmac_sha1_with_a_shared_secret_for_generic_remotes() -> None:
    signer = OAuthSigner(ConsumerCredentials("generic", shared_secret="s3cret"), token="t", token_secret="ts")
    request = _signed(OAuth1Auth(signer), httpx2.Request("GET", "http://generic.test/api"))
    oauth = _header_params(request.headers["authorization"])
    assert oauth["oauth_signature_method"] == "HMAC-SHA1"
    base = _base_string("GET", str(request.url), oauth)
    mac = hmac.HMAC(b"s3cret&ts", hashes.SHA1())  # noqa: S303 - HMAC-SHA1 is the protocol's
    mac.update(base.encode())
    assert base64.b64decode(oauth["oauth_signature"]) == mac.finalize()
