"""A trusted application: the remote end of a link whose Trusted Applications certificates we accept."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# Application links trust each other's certificates for 10 s (protocol.md §9.1 step 6).
DEFAULT_CERTIFICATE_TIMEOUT_MS = 10_000


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from base64 SubjectPublicKeyInfo DER; ``ValueError`` when it is not one."""
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the public key is not base64") from exc
    key = serialization.load_der_public_key(der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


@dataclass(frozen=True)
class TrustedApp:
    """An application this instance trusts, registered for one link (key parsed once, then cached)."""

    link_id: str
    application_id: str
    public_key_b64: str
    certificate_timeout_ms: int = DEFAULT_CERTIFICATE_TIMEOUT_MS
    ip_patterns: tuple[str, ...] = ()
    url_patterns: tuple[str, ...] = ()

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return load_public_key(self.public_key_b64)

    def to_json(self) -> dict[str, Any]:
        return {
            "applicationId": self.application_id,
            "publicKey": self.public_key_b64,
            "certificateTimeout": self.certificate_timeout_ms,
            "ipPatterns": list(self.ip_patterns),
            "urlPatterns": list(self.url_patterns),
        }
