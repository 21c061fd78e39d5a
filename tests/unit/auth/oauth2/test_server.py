"""The OAuth 2.0 authorization server's state machine, without HTTP: codes (single use, lifetime, PKCE),
refresh rotation with reuse detection, revocation, bearer resolution and scopes (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from applinks.auth.oauth2.models import effective_scopes
from applinks.auth.oauth2.server import REVOKE_PATH, OAuth2Response, PlainRequest
from applinks.errors import BearerTokenRefused, InvalidInput
from applinks.storage import db
from tests.support import Databases
from tests.unit.auth.oauth2.helpers import BASE, REDIRECT, VERIFIER, Provider, challenge, make_provider


@pytest.fixture
def engine(databases: Databases) -> Iterator[Engine]:
    found = db.make_engine(databases.new_url(migrated=True))
    yield found
    found.dispose()


@pytest.fixture
def provider(engine: Engine) -> Provider:
    return make_provider(engine)


def _body(answer: OAuth2Response) -> dict[str, str]:
    body = answer.body
    assert isinstance(body, dict), answer
    return body


def test_code_exchange_issues_bearer_and_refresh_tokens(provider: Provider) -> None:
    client = provider.register("WRITE")
    answer = provider.exchange(client, provider.code(client))
    token = _body(answer)
    assert answer.status == 200 and token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["scope"] == "WRITE" and token["refresh_token"]
    grant = provider.resolver.resolve("Bearer " + token["access_token"])
    assert (grant.user_name, grant.scopes) == ("alice", frozenset({"READ", "WRITE"}))
    assert ("Cache-Control", "no-store") in answer.headers


def test_secrets_are_stored_only_as_hashes(provider: Provider, engine: Engine) -> None:
    client = provider.register()
    token = _body(provider.exchange(client, provider.code(client)))
    with engine.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM oauth2_clients")).all())
        dump += repr(conn.execute(text("SELECT * FROM oauth2_tokens")).all())
    for secret in (client.secret, token["access_token"], token["refresh_token"]):
        assert secret not in dump
    assert hashlib.sha256(client.secret.encode()).hexdigest() in dump


def test_code_expires_after_its_lifetime(provider: Provider) -> None:
    client = provider.register()
    code = provider.code(client)
    provider.clock.now += 60
    assert _body(provider.exchange(client, code))["error"] == "invalid_grant"


def test_code_reuse_is_refused_and_revokes_what_it_issued(provider: Provider) -> None:
    client = provider.register()
    code = provider.code(client)
    first = _body(provider.exchange(client, code))
    again = provider.exchange(client, code)
    assert (again.status, _body(again)["error"]) == (400, "invalid_grant")
    with pytest.raises(BearerTokenRefused):
        provider.resolver.resolve("Bearer " + first["access_token"])
    refreshed = provider.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert _body(refreshed)["error"] == "invalid_grant"


def test_refresh_rotates_and_reuse_revokes_the_family(provider: Provider) -> None:
    client = provider.register()
    first = _body(provider.exchange(client, provider.code(client)))
    second = _body(provider.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    provider.resolver.resolve("Bearer " + second["access_token"])  # the new one works
    with pytest.raises(BearerTokenRefused):
        provider.resolver.resolve("Bearer " + first["access_token"])  # the rotated one does not
    # The first refresh token comes back (stolen?): refused, and everything of its family is revoked.
    replay = provider.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert _body(replay)["error"] == "invalid_grant"
    with pytest.raises(BearerTokenRefused):
        provider.resolver.resolve("Bearer " + second["access_token"])
    later = provider.token(client, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert _body(later)["error"] == "invalid_grant"


def test_refresh_token_of_another_client_is_refused(provider: Provider) -> None:
    mine, other = provider.register(), provider.register()
    token = _body(provider.exchange(mine, provider.code(mine)))
    stolen = provider.token(other, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert _body(stolen)["error"] == "invalid_grant"


def test_expired_access_token_is_refused(provider: Provider) -> None:
    client = provider.register()
    token = _body(provider.exchange(client, provider.code(client)))
    provider.clock.now += 3600
    with pytest.raises(BearerTokenRefused):
        provider.resolver.resolve("Bearer " + token["access_token"])


def test_pkce_s256_round_trip(provider: Provider) -> None:
    client = provider.register()
    code = provider.code(client, code_challenge=challenge(), code_challenge_method="S256")
    assert "access_token" in _body(provider.exchange(client, code, code_verifier=VERIFIER))


def test_pkce_code_is_never_redeemed_without_its_verifier(provider: Provider) -> None:
    client = provider.register()
    code = provider.code(client, code_challenge=challenge(), code_challenge_method="S256")
    downgrade = provider.exchange(client, code)
    assert (downgrade.status, _body(downgrade)["error"]) == (400, "invalid_request")
    wrong = provider.exchange(client, code, code_verifier="w" * 64)
    assert _body(wrong)["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"code_challenge": "c" * 43}, "no method: would mean plain"),
        ({"code_challenge": "c" * 43, "code_challenge_method": "plain"}, "plain is not offered"),
    ],
)
def test_only_s256_challenges_are_accepted(provider: Provider, params: dict[str, str], why: str) -> None:
    client = provider.register()
    request = provider.authorize_request(client, **params)
    grant_error = None
    try:
        provider.server.consent(request, provider.users["alice"])
    except Exception as exc:  # Authlib's OAuth2Error, redirected to the client
        grant_error = exc
    assert getattr(grant_error, "error", None) == "invalid_request", why
    assert getattr(grant_error, "redirect_uri", None) == REDIRECT


def test_verifier_without_challenge_is_refused(provider: Provider) -> None:
    client = provider.register()
    answer = provider.exchange(client, provider.code(client), code_verifier=VERIFIER)
    assert _body(answer)["error"] == "invalid_request"


def test_client_secret_in_body_or_basic_and_reset(provider: Provider) -> None:
    client = provider.register()
    in_body = provider.token(
        None,
        grant_type="authorization_code",
        code=provider.code(client),
        redirect_uri=REDIRECT,
        client_id=client.client.client_id,
        client_secret=client.secret,
    )
    assert "access_token" in _body(in_body)
    reset = provider.clients.reset_secret(client.client.client_id)
    old = provider.exchange(client, provider.code(client))
    assert (old.status, _body(old)["error"]) == (401, "invalid_client")
    assert "access_token" in _body(provider.exchange(reset, provider.code(reset)))


def test_redirect_uri_must_match_at_exchange(provider: Provider) -> None:
    client = provider.register(redirects=(REDIRECT, REDIRECT + "2"))
    code = provider.code(client)
    answer = provider.token(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT + "2")
    assert _body(answer)["error"] == "invalid_grant"


def test_scopes_are_capped_by_the_client_registration(provider: Provider) -> None:
    client = provider.register("READ")
    request = provider.authorize_request(client, scope="READ WRITE")
    grant = provider.server.consent(request, provider.users["alice"])
    assert grant.request.scope == "READ"
    beyond = provider.authorize_request(client, scope="ADMIN")
    with pytest.raises(Exception, match="scope"):
        provider.server.consent(beyond, provider.users["alice"])


def test_user_who_can_no_longer_log_in_gets_no_token(provider: Provider) -> None:
    client = provider.register()
    answer = provider.exchange(client, provider.code(client, user="gone"))
    assert answer.status == 400


def test_revocation_ends_the_grant(provider: Provider) -> None:
    client = provider.register()
    token = _body(provider.exchange(client, provider.code(client)))
    auth = base64.b64encode(f"{client.client.client_id}:{client.secret}".encode()).decode()
    request = PlainRequest(
        "POST", BASE + REVOKE_PATH, {"Authorization": "Basic " + auth}, [], [("token", token["refresh_token"])]
    )
    assert provider.server.revoke(request).status == 200
    with pytest.raises(BearerTokenRefused):
        provider.resolver.resolve("Bearer " + token["access_token"])


def test_deleted_client_tokens_are_refused(provider: Provider) -> None:
    client = provider.register()
    token = _body(provider.exchange(client, provider.code(client)))
    provider.clients.delete(client.client.id)
    with pytest.raises(BearerTokenRefused):
        provider.resolver.resolve("Bearer " + token["access_token"])


def test_http_base_url_needs_the_development_setting(engine: Engine) -> None:
    plain = make_provider(engine, base="http://tracker.example")
    with pytest.raises(InvalidInput, match="https"):
        plain.register()
    allowed = make_provider(engine, base="http://tracker.example", allow_http=True)
    client = allowed.register()
    assert "access_token" in _body(allowed.exchange(client, allowed.code(client)))
    answer = plain.exchange(client, "x")
    assert (answer.status, _body(answer)["error"]) == (400, "invalid_request")


def test_scope_hierarchy() -> None:
    assert effective_scopes("READ") == {"READ"}
    assert effective_scopes("ADMIN") == {"READ", "WRITE", "ADMIN"}
    assert effective_scopes("") == frozenset()
