"""The Trusted Applications v2 wire format: published certificate, raw RSA, RC4, headers and error codes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher

from applinks.domain.trusted_apps import load_public_key
from applinks.errors import TrustedAppsRefused, UnexpectedResponse

# Java's String.valueOf(0xBADC0FEE): the int is signed, hence the minus.
MAGIC = "-1159983122"
PROTOCOL_VERSION = 2
CERTIFICATE_PATH = "/admin/appTrustCertificate"
AUTOCONFIG_PATH = "/plugins/servlet/applinks/auth/conf/trusted/autoconfig/"
SECRET_KEY_BYTES = 16
# Remote-controlled values echoed in error headers are cut to this length.
_MAX_PARAM = 200


class Header:
    """Request and response header names."""

    ID = "X-Seraph-Trusted-App-ID"
    CERT = "X-Seraph-Trusted-App-Cert"
    KEY = "X-Seraph-Trusted-App-Key"
    VERSION = "X-Seraph-Trusted-App-Version"
    MAGIC = "X-Seraph-Trusted-App-Magic"
    SIGNATURE = "X-Seraph-Trusted-App-Signature"
    STATUS = "X-Seraph-Trusted-App-Status"
    ERROR = "X-Seraph-Trusted-App-Error"


class Code:
    """Error codes of ``X-Seraph-Trusted-App-Error`` with the message template each is sent with."""

    APP_UNKNOWN = ("APP_UNKNOWN", "Unknown Application: {0}")
    SYSTEM = ("SYSTEM", "Exception: {0} occurred serving request for application: {1}")
    APP_ID_NOT_FOUND = ("APP_ID_NOT_FOUND", "Application ID not found in request")
    SECRET_KEY_NOT_FOUND = ("SECRET_KEY_NOT_FOUND", "Secret Key not found in request")
    MAGIC_NUMBER_NOT_FOUND = ("MAGIC_NUMBER_NOT_FOUND", "Magic Number not found in request")
    BAD_PROTOCOL_VERSION = ("BAD_PROTOCOL_VERSION", "Bad protocol version: {0}")
    BAD_REMOTE_IP = ("BAD_REMOTE_IP", "Request not allowed from IP address: {0}")
    BAD_XFORWARD_IP = ("BAD_XFORWARD_IP", "Request not allowed from IP address: {0}")
    BAD_URL = ("BAD_URL", "Request not allowed to access URL: {0}")
    OLD_CERT = ("OLD_CERT", "Certificate too old. Application: {0} Certificate Created: {1} Timeout: {2}")
    # Not in Atlassian's list: a replay is refused under the code of a certificate that can no longer be used.
    REPLAYED_CERT = ("OLD_CERT", "Certificate already used. Application: {0} Certificate Created: {1}")
    MISSING_CERT = ("MISSING_CERT", "Missing Certificate")
    BAD_MAGIC = ("BAD_MAGIC", "Unable to decrypt certificate {0} for application {1}")
    USER_UNKNOWN = ("USER_UNKNOWN", "Unknown User: {0}")
    PERMISSION_DENIED = ("PERMISSION_DENIED", "Permission Denied")
    BAD_SIGNATURE = ("BAD_SIGNATURE", "Bad signature for URL: {0}")
    MISSING_SIGNATURE = ("BAD_SIGNATURE", "Missing signature in a v2 request")


def refused(code: tuple[str, str], *params: object) -> TrustedAppsRefused:
    """The error for ``code`` with its parameters (remote-controlled values are shortened)."""
    return TrustedAppsRefused(code[0], code[1], *(str(p)[:_MAX_PARAM] for p in params))


def error_header(error: TrustedAppsRefused) -> str:
    """``CODE;\\t<template>;\\t["p1",…]``: parameters as a JSON array, ASCII only (no header injection)."""
    params = json.dumps(list(error.params), separators=(",", ":"), ensure_ascii=True)
    return f"{error.code};\t{error.template};\t{params}"


def trusted_application_id(application_type: str, server_id: str) -> str:
    """``<appType>:<int of the first three bytes of MD5(server ID)>``, e.g. ``confluence:123456``."""
    digest = hashlib.md5(server_id.encode("utf-8")).digest()  # noqa: S324 - the protocol fixes MD5
    return f"{application_type}:{int.from_bytes(digest[:3], 'big')}"


def b64encode(data: bytes) -> str:
    """Standard, padded base64 without line breaks (protocol.md §9.1 step 4)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64; ``ValueError`` for anything else."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


