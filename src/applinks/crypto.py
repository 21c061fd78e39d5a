"""Encryption at rest (the key file and ``SecretBox``) and the constant-time comparison every secret uses."""

from __future__ import annotations

import hmac
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from applinks.errors import ConfigurationError


def secrets_equal(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time comparison; the only way secrets are compared in applinks."""
    left = a.encode() if isinstance(a, str) else a
    right = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


class SecretBox:
    """Encrypts secrets before they reach the database. The first key encrypts; every key decrypts (rotation).

    With ``path`` the box follows its key file: when the file changes (``applinks keys rotate`` on another
    node or process) it reloads the keys before encrypting, and before giving up on a token it cannot decrypt,
    so running nodes keep working through a rotation."""

    def __init__(self, keys: list[bytes], path: Path | None = None) -> None:
        if not keys:
            raise ConfigurationError("no encryption key configured", key="applinks.keyfile.empty")
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self._path = path
        self._stamp = self._file_stamp()
        self._lock = threading.Lock()

    def _file_stamp(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            info = self._path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    def _reload_if_changed(self) -> bool:
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp or self._path is None:
            return False
        with self._lock:
            keys = read_key_file(self._path)
            self._fernet = MultiFernet([Fernet(k) for k in keys])
            self._stamp = stamp
        return True

    def encrypt(self, plaintext: str | bytes) -> str:
        self._reload_if_changed()
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        return self._fernet.encrypt(data).decode("ascii")

    def decrypt_bytes(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError) as exc:
            if self._reload_if_changed():
                return self.decrypt_bytes(token)
            raise ConfigurationError(
                "a stored secret cannot be decrypted with the configured key file (was the key file replaced?)",
                key="applinks.keyfile.mismatch",
            ) from exc

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the first (newest) key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def can_decrypt(self, token: str) -> bool:
        try:
            self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError, UnicodeEncodeError):
            return False
        return True


def read_key_file(path: Path) -> list[bytes]:
    """Read the key file: one Fernet key per line, newest first. Clear errors for every failure."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"the key file {path} is missing; the database holds secrets encrypted with it. "
            "Restore it from backup (every node of a cluster needs the same file).",
            key="applinks.keyfile.missing",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"the key file {path} cannot be read: {exc}", key="applinks.keyfile.unreadable"
        ) from exc
    keys = [line.strip().encode("ascii") for line in text.splitlines() if line.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise ConfigurationError(
                f"the key file {path} does not hold valid keys (one url-safe base64 Fernet key per line)",
                key="applinks.keyfile.invalid",
            ) from exc
    if not keys:
        raise ConfigurationError(f"the key file {path} is empty", key="applinks.keyfile.empty")
    return keys


def create_key_file(path: Path) -> list[bytes]:
    """Create a new key file readable only by its owner (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)  # another process starting on the same data directory won the race
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return [key]


def add_key_to_file(path: Path) -> list[bytes]:
    """Put a new key first in the key file (it encrypts from now on; the older ones still decrypt). The file is
    replaced in one rename, keeping mode 0600, so a reader never sees half a file."""
    keys = [Fernet.generate_key(), *read_key_file(path)]
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"".join(key + b"\n" for key in keys))
    os.replace(temporary, path)
    return keys
