"""The receiver's checks (protocol.md §9.1 step 6), one per error code, against headers the signer made."""

from __future__ import annotations

import base64

import httpx2
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from applinks.auth.trusted_apps.protocol import (
    MAGIC,
    Header,
    b64encode,
    certificate_plaintext,
    public_key_b64,
    rc4,
    rsa_private_raw,
)
from applinks.auth.trusted_apps.signer import TrustedAppsAuth, TrustedAppsSigner, new_secret_key, signed_url
from applinks.auth.trusted_apps.verifier import SignedRequest, check_ip_pattern, ip_allowed, url_allowed, verify
from applinks.domain.trusted_apps import TrustedApp
from applinks.errors import InvalidInput, TrustedAppsRefused
from applinks.host import HostUser

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
APP_ID = "refapp:1234"
URL = "http://127.0.0.1:9000/plugins/servlet/applinks/whoami?a=1&b=%20"
NOW = 1_700_000_000_000
USERS = {"alice": HostUser("alice"), "locked": HostUser("locked", can_login=False)}


def trusted(**overrides: object) -> TrustedApp:
    values: dict[str, object] = {
        "link_id": "link-1",
        "application_id": APP_ID,
        "public_key_b64": public_key_b64(KEY.public_key()),
    }
    values.update(overrides)
    return TrustedApp(**values)  # type: ignore[arg-type]


def headers_for(
    user: str = "alice", timestamp: int = NOW, url: str = URL, key: rsa.RSAPrivateKey = KEY
) -> dict[str, str]:
    return TrustedAppsSigner(APP_ID, key).headers(url, user, timestamp)


def check(
    headers: dict[str, str],
    *,
    app: TrustedApp | None = None,
    remote: str = "127.0.0.1",
    url: str = URL,
    path: str = "/plugins/servlet/applinks/whoami",
    forwarded: list[str] | None = None,
) -> tuple[TrustedApp, HostUser]:
    known = app or trusted()

    def lookup(app_id: str) -> TrustedApp | None:
        return known if app_id == known.application_id else None

    request = SignedRequest(httpx2.Headers(headers), remote, url, path, forwarded or [])
    return verify(request, lookup, USERS.get, NOW)


