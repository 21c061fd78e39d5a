"""Encryption at rest and the key file: creation mode, rotation, and a clear error for every bad file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from applinks.crypto import SecretBox, create_key_file, read_key_file, secrets_equal
from applinks.errors import ConfigurationError


def test_secrets_equal() -> None:
    assert secrets_equal("abc", "abc")
    assert secrets_equal(b"abc", "abc")
    assert not secrets_equal("abc", "abd")
    assert not secrets_equal("abc", "abcd")


def test_secrets_equal_uses_constant_time_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    import applinks.crypto as crypto

    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(crypto.hmac, "compare_digest", spy)
    assert secrets_equal("x", "x")
    assert calls == [(b"x", b"x")]


def test_key_file_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "secret.key"
    keys = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path) == keys


def test_key_file_creation_race_keeps_the_first_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    first = create_key_file(path)
    assert create_key_file(path) == first


def test_box_round_trip_and_ciphertext_hides_plaintext() -> None:
    box = SecretBox([Fernet.generate_key()])
    sealed = box.encrypt("sentinel-secret-value")
    assert "sentinel" not in sealed
    assert box.decrypt(sealed) == "sentinel-secret-value"


def test_rotation_old_key_still_decrypts_new_key_encrypts() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed_old = SecretBox([old]).encrypt("s")
    rotated_box = SecretBox([new, old])
    assert rotated_box.decrypt(sealed_old) == "s"
    rotated = rotated_box.rotate(sealed_old)
    assert SecretBox([new]).decrypt(rotated) == "s"


def test_wrong_key_is_a_configuration_error() -> None:
    sealed = SecretBox([Fernet.generate_key()]).encrypt("s")
    with pytest.raises(ConfigurationError) as info:
        SecretBox([Fernet.generate_key()]).decrypt(sealed)
    assert info.value.key == "applinks.keyfile.mismatch"


def test_no_keys_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        SecretBox([])


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "applinks.keyfile.empty"),
        (b"\n\n", "applinks.keyfile.empty"),
        (b"not a fernet key\n", "applinks.keyfile.invalid"),
        (b"\xff\xfe\x00garbage", "applinks.keyfile.unreadable"),
    ],
)
def test_bad_key_files_are_clear_errors(tmp_path: Path, content: bytes, key: str) -> None:
    path = tmp_path / "secret.key"
    path.write_bytes(content)
    with pytest.raises(ConfigurationError) as info:
        read_key_file(path)
    assert info.value.key == key
    assert str(path) in info.value.message


def test_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        read_key_file(tmp_path / "absent.key")
    assert info.value.key == "applinks.keyfile.missing"
    assert "missing" in info.value.message


def test_key_file_that_is_a_directory_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.mkdir()
    with pytest.raises(ConfigurationError) as info:
        read_key_file(path)
    assert info.value.key == "applinks.keyfile.unreadable"