def public_key_b64(key: rsa.RSAPublicKey) -> str:
    """Base64 of the X.509 SubjectPublicKeyInfo DER."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64encode(der)


# -- the published certificate (protocol.md §9.1 step 1) ---------------------------------------------------
@dataclass(frozen=True)
class PublishedCertificate:
    """What ``/admin/appTrustCertificate`` says: ID and public key; version and magic in the four-line form."""

    application_id: str
    public_key_b64: str
    protocol_version: int | None = None

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return load_public_key(self.public_key_b64)

    def render(self) -> str:
        """Four lines without a trailing newline."""
        return "\n".join([self.application_id, self.public_key_b64, str(PROTOCOL_VERSION), MAGIC])


def parse_certificate(text: str) -> PublishedCertificate:
    """Read a published certificate: the four-line form, or the old two-line form (ID and key)."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) not in (2, 4):
        raise UnexpectedResponse(f"a trust certificate has two or four lines, this answer has {len(lines)}")
    application_id, key_text = lines[0], lines[1]
    if not application_id or len(application_id) > 255 or any(c.isspace() for c in application_id):
        raise UnexpectedResponse("the trust certificate has no usable application ID")
    version: int | None = None
    if len(lines) == 4:
        try:
            version = int(lines[2])
        except ValueError as exc:
            raise UnexpectedResponse(
                f"the trust certificate's protocol version {lines[2][:20]!r} is no number"
            ) from exc
        if lines[3] != MAGIC:
            raise UnexpectedResponse("the trust certificate's magic number is wrong")
    try:
        key = load_public_key(key_text)
    except ValueError as exc:
        raise UnexpectedResponse("the trust certificate's public key is not a base64 RSA public key") from exc
    return PublishedCertificate(application_id, public_key_b64(key), version)


# -- raw RSA and RC4 (protocol.md §9.1 step 3) ----------------------------------------------------------------
def _modulus_bytes(n: int) -> int:
    return (n.bit_length() + 7) // 8


def rsa_private_raw(key: rsa.RSAPrivateKey | rsa.RSAPrivateNumbers, data: bytes) -> bytes:
    """Raw RSA with the private key, no padding: ``m^d mod n``, left-padded to the modulus length. Computed
    with the key's CRT numbers (the same result, a few times faster); pass the numbers to skip extracting them."""
    numbers = key if isinstance(key, rsa.RSAPrivateNumbers) else key.private_numbers()
    n = numbers.public_numbers.n
    m = int.from_bytes(data, "big")
    if not data or data[0] == 0 or m >= n:
        raise ValueError("raw RSA needs a message with a non-zero first byte, smaller than the modulus")
    m1 = pow(m, numbers.dmp1, numbers.p)
    m2 = pow(m, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    return (m2 + h * numbers.q).to_bytes(_modulus_bytes(n), "big")


def rsa_public_raw(key: rsa.RSAPublicKey, data: bytes) -> bytes:
    """Raw RSA with the public key: ``c^e mod n`` without its leading zero bytes (Java's BigInteger bytes
    with the sign byte stripped); ``ValueError`` for a ciphertext that cannot come from this key's owner."""
    numbers = key.public_numbers()
    c = int.from_bytes(data, "big")
    if not data or len(data) > _modulus_bytes(numbers.n) or c >= numbers.n:
        raise ValueError("the ciphertext does not fit the key")
    m = pow(c, numbers.e, numbers.n)
    return m.to_bytes(max(1, _modulus_bytes(m)), "big")


def rc4(key: bytes, data: bytes) -> bytes:
    """RC4 from ``cryptography``'s legacy ciphers (the protocol fixes it; nothing else of ours uses it)."""
    encryptor = Cipher(ARC4(key), mode=None).encryptor()
    return encryptor.update(data) + encryptor.finalize()


# -- the certificate a request carries (protocol.md §9.1 steps 2-3) --------------------------------------------
def certificate_plaintext(timestamp_ms: int, username: str) -> bytes:
    return f"{timestamp_ms}\n{username}\n{MAGIC}".encode()


@dataclass(frozen=True, slots=True)
class RequestCertificate:
    """The decrypted ``X-Seraph-Trusted-App-Cert``."""

    timestamp_ms: int
    username: str


def parse_certificate_plaintext(data: bytes, application_id: str) -> RequestCertificate:
    """Split the decrypted certificate; a wrong magic or shape is ``BAD_MAGIC``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refused(Code.BAD_MAGIC, "secret key", application_id) from exc
    parts = text.split("\n")
    if len(parts) != 3 or parts[2] != MAGIC:
        raise refused(Code.BAD_MAGIC, "secret key", application_id)
    try:
        timestamp = int(parts[0])
    except ValueError as exc:
        raise refused(Code.BAD_MAGIC, "secret key", application_id) from exc
    return RequestCertificate(timestamp, parts[1])


def signed_text(timestamp_ms: int, url: str) -> bytes:
    """What the v2 signature covers: ``"<timestamp>\\n<full request URL with query>"``."""
    return f"{timestamp_ms}\n{url}".encode()
