"""Identity: Java-compatible name UUIDs, server IDs, application ID rules, the key pair."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import pytest
from cryptography.hazmat.primitives import serialization

from applinks.identity import (
    Identity,
    InstanceKey,
    application_id_for,
    generic_application_id,
    is_valid_application_id,
    name_uuid_from_bytes,
    new_private_key,
    new_server_id,
)


def test_name_uuid_matches_java_vector() -> None:
    # Java: UUID.nameUUIDFromBytes("test".getBytes("UTF-8"))
    assert str(name_uuid_from_bytes(b"test")) == "098f6bcd-4621-3373-8ade-4e832627b4f6"


@pytest.mark.parametrize("data", [b"", b"test", "Ünïcode-server".encode(), b"A" * 1000])
def test_name_uuid_is_version_3_ietf_variant(data: bytes) -> None:
    found = name_uuid_from_bytes(data)
    assert found.version == 3
    assert found.variant == uuid.RFC_4122
    # Python's UUID(version=3) sets the same version and variant bits Java does, over the same MD5.
    assert found == uuid.UUID(bytes=hashlib.md5(data).digest(), version=3)  # noqa: S324 - the protocol fixes MD5


def test_application_id_is_derived_from_utf8_server_id() -> None:
    assert application_id_for("test") == "098f6bcd-4621-3373-8ade-4e832627b4f6"
    assert application_id_for("ABCD-1234-EFGH-5678") != application_id_for("ABCD-1234-EFGH-5679")


def test_generic_id_ignores_trailing_slashes() -> None:
    assert generic_application_id("http://wiki.example.com/") == generic_application_id("http://wiki.example.com")
    assert generic_application_id("http://wiki.example.com") == application_id_for("http://wiki.example.com")


def test_server_ids_are_random_and_shaped_like_atlassian_ones() -> None:
    ids = {new_server_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", i) for i in ids)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("098f6bcd-4621-3373-8ade-4e832627b4f6", True),
        ("jira:1234567", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("../admin", False),
        ("has space", False),
        ("nul\x00", False),
        ("slash/inside", False),
    ],
)
def test_application_id_rules(value: str, valid: bool) -> None:
    assert is_valid_application_id(value) is valid


def test_instance_key_is_rsa_2048_and_round_trips_through_pem() -> None:
    key = InstanceKey(new_private_key())
    assert key.private_key.key_size == 2048
    again = InstanceKey.from_pem(key.private_pem())
    assert again.public_pem == key.public_pem
    der = base64.b64decode(key.public_key_der_b64)
    loaded = serialization.load_der_public_key(der)
    assert loaded.public_numbers() == key.public_key.public_numbers()  # type: ignore[union-attr]
    assert "-----" not in key.public_key_der_b64


def test_from_pem_refuses_non_rsa_keys() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        InstanceKey.from_pem(pem)


def test_identity_application_id() -> None:
    identity = Identity(server_id="test", key=InstanceKey(new_private_key()))
    assert identity.application_id == "098f6bcd-4621-3373-8ade-4e832627b4f6"
