"""Consumers' public keys: accepted forms, refused ones, and the cache of loaded key objects."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from applinks.auth.oauth1.keys import load_public_key, normalise_public_key
from applinks.errors import InvalidInput
from tests.integration.oauth1_support import key_pair


def test_pem_der_and_certificate_forms_normalise_to_the_same_der() -> None:
    keys = key_pair()
    private = serialization.load_pem_private_key(keys.private_pem.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "consumer")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    wrapped = "\n".join(keys.public_b64[i : i + 64] for i in range(0, len(keys.public_b64), 64))
    forms = [keys.public_pem, keys.public_b64, wrapped, cert_pem, "  " + keys.public_pem + "\n"]
    assert {normalise_public_key(form) for form in forms} == {keys.public_b64}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        base64.b64encode(b"garbage bytes").decode(),
        "A" * 20000,
    ],
)
def test_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        normalise_public_key(text)
    assert raised.value.status == 400


def test_non_rsa_and_short_keys_are_refused() -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(InvalidInput, match="not an RSA key"):
        normalise_public_key(ec_pem)
    # cryptography will not generate such a key; build a 512-bit public key from its numbers instead.
    modulus = (1 << 511) | 0x1F3B5D7F  # odd, 512 bits
    small = (
        rsa.RSAPublicNumbers(65537, modulus)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(InvalidInput, match="bits"):
        normalise_public_key(small)


def test_loaded_key_objects_are_cached() -> None:
    keys = key_pair()
    load_public_key.cache_clear()
    first = load_public_key(keys.public_b64)
    second = load_public_key(keys.public_b64)
    assert first is second
    info = load_public_key.cache_info()
    assert (info.hits, info.misses) == (1, 1)
