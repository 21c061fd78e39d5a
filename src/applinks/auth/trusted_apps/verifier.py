"""The receiving side: every check of protocol.md §9.1 step 6, in order, each failing with its wire code."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from applinks.auth.trusted_apps.protocol import (
    MAGIC,
    PROTOCOL_VERSION,
    Code,
    Header,
    b64decode,
    parse_certificate_plaintext,
    rc4,
    refused,
    rsa_public_raw,
    signed_text,
)
from applinks.crypto import secrets_equal
from applinks.domain.trusted_apps import TrustedApp
from applinks.host import HostUser


@dataclass(frozen=True)
class SignedRequest:
    """A request as the receiver sees it. ``headers`` must look names up case-insensitively."""

    headers: Mapping[str, str]
    remote_address: str | None
    url: str  # from the configured base URL, never the Host header: what the sender must have signed
    path: str  # relative to the base URL, for the URL patterns
    forwarded_for: list[str] = field(default_factory=list)


def is_attempted(headers: Mapping[str, str]) -> bool:
    """No certificate header, no Trusted Applications attempt (protocol.md §9.1 step 6)."""
    return bool(headers.get(Header.CERT))


# -- patterns ---------------------------------------------------------------------------------------------
def check_ip_pattern(pattern: str) -> str:
    """A pattern as stored: an address, a CIDR network, or IPv4 with ``*`` octets (``10.0.*.*``)."""
    pattern = pattern.strip()
    if "*" in pattern:
        octets = pattern.split(".")
        if len(octets) != 4 or not all(o == "*" or (o.isdigit() and int(o) <= 255) for o in octets):
            raise ValueError(f"{pattern!r} is not an IP pattern (use e.g. 10.0.*.*)")
        return pattern
    ipaddress.ip_network(pattern, strict=False)
    return pattern


def _ip_matches(address: ipaddress.IPv4Address | ipaddress.IPv6Address, pattern: str) -> bool:
    if "*" in pattern:
        if address.version != 4:
            return False
        return all(p in ("*", o) for p, o in zip(pattern.split("."), str(address).split("."), strict=True))
    try:
        network = ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def ip_allowed(raw: str | None, patterns: tuple[str, ...]) -> bool:
    """Whether an address matches one of ``patterns``; no patterns allow every address."""
    if not patterns:
        return True
    try:
        address = ipaddress.ip_address((raw or "").strip().split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(_ip_matches(address, p) for p in patterns)


def url_allowed(path: str, patterns: tuple[str, ...]) -> bool:
    """The path must start with one of ``patterns``; no patterns allow every path."""
    return not patterns or any(path.startswith(p) for p in patterns)


# -- the checks --------------------------------------------------------------------------------------------
def _decrypt(app: TrustedApp, header: str) -> bytes:
    return rsa_public_raw(app.public_key, b64decode(header))


def verify(
    request: SignedRequest,
    find_app: Callable[[str], TrustedApp | None],
    find_user: Callable[[str], HostUser | None],
    now_ms: int,
    first_use: Callable[[TrustedApp, int, bytes], bool] | None = None,
) -> tuple[TrustedApp, HostUser]:
    """The trusted application and the user the request runs as; ``TrustedAppsRefused`` for the first
    check that fails. The signature is checked before the user is looked up, so only a trusted sender
    learns whether a user exists. ``first_use(app, timestamp_ms, signature)`` records a verified
    certificate and says whether it is new: the second use of a certificate is a replay, refused."""
    headers = request.headers
    app_id = (headers.get(Header.ID) or "").strip()
    if not app_id:
        raise refused(Code.APP_ID_NOT_FOUND)
    version = (headers.get(Header.VERSION) or "").strip()
    if version != str(PROTOCOL_VERSION):
        raise refused(Code.BAD_PROTOCOL_VERSION, version or "null")
    secret_header = headers.get(Header.KEY)
    if not secret_header:
        raise refused(Code.SECRET_KEY_NOT_FOUND)
    magic_header = headers.get(Header.MAGIC)
    if not magic_header:
        raise refused(Code.MAGIC_NUMBER_NOT_FOUND)
    app = find_app(app_id)
    if app is None:
        raise refused(Code.APP_UNKNOWN, app_id)

    try:
        secret = _decrypt(app, secret_header)
        magic = _decrypt(app, magic_header)
        plaintext = rc4(secret, b64decode(headers.get(Header.CERT) or ""))
    except ValueError as exc:
        raise refused(Code.BAD_MAGIC, "secret key", app_id) from exc
    if not secrets_equal(magic, MAGIC.encode()):
        raise refused(Code.BAD_MAGIC, "secret key", app_id)
    certificate = parse_certificate_plaintext(plaintext, app_id)

    if abs(now_ms - certificate.timestamp_ms) > app.certificate_timeout_ms:
        # A certificate from the future is refused too: it would stay replayable for longer.
        raise refused(Code.OLD_CERT, app_id, certificate.timestamp_ms, app.certificate_timeout_ms)
    if not ip_allowed(request.remote_address, app.ip_patterns):
        raise refused(Code.BAD_REMOTE_IP, request.remote_address or "")
    for forwarded in request.forwarded_for:
        if not ip_allowed(forwarded, app.ip_patterns):
            raise refused(Code.BAD_XFORWARD_IP, forwarded)
    if not url_allowed(request.path, app.url_patterns):
        raise refused(Code.BAD_URL, request.path)

    signature_header = headers.get(Header.SIGNATURE)
    if not signature_header:
        raise refused(Code.MISSING_SIGNATURE)
    try:
        signature = b64decode(signature_header)
        app.public_key.verify(
            signature,
            signed_text(certificate.timestamp_ms, request.url),
            padding.PKCS1v15(),
            hashes.SHA1(),  # noqa: S303 - the protocol fixes SHA1withRSA
        )
    except (ValueError, InvalidSignature) as exc:
        raise refused(Code.BAD_SIGNATURE, request.url) from exc
    # Recorded only once verified, so nobody can burn a sender's certificates with forged ones.
    if first_use is not None and not first_use(app, certificate.timestamp_ms, signature):
        raise refused(Code.REPLAYED_CERT, app_id, certificate.timestamp_ms)

    user = find_user(certificate.username)
    if user is None:
        raise refused(Code.USER_UNKNOWN, certificate.username)
    if not user.can_login:
        raise refused(Code.PERMISSION_DENIED)
    return app, user
