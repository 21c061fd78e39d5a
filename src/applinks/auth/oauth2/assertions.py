"""Keys of JWT bearer impersonation (RFC 7523): the public key held for a calling application, the one
algorithm it allows, and the assertion a calling instance signs (joserfc and Authlib do the JOSE work)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from authlib.oauth2.rfc7523 import JWTBearerGrant
from joserfc.jwk import ECKey, RSAKey

from applinks.errors import InvalidInput

ASSERTION_LIFETIME = 120  # seconds; the provider accepts at most 300


def public_key(pem: str | None) -> RSAKey | ECKey:
    """The PEM public key held for a calling application, as a joserfc key (private keys are refused)."""
    if not pem:
        raise InvalidInput("no public key", key="applinks.oauth2.jwt.key")
    for key_type in (RSAKey, ECKey):
        try:
            key = key_type.import_key(pem)
        except (ValueError, TypeError):
            continue
        if key.is_private:
            raise InvalidInput("give the public key, not the private key", key="applinks.oauth2.jwt.key")
        return key
    raise InvalidInput("the public key is not an RSA or EC key in PEM form", key="applinks.oauth2.jwt.key")


def algorithm_of(pem: str | None) -> str:
    """The only algorithm an assertion verified with this key may use."""
    key = public_key(pem)
    if isinstance(key, RSAKey):
        return "RS256"
    curve = key.curve_name
    return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}.get(curve, "ES256")


def sign_assertion(
    private_pem: str | bytes, *, issuer: str, subject: str, audience: str, now: float | None = None
) -> str:
    """A short assertion this instance signs with its instance key: ``iss`` = our application ID, ``sub``
    = the user, ``aud`` = the provider's token endpoint, a unique ``jti``."""
    issued = int(now if now is not None else time.time())
    signed: Any = JWTBearerGrant.sign(
        RSAKey.import_key(private_pem),
        issuer=issuer,
        audience=audience,
        subject=subject,
        issued_at=issued,
        expires_at=issued + ASSERTION_LIFETIME,
        claims={"jti": uuid.uuid4().hex},
        alg="RS256",
    )
    return signed.decode() if isinstance(signed, bytes) else str(signed)
