"""Outgoing configuration, held tokens and login dances in the database (SQLite and PostgreSQL): secrets
encrypted at rest and never shown, levels, sysadmin-only impersonation, dances bound to browser and token,
and rows that go with their link (the audit log stays)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from applinks.domain.link import Link
from applinks.errors import InvalidInput, PermissionDenied
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.outbound.providers.names import ANONYMOUS, BASIC, OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION
from applinks.settings import Settings
from applinks.storage.outbound_tables import outbound_audit, outbound_auth, outbound_dances, outbound_tokens

SYSADMIN = HostUser("root", is_admin=True, is_sysadmin=True)
ADMIN = HostUser("admin", is_admin=True)
LINK = Link("44444444-4444-3444-8444-444444444444", "jira", "Jira", "http://jira.test", "http://jira.test")
SENTINEL = "Sentinel-Secret-7f3a9c"


@pytest.fixture
def instance(settings: Settings) -> Iterator[Instance]:
    found = Instance(settings)
    found.links.create(LINK, actor=SYSADMIN)
    yield found
    found.close()


def _raw_rows(instance: Instance, table: object) -> str:
    with instance.engine.connect() as conn:
        return repr(conn.execute(select(table)).all())  # type: ignore[call-overload]


def test_levels_and_the_sysadmin_rule(instance: Instance) -> None:
    outgoing = instance.outgoing
    assert outgoing.level(LINK) == {"enabled": False, "twoLoEnabled": False, "twoLoImpersonationEnabled": False}
    assert outgoing.enable_oauth(LINK, actor=ADMIN) == {
        "enabled": True,
        "twoLoEnabled": True,
        "twoLoImpersonationEnabled": False,
    }
    with pytest.raises(PermissionDenied):
        outgoing.set_level(LINK, "impersonation", ADMIN)
    with pytest.raises(PermissionDenied):
        outgoing.config.set_provider(LINK, TWO_LEGGED_OAUTH_IMPERSONATION, enabled=True, config=None, actor=ADMIN)
    assert outgoing.config.get(LINK.id).level_name() == "oauth"
    assert outgoing.enable_oauth(LINK, impersonation=True, actor=SYSADMIN)["twoLoImpersonationEnabled"] is True
    assert outgoing.config.get(LINK.id).level_name() == "impersonation"
    # Turning impersonation off needs no sysadmin.
    outgoing.config.set_provider(LINK, TWO_LEGGED_OAUTH_IMPERSONATION, enabled=False, config=None, actor=ADMIN)
    assert outgoing.config.get(LINK.id).level_name() == "oauth"
    assert outgoing.set_level(LINK, "disabled", ADMIN)["enabled"] is False
    with pytest.raises(InvalidInput):
        outgoing.set_level(LINK, "everything", SYSADMIN)


def test_basic_credentials_are_encrypted_and_never_shown(instance: Instance) -> None:
    config = instance.outgoing.config
    config.set_provider(LINK, BASIC, enabled=True, config={"username": "svc", "password": SENTINEL}, actor=ADMIN)
    assert SENTINEL not in _raw_rows(instance, outbound_auth)
    assert config.secrets(LINK.id) == (SENTINEL, None)
    shown = instance.outgoing.providers_json(LINK)
    assert SENTINEL not in repr(shown)
    assert shown["providers"] == [
        {"provider": BASIC.class_name, "module": "basic", "config": {"username": "svc"}},
    ]
    # A new username without a password keeps the stored password.
    config.set_provider(LINK, BASIC, enabled=True, config={"username": "svc2"}, actor=ADMIN)
    assert config.secrets(LINK.id) == (SENTINEL, None)
    assert config.get(LINK.id).basic_username == "svc2"
    config.set_provider(LINK, BASIC, enabled=False, config=None, actor=ADMIN)
    assert config.secrets(LINK.id) == (None, None)
    assert not config.get(LINK.id).basic


def test_basic_needs_a_username_and_a_first_password(instance: Instance) -> None:
    config = instance.outgoing.config
    with pytest.raises(InvalidInput):
        config.set_provider(LINK, BASIC, enabled=True, config={"username": "svc"}, actor=ADMIN)
    with pytest.raises(InvalidInput):
        config.set_provider(LINK, BASIC, enabled=True, config={"password": "x"}, actor=ADMIN)
    with pytest.raises(InvalidInput):
        config.set_provider(LINK, BASIC, enabled=True, config={"username": "a\nb", "password": "x"}, actor=ADMIN)
    with pytest.raises(InvalidInput):
        config.set_provider(LINK, ANONYMOUS, enabled=True, config=None, actor=ADMIN)
    assert config.get(LINK.id) == type(config.get(LINK.id))(LINK.id)


def test_generic_oauth_details_with_a_shared_secret(instance: Instance) -> None:
    config = instance.outgoing.config
    config.set_provider(
        LINK,
        OAUTH,
        enabled=True,
        config={
            "consumerKey": "our-key",
            "sharedSecret": SENTINEL,
            "requestTokenUrl": "/oauth/request",
            "accessTokenUrl": "http://jira.test/oauth/access",
        },
        actor=ADMIN,
    )
    assert SENTINEL not in _raw_rows(instance, outbound_auth)
    consumer = instance.outgoing.consumer(LINK)
    assert (consumer.key, consumer.shared_secret, consumer.rsa_key) == ("our-key", SENTINEL, None)
    shown = instance.outgoing.providers_json(LINK)["providers"][0]["config"]
    assert shown == {
        "consumerKey": "our-key",
        "signatureMethod": "HMAC-SHA1",
        "requestTokenUrl": "/oauth/request",
        "accessTokenUrl": "http://jira.test/oauth/access",
    }
    with pytest.raises(InvalidInput):
        config.set_provider(LINK, OAUTH, enabled=True, config={"authorizeUrl": "javascript:alert(1)"}, actor=ADMIN)


def test_an_applinks_remote_gets_our_published_consumer_key_and_the_instance_key(instance: Instance) -> None:
    consumer = instance.outgoing.consumer(LINK)
    assert consumer.key == instance.oauth_consumers.consumer_info().key
    assert consumer.rsa_key is instance.identity.key.private_key


def test_a_dance_is_bound_to_browser_token_and_time(instance: Instance) -> None:
    tokens = instance.outgoing.tokens
    tokens.start_dance("browser-a", LINK.id, "alice", "request-token-1", SENTINEL, "http://127.0.0.1:8990/back")
    assert SENTINEL not in _raw_rows(instance, outbound_dances)
    assert "request-token-1" not in _raw_rows(instance, outbound_dances)
    found = tokens.pending("browser-a", LINK.id, "request-token-1")
    assert found is not None and (found.user_name, found.token_secret) == ("alice", SENTINEL)
    assert tokens.pending("browser-b", LINK.id, "request-token-1") is None
    assert tokens.pending("browser-a", LINK.id, "request-token-2") is None
    with instance.engine.begin() as conn:
        conn.execute(update(outbound_dances).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
    assert tokens.pending("browser-a", LINK.id, "request-token-1") is None


def test_finishing_stores_the_token_encrypted_and_forgets_the_dance(instance: Instance) -> None:
    tokens = instance.outgoing.tokens
    tokens.start_dance("browser-a", LINK.id, "alice", "rt", "rts", None)
    tokens.finish_dance("browser-a", LINK.id, "alice", SENTINEL, SENTINEL + "-secret")
    assert SENTINEL not in _raw_rows(instance, outbound_tokens)
    assert _raw_rows(instance, outbound_dances) == "[]"
    held = tokens.get(LINK.id, "alice")
    assert held is not None and (held.token, held.secret) == (SENTINEL, SENTINEL + "-secret")
    assert [t.link_id for t in tokens.of_user("alice")] == [LINK.id]
    assert tokens.of_user("bob") == []


def test_deleting_the_link_deletes_its_rows_but_keeps_the_audit_log(instance: Instance) -> None:
    outgoing = instance.outgoing
    outgoing.enable_oauth(LINK, actor=ADMIN)
    outgoing.tokens.start_dance("b", LINK.id, "alice", "rt", "rts", None)
    outgoing.tokens.finish_dance("b", LINK.id, "bob", "t", "s")
    outgoing.tokens.start_dance("b", LINK.id, "alice", "rt2", "rts", None)
    outgoing.audit.record(
        link_id=LINK.id,
        link_name=LINK.name,
        local_user="alice",
        acting_as="svc",
        provider="2loi",
        method="GET",
        path="/x",
        status=200,
        outcome="ok",
    )
    instance.links.delete(LINK.id, actor=SYSADMIN)
    for table in (outbound_auth, outbound_tokens, outbound_dances):
        assert _raw_rows(instance, table) == "[]"
    assert [e.acting_as for e in outgoing.audit.entries()] == ["svc"]
    assert "svc" in _raw_rows(instance, outbound_audit)
