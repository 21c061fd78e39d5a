"""Secrets are redacted from log text: query strings, forms, OAuth headers, JSON and Authorization schemes."""

from __future__ import annotations

import logging

import pytest

from applinks.redaction import MASK, redact, redact_record

SECRETS = ["tok-123", "ver-456", "sig%2F789", "c0de", "cl1ent", "pw-x", "refr-1", "eyJhbGc.assert"]


@pytest.mark.parametrize(
    "line",
    [
        "GET /plugins/servlet/oauth/authorize?oauth_token=tok-123&oauth_verifier=ver-456 HTTP/1.1",
        'Authorization: OAuth oauth_consumer_key="app", oauth_token="tok-123", oauth_signature="sig%2F789"',
        "POST /token grant_type=authorization_code&code=c0de&client_secret=cl1ent&code_verifier=ver-456",
        "username=alice&password=pw-x&next=/",
        '{"refresh_token": "refr-1", "access_token":"tok-123"}',
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGc.assert",
        "redirect to /cb?redirectUrl=http%3A%2F%2Fx%2Fcb%3Foauth_token%3Dtok-123%26oauth_verifier%3Dver-456",
        "Authorization: Basic YWRtaW46cHctcGFzc3dvcmQ=",
        "Authorization: Bearer eyJhbGc.assert.sig",
    ],
)
def test_secrets_are_redacted(line: str) -> None:
    redacted = redact(line)
    assert MASK in redacted
    for secret in [*SECRETS, "YWRtaW46cHctcGFzc3dvcmQ="]:
        assert secret not in redacted, redacted


def test_other_text_is_kept() -> None:
    line = "GET /rest/applinks/3.0/status/abc?status_code=500&oauth_consumer_key=app HTTP/1.1"
    assert redact(line) == line


def test_a_record_keeps_the_shape_of_its_arguments() -> None:
    """uvicorn's access formatter unpacks a 5-tuple; redaction must not change its shape."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/authorize?oauth_token=tok-123", "1.1", 200),
        None,
    )
    redact_record(record)
    assert record.args == ("127.0.0.1:5", "GET", f"/authorize?oauth_token={MASK}", "1.1", 200)
