"""Errors of a round trip become the right diagnostic type; OAuth problems are read from header or body."""

from __future__ import annotations

import httpx2
import pytest

from applinks.diagnostics.translate import from_exception, oauth_problem_of, signed_url_from_base_string
from applinks.errors import (
    AddressRefused,
    AppLinksError,
    CredentialsRequired,
    OAuthProblem,
    RemoteMoved,
    RemoteUnreachable,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.transport.client import OutboundResponse


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RemoteUnreachable("x", kind="CONNECTION_REFUSED"), "CONNECTION_REFUSED"),
        (RemoteUnreachable("x", kind="UNKNOWN_HOST"), "UNKNOWN_HOST"),
        (RemoteUnreachable("x", kind="CONNECTION_TIMEOUT"), "CONNECTION_TIMEOUT"),
        (RemoteUnreachable("x", kind="SSL_UNTRUSTED"), "SSL_UNTRUSTED"),
        (RemoteUnreachable("x", kind="SSL_HOSTNAME_UNMATCHED"), "SSL_HOSTNAME_UNMATCHED"),
        (RemoteUnreachable("the certificate has expired", kind="SSL_UNMATCHED"), "SSL_UNMATCHED"),
        (RemoteUnreachable("handshake failure", kind="SSL_UNMATCHED"), "SSL_UNMATCHED"),
        (AddressRefused("x"), "ADDRESS_REFUSED"),
        (RemoteMoved("x", location="http://new"), "REMOTE_MOVED"),
        (UnexpectedStatus("x", status_code=500), "UNEXPECTED_RESPONSE_STATUS"),
        (UnexpectedResponse("x"), "UNEXPECTED_RESPONSE"),
        (OAuthProblem("timestamp_refused"), "OAUTH_TIMESTAMP_REFUSED"),
        (OAuthProblem("signature_invalid"), "OAUTH_SIGNATURE_INVALID"),
        (OAuthProblem("consumer_key_unknown"), "OAUTH_PROBLEM"),
        (AppLinksError("x"), "UNKNOWN"),
    ],
)
def test_exception_types(exc: AppLinksError, expected: str) -> None:
    assert from_exception(exc).type == expected


def test_moved_offers_the_new_url() -> None:
    finding = from_exception(RemoteMoved("moved", location="http://new:8080"))
    assert finding.data["suggestedUrl"] == "http://new:8080"


def test_credentials_required_carries_the_authorisation_uri() -> None:
    exc = CredentialsRequired("authorise", authorisation_base="http://us/plugins/servlet/applinks/oauth/login-dance/x")
    finding = from_exception(exc)
    assert finding.type == "LOCAL_AUTH_TOKEN_REQUIRED"
    assert finding.authorisation_uri == "http://us/plugins/servlet/applinks/oauth/login-dance/x"


def response(status: int, body: str, **headers: str) -> OutboundResponse:
    return OutboundResponse(status, httpx2.Headers(headers), body.encode(), "http://remote/x")


def test_problem_from_the_form_body() -> None:
    found = oauth_problem_of(
        response(
            401,
            "oauth_problem=signature_invalid&oauth_signature_base_string=GET%26http%253A%252F%252Fa%26x",
            **{"content-type": "application/x-www-form-urlencoded"},
        )
    )
    assert found is not None
    problem, fields = found
    assert problem == "signature_invalid"
    assert signed_url_from_base_string(fields["oauth_signature_base_string"]) == "http://a"


def test_problem_from_the_header_only() -> None:
    found = oauth_problem_of(
        response(401, "", **{"www-authenticate": 'OAuth realm="http%3A%2F%2Fr", oauth_problem="timestamp_refused"'})
    )
    assert found is not None and found[0] == "timestamp_refused"


def test_no_problem() -> None:
    assert oauth_problem_of(response(401, "<html>login</html>", **{"content-type": "text/html"})) is None
