"""The sending side: the six v2 headers for (URL, user, time), and an ``httpx2.Auth`` that adds them."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Generator

import httpx2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from applinks.auth.trusted_apps.protocol import (
    MAGIC,
    PROTOCOL_VERSION,
    SECRET_KEY_BYTES,
    Header,
    b64encode,
    certificate_plaintext,
    rc4,
    rsa_private_raw,
    signed_text,
)
from applinks.errors import InvalidInput


def new_secret_key() -> bytes:
    """A random RC4 key whose first byte is not 0 (raw RSA would lose a leading zero)."""
    while True:
        key = secrets.token_bytes(SECRET_KEY_BYTES)
        if key[0] != 0:
            return key


class TrustedAppsSigner:
    """Signs requests as this application: a pure object, no I/O (the ``httpx2.Auth`` below wraps it)."""

    def __init__(
        self, application_id: str, private_key: rsa.RSAPrivateKey, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.application_id = application_id
        self._key = private_key
        self._numbers = private_key.private_numbers()
        self._clock = clock
        # Raw RSA is deterministic, so the encrypted magic is the same for every request.
        self._magic = b64encode(rsa_private_raw(self._numbers, MAGIC.encode()))

    def headers(self, url: str, username: str, timestamp_ms: int | None = None) -> dict[str, str]:
        """The headers that make a request to ``url`` run as ``username`` at a trusting application."""
        if not username or any(c in username for c in "\r\n"):
            raise InvalidInput("Trusted Applications cannot send a blank user name or one with line breaks")
        timestamp = int(self._clock() * 1000) if timestamp_ms is None else timestamp_ms
        secret = new_secret_key()
        signature = self._key.sign(signed_text(timestamp, url), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
        return {
            Header.ID: self.application_id,
            Header.CERT: b64encode(rc4(secret, certificate_plaintext(timestamp, username))),
            Header.KEY: b64encode(rsa_private_raw(self._numbers, secret)),
            Header.VERSION: str(PROTOCOL_VERSION),
            Header.MAGIC: self._magic,
            Header.SIGNATURE: b64encode(signature),
        }


def signed_url(request: httpx2.Request) -> str:
    """The URL the caller asked for, even when the hardened transport has pinned the host to an address:
    the ``Host`` header still names it."""
    host = request.headers.get("host") or request.url.netloc.decode("ascii")
    return f"{request.url.scheme}://{host}{request.url.raw_path.decode('ascii')}"


class TrustedAppsAuth(httpx2.Auth):
    """``httpx2`` auth flow adding the Trusted Applications headers for one user (sync and async clients)."""

    def __init__(self, signer: TrustedAppsSigner, username: str) -> None:
        self.signer = signer
        self.username = username

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers.update(self.signer.headers(signed_url(request), self.username))
        yield request
