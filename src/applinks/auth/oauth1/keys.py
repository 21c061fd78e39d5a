"""Consumers' RSA public keys: parsed and checked once when configured, loaded key objects cached."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from applinks.errors import InvalidInput

MIN_KEY_BITS = 1024
MAX_KEY_TEXT = 16 * 1024
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.S)


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, key="applinks.oauth.public_key")


def _from_der(der: bytes) -> rsa.RSAPublicKey:
    key: object
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        try:
            key = x509.load_der_x509_certificate(der).public_key()
        except (ValueError, TypeError) as exc:
            raise _invalid("the public key is neither an X.509 SubjectPublicKeyInfo nor a certificate") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise _invalid("the public key is not an RSA key")
    return key


def _parse(text: str) -> rsa.RSAPublicKey:
    if len(text) > MAX_KEY_TEXT:
        raise _invalid(f"the public key is longer than {MAX_KEY_TEXT} characters")
    match = _PEM.search(text)
    if match is not None:
        label = match.group(1)
        pem = match.group(0).encode("ascii", errors="replace")
        key: object
        try:
            if label == "CERTIFICATE":
                key = x509.load_pem_x509_certificate(pem).public_key()
            else:
                key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as exc:
            raise _invalid(f"the PEM block ({label}) is not a valid public key") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise _invalid("the public key is not an RSA key")
        return key
    compact = "".join(text.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _invalid("the public key is not base64 (DER) or PEM") from exc
    if not der:
        raise _invalid("the public key is empty")
    return _from_der(der)


def normalise_public_key(text: str) -> str:
    """Check a public key given as PEM, certificate or base64 DER; return it as base64 SubjectPublicKeyInfo
    DER (the consumer-info form). Raises ``InvalidInput`` for anything else."""
    key = _parse(text or "")
    if key.key_size < MIN_KEY_BITS:
        raise _invalid(f"the RSA key has {key.key_size} bits; at least {MIN_KEY_BITS} are required")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


@lru_cache(maxsize=1024)
def load_public_key(der_b64: str) -> rsa.RSAPublicKey:
    """The key object for a stored (normalised) key; parsed once per process, then served from the cache."""
    return _from_der(base64.b64decode(der_b64))
