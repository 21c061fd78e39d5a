"""Signature base strings and signature checks: the RFC 5849 examples, other clients' signatures, and
protocol parameters that are missing, duplicated or switched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1 import SIGNATURE_HMAC, SIGNATURE_RSA, Client
from oauthlib.oauth1.rfc5849 import SIGNATURE_RSA_SHA256, SIGNATURE_RSA_SHA512

from applinks.auth.oauth1 import signing
from applinks.auth.oauth1.keys import normalise_public_key
from applinks.auth.oauth1.model import Consumer
from applinks.auth.oauth1.signing import SignedRequest, parse_authorization, signature_valid
from applinks.errors import OAuthProblem
from tests.integration.oauth1_support import key_pair

PHOTOS = Consumer(
    link_id="l", key="dpf43f3p2l4k3l03", name="Printer", signature_method="HMAC-SHA1", shared_secret="kd94hf93k423kf44"
)


def _check(signed: SignedRequest, consumer: Consumer, token_secret: str = "") -> bool:
    params = signed.oauth_params()
    return signature_valid(
        signed.base_string(), params["oauth_signature"], params["oauth_signature_method"], consumer, token_secret
    )


@pytest.mark.parametrize(
    ("method", "uri", "header", "query", "token_secret"),
    [
        # RFC 5849 §1.2: temporary credentials, token credentials, and the protected resource.
        (
            "POST",
            "https://photos.example.net/initiate",
            'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_signature_method="HMAC-SHA1", '
            'oauth_timestamp="137131200", oauth_nonce="wIjqoS", '
            'oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready", '
            'oauth_signature="74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D"',
            (),
            "",
        ),
        (
            "POST",
            "https://photos.example.net/token",
            'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="hh5s93j4hdidpola", '
            'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="walatlh", '
            'oauth_verifier="hfdp7dh39dks9884", oauth_signature="gKgrFCywp7rO0OXSjdot%2FIHF7IU%3D"',
            (),
            "hdhd0244k9j7ao03",
        ),
        (
            "GET",
            "http://photos.example.net/photos",
            'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", '
            'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", '
            'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"',
            (("file", "vacation.jpg"), ("size", "original")),
            "pfkkdhi9sl3r4s00",
        ),
    ],
)
def test_rfc5849_section_1_2_examples_verify(
    method: str, uri: str, header: str, query: tuple[tuple[str, str], ...], token_secret: str
) -> None:
    signed = SignedRequest(method, uri, query=query, header=parse_authorization(header))
    assert _check(signed, PHOTOS, token_secret)
    assert not _check(signed, PHOTOS, token_secret + "x")  # the token secret is part of the key
    tampered = SignedRequest(method, uri, query=(*query, ("extra", "1")), header=signed.header)
    assert not _check(tampered, PHOTOS, token_secret)


def test_rfc5849_section_3_4_1_1_base_string() -> None:
    header = parse_authorization(
        'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", '
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", '
        'oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"'
    )
    signed = SignedRequest(
        "POST",
        "http://example.com/request",
        query=(("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b")),
        body=(("c2", ""), ("a3", "2 q")),
        header=header,
    )
    assert signed.base_string() == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D"
        "%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a"
        "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )


def test_section_3_4_1_1_request_signed_by_oauthlib_verifies() -> None:
    """The same request signed by an outside implementation (the RFC does not publish its secrets)."""
    consumer = Consumer(
        link_id="l", key="9djdj82h48djs9d2", name="Ex", signature_method="HMAC-SHA1", shared_secret="j49sk3j29djd"
    )
    client = Client(
        "9djdj82h48djs9d2",
        client_secret="j49sk3j29djd",
        resource_owner_key="kkk9d7dh3k39sjv7",
        resource_owner_secret="dh893hdasih9",
        signature_method=SIGNATURE_HMAC,
        timestamp="137131201",
        nonce="7d8f3e4a",
    )
    _, headers, _ = client.sign(
        "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        http_method="POST",
        body="c2&a3=2+q",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    signed = SignedRequest(
        "POST",
        "http://example.com/request",
        query=(("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b")),
        body=(("c2", ""), ("a3", "2 q")),
        header=parse_authorization(headers["Authorization"]),
    )
    assert _check(signed, consumer, "dh893hdasih9")


@pytest.mark.parametrize("method", [SIGNATURE_RSA, SIGNATURE_RSA_SHA256, SIGNATURE_RSA_SHA512])
def test_rsa_signatures_from_oauthlib_verify_with_the_consumers_method_only(method: str) -> None:
    keys = key_pair()
    consumer = Consumer(
        link_id="l", key="k", name="n", signature_method=method, public_key=normalise_public_key(keys.public_pem)
    )
    client = Client("k", signature_method=method, rsa_key=keys.private_pem)
    _, headers, _ = client.sign("http://127.0.0.1:8990/rest/x?a=1&b=%20", http_method="GET")
    signed = SignedRequest(
        "GET",
        "http://127.0.0.1:8990/rest/x",
        query=(("a", "1"), ("b", " ")),
        header=parse_authorization(headers["Authorization"]),
    )
    assert _check(signed, consumer)
    other = {SIGNATURE_RSA: SIGNATURE_RSA_SHA256}.get(method, SIGNATURE_RSA)
    switched = Consumer(link_id="l", key="k", name="n", signature_method=other, public_key=consumer.public_key)
    assert not _check(signed, switched)


def test_hmac_signature_never_verifies_against_an_rsa_consumer() -> None:
    keys = key_pair()
    consumer = Consumer(link_id="l", key="k", name="n", public_key=normalise_public_key(keys.public_pem))
    for secret in ("", "anything"):
        client = Client("k", client_secret=secret, signature_method=SIGNATURE_HMAC)
        _, headers, _ = client.sign("http://127.0.0.1:8990/x", http_method="GET")
        signed = SignedRequest("GET", "http://127.0.0.1:8990/x", header=parse_authorization(headers["Authorization"]))
        params = signed.oauth_params()
        # Claimed method HMAC-SHA1, consumer fixed to RSA-SHA1: never verified, whatever the signature.
        assert not signature_valid(signed.base_string(), params["oauth_signature"], "HMAC-SHA1", consumer, "")
        assert not signature_valid(signed.base_string(), params["oauth_signature"], "RSA-SHA1", consumer, "")


def test_hmac_consumer_without_a_secret_never_verifies() -> None:
    consumer = Consumer(link_id="l", key="k", name="n", signature_method="HMAC-SHA1", shared_secret=None)
    client = Client("k", client_secret="", signature_method=SIGNATURE_HMAC)
    _, headers, _ = client.sign("http://127.0.0.1:8990/x", http_method="GET")
    signed = SignedRequest("GET", "http://127.0.0.1:8990/x", header=parse_authorization(headers["Authorization"]))
    assert not _check(signed, consumer)


def test_duplicated_protocol_parameters_are_rejected() -> None:
    header = parse_authorization('OAuth oauth_consumer_key="a", oauth_nonce="1", oauth_nonce="2"')
    with pytest.raises(OAuthProblem) as raised:
        SignedRequest("GET", "http://h/x", header=header).oauth_params()
    assert raised.value.problem == "parameter_rejected"
    assert raised.value.http_status == 400
    assert raised.value.details["parameters_rejected"] == "oauth_nonce"
    # Once in the header and once in the query counts as twice as well.
    across = SignedRequest("GET", "http://h/x", query=(("oauth_consumer_key", "b"),), header=header[:1])
    with pytest.raises(OAuthProblem, match="oauth_consumer_key"):
        across.oauth_params()


def test_missing_protocol_parameters_are_named() -> None:
    signed = SignedRequest("GET", "http://h/x", header=parse_authorization('OAuth oauth_consumer_key="a"'))
    with pytest.raises(OAuthProblem) as raised:
        signed.require("oauth_consumer_key", "oauth_signature", "oauth_nonce")
    assert raised.value.problem == "parameter_absent"
    assert raised.value.http_status == 400
    assert raised.value.details["parameters_absent"] == "oauth_signature&oauth_nonce"


def test_signed_request_parameter_sent_twice_is_rejected() -> None:
    signed = SignedRequest("GET", "http://h/x", query=(("xoauth_requestor_id", "a"), ("xoauth_requestor_id", "b")))
    with pytest.raises(OAuthProblem) as raised:
        signed.param("xoauth_requestor_id")
    assert raised.value.problem == "parameter_rejected"
    assert SignedRequest("GET", "http://h/x", query=(("xoauth_requestor_id", "a"),)).param("xoauth_requestor_id") == "a"


@pytest.mark.parametrize("header", ["OAuth oauth_consumer_key", "OAuthx a=b", "Basic abc"])
def test_malformed_authorization_headers_are_rejected(header: str) -> None:
    with pytest.raises(OAuthProblem) as raised:
        parse_authorization(header)
    assert raised.value.problem == "parameter_rejected"


def test_realm_is_not_a_signed_parameter() -> None:
    parsed = parse_authorization('OAuth realm="http%3A%2F%2Fh", oauth_consumer_key="a%20b"')
    assert parsed == (("oauth_consumer_key", "a b"),)


_names = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz_%2F"), min_size=1, max_size=12)
_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
_spaces = st.sampled_from(["", " ", "  ", "\t"])


@given(st.lists(st.tuples(_names, _values, _spaces, _spaces), max_size=6))
def test_the_fast_header_parser_agrees_with_the_general_one(items: list[tuple[str, str, str, str]]) -> None:
    """Any header the one-regex parser accepts, it reads exactly as ``parse_http_list`` does; anything else
    (here: values with quotes or backslashes) falls through to the general parser."""
    text = ",".join(f'{before}{name}="{value}"{after}' for name, value, before, after in items)
    plain = signing._parse_plain(text)
    if plain is not None:
        assert plain == signing._parse_general(text)
    assert parse_authorization("OAuth " + text) == (plain if plain is not None else signing._parse_general(text))


def test_headers_the_fast_parser_does_not_take_still_parse() -> None:
    assert parse_authorization('OAuth realm="x", oauth_nonce="a%20b"') == (("oauth_nonce", "a b"),)
    assert parse_authorization('OAuth oauth_nonce=bare, oauth_token="t"') == (
        ("oauth_nonce", "bare"),
        ("oauth_token", "t"),
    )
    assert parse_authorization('OAuth oauth_nonce="q\\"uote"') == (("oauth_nonce", 'q"uote'),)
    assert signing._parse_plain("oauth_nonce=bare") is None
