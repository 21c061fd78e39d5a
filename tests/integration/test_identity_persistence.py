"""The instance identity survives restarts, its private key is encrypted at rest, and bad key files or
database URLs stop the start with a clear ConfigurationError."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from applinks.errors import ConfigurationError
from applinks.instance import PRIVATE_KEY, Instance
from applinks.settings import Settings
from tests.integration.db_dump import database_bytes


def _open(settings: Settings) -> Instance:
    return Instance(settings)


def test_identity_is_created_once_and_kept_across_restarts(settings: Settings) -> None:
    first = _open(settings)
    server_id, app_id, public = first.identity.server_id, first.application_id, first.identity.key.public_pem
    first.close()
    second = _open(settings)
    try:
        assert second.identity.server_id == server_id
        assert second.application_id == app_id
        assert second.identity.key.public_pem == public
        assert second.identity.key.private_key.key_size == 2048
        assert second.manifest().id == app_id
    finally:
        second.close()


def test_two_instances_on_one_database_share_one_identity(settings: Settings) -> None:
    first = _open(settings)
    try:
        # A second node: same database and key file, its own process state.
        second = _open(settings)
        try:
            assert second.application_id == first.application_id
            assert second.identity.key.public_pem == first.identity.key.public_pem
        finally:
            second.close()
    finally:
        first.close()


def test_key_file_is_created_owner_only(settings: Settings) -> None:
    _open(settings).close()
    mode = stat.S_IMODE(settings.resolved_key_file.stat().st_mode)
    assert mode == 0o600


def _stored_secrets(instance: Instance) -> list[bytes]:
    """Byte strings that must never appear in the database: the PEM, its base64 body, the raw DER."""
    key = instance.identity.key
    pem = key.private_pem()
    body_lines = [line for line in pem.splitlines() if line and not line.startswith(b"-----")]
    der = key.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return [pem, b"PRIVATE KEY", body_lines[len(body_lines) // 2], der[40:80]]


def test_private_key_is_encrypted_at_rest(settings: Settings) -> None:
    instance = _open(settings)
    try:
        secrets = _stored_secrets(instance)
        assert instance.identity.key.private_key is not None
        with instance.engine.connect() as conn:
            from applinks.storage.properties import get_property

            sealed = get_property(conn, PRIVATE_KEY)
        assert sealed is not None
        assert instance.box.decrypt_bytes(sealed) == secrets[0]
    finally:
        instance.close()
    raw = database_bytes(settings.resolved_database_url)
    assert sealed.encode() in raw  # the search looks at the right bytes...
    for secret in secrets:
        assert secret not in raw  # ...and finds no plaintext key material


def test_missing_key_file_with_secrets_in_the_database_is_refused(settings: Settings) -> None:
    _open(settings).close()
    settings.resolved_key_file.unlink()
    with pytest.raises(ConfigurationError) as info:
        _open(settings)
    assert info.value.key == "applinks.keyfile.missing"
    assert str(settings.resolved_key_file) in info.value.message
    assert not settings.resolved_key_file.exists()  # not recreated silently


def test_replaced_key_file_is_refused(settings: Settings) -> None:
    _open(settings).close()
    settings.resolved_key_file.unlink()
    from applinks.crypto import create_key_file

    create_key_file(settings.resolved_key_file)
    with pytest.raises(ConfigurationError) as info:
        _open(settings)
    assert info.value.key == "applinks.keyfile.mismatch"


@pytest.mark.parametrize(
    ("content", "key"),
    [(b"garbage that is no key\n", "applinks.keyfile.invalid"), (b"\xff\xfe\xfa", "applinks.keyfile.unreadable")],
)
def test_garbage_key_file_is_a_clear_error(settings: Settings, content: bytes, key: str) -> None:
    _open(settings).close()
    settings.resolved_key_file.write_bytes(content)
    with pytest.raises(ConfigurationError) as info:
        _open(settings)
    assert info.value.key == key


def test_unreadable_key_file_is_a_clear_error(settings: Settings) -> None:
    _open(settings).close()
    path = settings.resolved_key_file
    path.unlink()
    path.mkdir()  # reading fails with an OS error even for root, unlike a chmod 000 file
    with pytest.raises(ConfigurationError) as info:
        _open(settings)
    assert info.value.key == "applinks.keyfile.unreadable"
    assert "cannot be read" in info.value.message


def test_explicit_key_file_setting(settings: Settings, tmp_path: Path) -> None:
    custom = settings.model_copy(update={"key_file": tmp_path / "keys" / "applinks.key"})
    _open(custom).close()
    assert custom.resolved_key_file.exists()
    assert not settings.resolved_key_file.exists()
    _open(custom).close()


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("postgresql://root:sentinel-pw@127.0.0.1:1/nowhere", "applinks.database.unreachable"),
        ("sqlite:////nonexistent-directory/for/applinks.db", "applinks.database.unreachable"),
        ("not a database url", "applinks.database.url"),
        ("nosuchdialect://x/y", "applinks.database.url"),
    ],
)
def test_database_that_does_not_connect_is_a_clear_error(tmp_path: Path, url: str, key: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    with pytest.raises(ConfigurationError) as info:
        Instance(settings)
    assert info.value.key == key
    assert "database" in info.value.message
    assert "sentinel-pw" not in info.value.message
