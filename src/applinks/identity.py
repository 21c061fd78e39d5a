"""The instance's identity: server ID, application ID (Java name-UUID compatible) and its RSA key pair."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# Application IDs are UUIDs in practice; anything else is kept to characters safe in URL paths and keys.
_APPLICATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def is_valid_application_id(value: str) -> bool:
    """Whether ``value`` may be used as an application (link) ID: at most 64 URL-safe characters."""
    return _APPLICATION_ID.fullmatch(value) is not None


def name_uuid_from_bytes(data: bytes) -> uuid.UUID:
    """Java's ``UUID.nameUUIDFromBytes``: MD5, version nibble 3, IETF variant."""
    digest = bytearray(hashlib.md5(data).digest())  # noqa: S324 - the protocol fixes MD5
    digest[6] = (digest[6] & 0x0F) | 0x30
    digest[8] = (digest[8] & 0x3F) | 0x80
    return uuid.UUID(bytes=bytes(digest))


def application_id_for(server_id: str) -> str:
    """The application ID of an instance with this server ID (protocol.md §1)."""
    return str(name_uuid_from_bytes(server_id.encode("utf-8")))


def generic_application_id(url: str) -> str:
    """The ID given to a remote that does not speak applinks: derived from its normalised base URL."""
    return application_id_for(url.strip().rstrip("/"))


def new_server_id() -> str:
    """A new random server ID in Atlassian's ``XXXX-XXXX-XXXX-XXXX`` shape."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class InstanceKey:
    """The loaded key pair; key objects are parsed once and cached (PEM parsing per signature is slow)."""

    private_key: rsa.RSAPrivateKey

    @classmethod
    def from_pem(cls, pem: bytes) -> InstanceKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the instance key is not an RSA key")
        return cls(key)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @cached_property
    def public_key_der_b64(self) -> str:
        """The public key as consumer-info publishes it: base64 of the SubjectPublicKeyInfo DER, no armour."""
        der = self.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode("ascii")

    @cached_property
    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


@dataclass(frozen=True)
class Identity:
    """Who this instance is."""

    server_id: str
    key: InstanceKey

    @cached_property
    def application_id(self) -> str:
        return application_id_for(self.server_id)
