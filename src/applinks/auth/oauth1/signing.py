"""Signed requests: protocol parameters from header, query and form body, and signature checks.

The signature base string is Authlib's (RFC 5849 §3.4.1); HMAC-SHA1 uses Authlib's signer and a
constant-time comparison; RSA signatures are checked against cached key objects (``keys``)."""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote
from urllib.request import parse_http_list

from authlib.oauth1.rfc5849.signature import construct_base_string, hmac_sha1_signature
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from applinks.auth.oauth1.keys import load_public_key
from applinks.auth.oauth1.model import HMAC_SHA1, RSA_SHA1, RSA_SHA256, RSA_SHA512, Consumer
from applinks.crypto import secrets_equal
from applinks.errors import OAuthProblem

Params = tuple[tuple[str, str], ...]
REQUIRED = ("oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    RSA_SHA1: hashes.SHA1,
    RSA_SHA256: hashes.SHA256,
    RSA_SHA512: hashes.SHA512,
}


def parse_authorization(value: str) -> Params:
    """The parameters of an ``Authorization: OAuth …`` header, duplicates kept (they are refused later)
    and ``realm`` dropped (it is not signed)."""
    if value[:5].lower() != "oauth" or (len(value) > 5 and not value[5].isspace()):
        raise OAuthProblem("parameter_rejected", "the Authorization header does not use the OAuth scheme")
    text = value[5:].strip()
    return _parse_plain(text) or _parse_general(text)


# ``name="value"`` as RFC 5849 §3.5.1 writes it (values percent-encoded: no quote or backslash inside).
_PLAIN_PARAM = re.compile(r'[ \t]*([^\s=,"\\]+)[ \t]*=[ \t]*"([^"\\]*)"[ \t]*(?:,|$)')


def _parse_plain(text: str) -> Params | None:
    """The common case in one regular expression (``parse_http_list`` walks the header a character at a
    time, a fifth of a verification); None when the header is anything else, for the general parser."""
    found: list[tuple[str, str]] = []
    position, end = 0, len(text)
    while position < end:
        match = _PLAIN_PARAM.match(text, position)
        if match is None or match.end() == position:
            return None
        name = unquote(match.group(1))
        if name != "realm":
            found.append((name, unquote(match.group(2))))
        position = match.end()
    return tuple(found) if found else None


def _parse_general(text: str) -> Params:
    found: list[tuple[str, str]] = []
    for item in parse_http_list(text):
        name, sep, raw = item.partition("=")
        if not sep:
            raise OAuthProblem("parameter_rejected", "the OAuth Authorization header is malformed")
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1]
        name = unquote(name.strip())
        if name != "realm":
            found.append((name, unquote(raw)))
    return tuple(found)


def looks_signed(query: Params, body: Params) -> bool:
    """Whether query or form parameters carry an OAuth signature (RFC 5849 §3.5.2, §3.5.3)."""
    return any(k in ("oauth_consumer_key", "oauth_signature") for k, _ in (*query, *body))


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """One request as the signature sees it. ``uri`` is built from the configured base URL (never the
    Host header) and has no query; the parameter values are decoded."""

    method: str
    uri: str
    query: Params = ()
    body: Params = ()
    header: Params = ()

    def oauth_params(self) -> dict[str, str]:
        """The ``oauth_*`` protocol parameters; a parameter sent twice (anywhere) is refused."""
        pairs = [(k, v) for k, v in (*self.header, *self.query, *self.body) if k.startswith("oauth_")]
        params = dict(pairs)
        if len(params) != len(pairs):
            duplicated = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
            raise OAuthProblem(
                "parameter_rejected",
                "protocol parameters must be sent once: " + ", ".join(duplicated),
                parameters_rejected="&".join(duplicated),
            )
        return params

    def claimed_consumer_key(self) -> str:
        """The consumer key the request names (first one; unverified): what failures are counted against."""
        return next((v for k, v in (*self.header, *self.query, *self.body) if k == "oauth_consumer_key"), "")

    def require(self, *names: str) -> dict[str, str]:
        """The protocol parameters, all of ``names`` present and non-empty (``parameter_absent`` otherwise)."""
        params = self.oauth_params()
        absent = [n for n in names if not params.get(n)]
        if absent:
            raise OAuthProblem(
                "parameter_absent", "missing OAuth parameters: " + ", ".join(absent), parameters_absent="&".join(absent)
            )
        return params

    def param(self, name: str) -> str | None:
        """A signed request parameter from the query or form body (such as ``xoauth_requestor_id``)."""
        values = [v for k, v in (*self.query, *self.body) if k == name]
        if len(values) > 1:
            raise OAuthProblem("parameter_rejected", f"{name} must be sent once", parameters_rejected=name)
        return values[0] if values else None

    def base_string(self) -> str:
        return str(construct_base_string(self.method, self.uri, [*self.query, *self.body, *self.header]))


def signature_valid(base_string: str, signature: str, method: str, consumer: Consumer, token_secret: str) -> bool:
    """Whether ``signature`` signs ``base_string`` with ``consumer``'s own method and credentials."""
    if method != consumer.signature_method:
        return False
    if method == HMAC_SHA1:
        if not consumer.shared_secret:
            return False
        expected = str(hmac_sha1_signature(base_string, consumer.shared_secret, token_secret))
        return secrets_equal(expected, signature)
    algorithm = _HASHES.get(method)
    if algorithm is None or not consumer.public_key:
        return False
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    try:
        load_public_key(consumer.public_key).verify(raw, base_string.encode("utf-8"), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        return False
    return True