def code_of(headers: dict[str, str], **kwargs: object) -> str:
    with pytest.raises(TrustedAppsRefused) as caught:
        check(headers, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


def test_signed_headers_verify_as_the_user() -> None:
    app, user = check(headers_for())
    assert (app.link_id, user.name) == ("link-1", "alice")


def test_signer_sends_the_six_headers() -> None:
    sent = headers_for()
    assert set(sent) == {Header.ID, Header.CERT, Header.KEY, Header.VERSION, Header.MAGIC, Header.SIGNATURE}
    assert sent[Header.VERSION] == "2"
    assert sent[Header.ID] == APP_ID
    for name in (Header.CERT, Header.KEY, Header.MAGIC, Header.SIGNATURE):
        base64.b64decode(sent[name], validate=True)
    assert len(base64.b64decode(sent[Header.KEY])) == 256


def test_secret_keys_never_start_with_zero() -> None:
    assert all(new_secret_key()[0] != 0 for _ in range(2000))


def test_signer_refuses_user_names_that_would_break_the_certificate() -> None:
    with pytest.raises(InvalidInput):
        headers_for(user="eve\nadmin")


def test_missing_id() -> None:
    sent = headers_for()
    del sent[Header.ID]
    assert code_of(sent) == "APP_ID_NOT_FOUND"


@pytest.mark.parametrize("version", [None, "1", "3", "two"])
def test_bad_protocol_version(version: str | None) -> None:
    sent = headers_for()
    if version is None:
        del sent[Header.VERSION]
    else:
        sent[Header.VERSION] = version
    assert code_of(sent) == "BAD_PROTOCOL_VERSION"


def test_missing_secret_key() -> None:
    sent = headers_for()
    del sent[Header.KEY]
    assert code_of(sent) == "SECRET_KEY_NOT_FOUND"


def test_missing_magic() -> None:
    sent = headers_for()
    del sent[Header.MAGIC]
    assert code_of(sent) == "MAGIC_NUMBER_NOT_FOUND"


def test_unknown_application() -> None:
    sent = headers_for()
    sent[Header.ID] = "jira:999"
    assert code_of(sent) == "APP_UNKNOWN"


def test_headers_from_a_key_we_do_not_trust_are_bad_magic() -> None:
    assert code_of(headers_for(key=STRANGER)) == "BAD_MAGIC"


@pytest.mark.parametrize("header", [Header.KEY, Header.MAGIC, Header.CERT])
def test_garbled_headers_are_bad_magic(header: str) -> None:
    sent = headers_for()
    sent[header] = "not*base64"
    assert code_of(sent) == "BAD_MAGIC"


def test_a_wrong_magic_inside_the_certificate_is_bad_magic() -> None:
    sent = headers_for()
    secret = new_secret_key()
    sent[Header.KEY] = b64encode(rsa_private_raw(KEY, secret))
    sent[Header.CERT] = b64encode(rc4(secret, f"{NOW}\nalice\n12345".encode()))
    assert code_of(sent) == "BAD_MAGIC"


def test_a_certificate_decrypted_with_another_secret_is_bad_magic() -> None:
    sent = headers_for()
    sent[Header.CERT] = b64encode(rc4(new_secret_key(), certificate_plaintext(NOW, "alice")))
    assert code_of(sent) == "BAD_MAGIC"


def test_wrong_magic_header_is_bad_magic() -> None:
    sent = headers_for()
    sent[Header.MAGIC] = b64encode(rsa_private_raw(KEY, b"-1"))
    assert code_of(sent) == "BAD_MAGIC"


@pytest.mark.parametrize("age", [10_001, -10_001, 3_600_000])
def test_certificates_outside_the_timeout_are_old(age: int) -> None:
    assert code_of(headers_for(timestamp=NOW - age)) == "OLD_CERT"


def test_certificate_within_the_configured_timeout_passes() -> None:
    check(headers_for(timestamp=NOW - 9_000))
    assert code_of(headers_for(timestamp=NOW - 9_000), app=trusted(certificate_timeout_ms=5_000)) == "OLD_CERT"


def test_remote_address_must_match_the_ip_patterns() -> None:
    app = trusted(ip_patterns=("10.0.*.*",))
    assert code_of(headers_for(), app=app, remote="127.0.0.1") == "BAD_REMOTE_IP"
    check(headers_for(), app=app, remote="10.0.3.4")


def test_each_forwarded_address_must_match_the_ip_patterns() -> None:
    app = trusted(ip_patterns=("10.0.0.0/8", "127.0.0.1"))
    check(headers_for(), app=app, forwarded=["10.1.2.3"])
    assert code_of(headers_for(), app=app, forwarded=["10.1.2.3", "192.168.1.1"]) == "BAD_XFORWARD_IP"


def test_path_must_start_with_a_url_pattern() -> None:
    app = trusted(url_patterns=("/rest/",))
    assert code_of(headers_for(), app=app) == "BAD_URL"
    rest_url = "http://127.0.0.1:9000/rest/api/2/myself"
    check(headers_for(url=rest_url), app=app, url=rest_url, path="/rest/api/2/myself")


def test_missing_signature() -> None:
    sent = headers_for()
    del sent[Header.SIGNATURE]
    assert code_of(sent) == "BAD_SIGNATURE"


def test_signature_over_another_url_is_bad() -> None:
    sent = headers_for(url="http://127.0.0.1:9000/plugins/servlet/applinks/whoami?a=2")
    assert code_of(sent) == "BAD_SIGNATURE"


def test_signature_over_the_host_header_instead_of_the_base_url_is_bad() -> None:
    sent = headers_for(url="http://evil.example:9000/plugins/servlet/applinks/whoami?a=1&b=%20")
    assert code_of(sent) == "BAD_SIGNATURE"


def test_unknown_user() -> None:
    assert code_of(headers_for(user="mallory")) == "USER_UNKNOWN"


def test_user_who_may_not_log_in() -> None:
    assert code_of(headers_for(user="locked")) == "PERMISSION_DENIED"


def test_magic_header_is_the_encrypted_magic_string() -> None:
    sent = headers_for()
    assert base64.b64decode(sent[Header.MAGIC]) == rsa_private_raw(KEY, MAGIC.encode())


def test_ip_patterns() -> None:
    assert ip_allowed("1.2.3.4", ())
    assert ip_allowed("192.168.1.7", ("192.168.*.*",))
    assert not ip_allowed("192.169.1.7", ("192.168.*.*",))
    assert ip_allowed("::ffff:10.0.0.1", ("10.0.0.0/8",))
    assert ip_allowed("fd00::1", ("fd00::/8",))
    assert not ip_allowed("testclient", ("10.0.0.0/8",))
    assert not ip_allowed(None, ("10.0.0.0/8",))
    for bad in ("10.*", "300.*.*.*", "not-an-ip", "10.0.0.0/99"):
        with pytest.raises(ValueError):
            check_ip_pattern(bad)


def test_url_patterns() -> None:
    assert url_allowed("/anything", ())
    assert url_allowed("/rest/api", ("/sr/", "/rest/"))
    assert not url_allowed("/secure/Dashboard", ("/sr/", "/rest/"))


def test_auth_flow_signs_the_url_named_by_the_host_header() -> None:
    """The hardened transport pins the host to an address; the signature must cover the URL asked for."""
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200)

    auth = TrustedAppsAuth(TrustedAppsSigner(APP_ID, KEY, clock=lambda: NOW / 1000), "alice")
    with httpx2.Client(transport=httpx2.MockTransport(handler), auth=auth) as client:
        client.get("http://10.9.8.7:9000/plugins/servlet/applinks/whoami?a=1&b=%20", headers={"Host": "127.0.0.1:9000"})
    request = seen[0]
    assert signed_url(request) == URL
    check(dict(request.headers))
