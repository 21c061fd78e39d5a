"""Translates what a round trip to a remote raised or answered into a diagnostic finding (protocol.md §7)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

from applinks.diagnostics.status import Finding
from applinks.errors import (
    AddressRefused,
    AppLinksError,
    AuthenticationNotConfigured,
    CredentialsRequired,
    InvalidInput,
    OAuthProblem,
    RemoteMoved,
    RemoteUnreachable,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.transport.client import OutboundResponse

_KINDS = {
    "CONNECTION_REFUSED": "CONNECTION_REFUSED",
    "UNKNOWN_HOST": "UNKNOWN_HOST",
    "CONNECTION_TIMEOUT": "CONNECTION_TIMEOUT",
    "SSL_UNTRUSTED": "SSL_UNTRUSTED",
    "SSL_HOSTNAME_UNMATCHED": "SSL_HOSTNAME_UNMATCHED",
    "SSL_UNMATCHED": "SSL_UNMATCHED",
}
_OAUTH_TYPES = {"timestamp_refused": "OAUTH_TIMESTAMP_REFUSED", "signature_invalid": "OAUTH_SIGNATURE_INVALID"}
_PROBLEM_IN_HEADER = re.compile(r'oauth_problem="?([a-z_]+)"?')


def oauth_type(problem: str) -> str:
    return _OAUTH_TYPES.get(problem, "OAUTH_PROBLEM")


def from_exception(exc: AppLinksError) -> Finding:
    """The finding for an error raised by a round trip (network, TLS, policy, parsing, OAuth, credentials)."""
    if isinstance(exc, RemoteUnreachable):
        # One vocabulary (protocol.md §7) on every path: the transport's kind, as the wizard reports it too;
        # an expired certificate is SSL_UNMATCHED with "expired" in the details.
        kind = _KINDS.get(exc.kind, "CONNECTION_REFUSED")
        return Finding(kind, exc.message)
    if isinstance(exc, AddressRefused):
        return Finding("ADDRESS_REFUSED", exc.message)
    if isinstance(exc, RemoteMoved):
        return Finding(
            "REMOTE_MOVED",
            f"{exc.message}; relocate the link to {exc.location}",
            data={"suggestedUrl": exc.location},
        )
    if isinstance(exc, UnexpectedStatus):
        return Finding("UNEXPECTED_RESPONSE_STATUS", exc.message, data={"statusCode": exc.status_code})
    if isinstance(exc, UnexpectedResponse):
        return Finding("UNEXPECTED_RESPONSE", exc.message)
    if isinstance(exc, OAuthProblem):
        return Finding(oauth_type(exc.problem), exc.message, data={"oauthProblem": exc.problem})
    if isinstance(exc, CredentialsRequired):
        return Finding("LOCAL_AUTH_TOKEN_REQUIRED", exc.message, authorisation_uri=exc.authorisation_uri())
    if isinstance(exc, AuthenticationNotConfigured):
        return Finding("NO_OUTGOING_AUTH", exc.message)
    if isinstance(exc, InvalidInput):
        return Finding("UNKNOWN", f"the link's URL cannot be used: {exc.message}")
    return Finding("UNKNOWN", exc.message)


def oauth_problem_of(response: OutboundResponse) -> tuple[str, dict[str, str]] | None:
    """The ``oauth_problem`` of a refused signed request (header or form body) and the body's other fields."""
    fields: dict[str, str] = {}
    if "x-www-form-urlencoded" in response.headers.get("content-type", "") or response.text.startswith(
        "oauth_problem="
    ):
        fields = dict(parse_qsl(response.text.strip(), keep_blank_values=True))
    problem = fields.get("oauth_problem")
    if not problem:
        for header in response.headers.get_list("www-authenticate"):
            match = _PROBLEM_IN_HEADER.search(header)
            if match:
                problem = match.group(1)
                break
    return (problem, fields) if problem else None


def signed_url_from_base_string(base_string: str) -> str | None:
    """The URL inside an OAuth signature base string (``METHOD&url&params``), as the remote reconstructed it."""
    parts = base_string.split("&")
    return unquote(parts[1]) if len(parts) >= 3 else None
