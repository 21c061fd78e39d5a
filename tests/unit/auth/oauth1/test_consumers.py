"""ConsumerService: registering incoming consumers (validation, permissions, secrets at rest), levels,
this instance's consumer key, and rows going away with their link."""

from __future__ import annotations

from dataclasses import replace

import httpx2
import pytest
from sqlalchemy import func, select

from applinks.auth.oauth1.consumer_info import consumer_info_xml
from applinks.auth.oauth1.model import ConsumerInfo, ConsumerSettings, OAuthLevel
from applinks.errors import Conflict, InvalidInput, LinkNotFound, PermissionDenied, UnexpectedResponse
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.settings import Settings
from applinks.storage.oauth_tables import oauth_consumers, oauth_tokens
from tests.integration.oauth1_support import key_pair
from tests.unit.auth.oauth1.helpers import ADMIN, SYSADMIN, FakeHost, add_link

SECRET = "sentinel-hmac-secret-4711"


def _rsa(key: str = "remote:1", **flags: object) -> ConsumerSettings:
    fields: dict[str, object] = {"name": "Remote", **flags}
    return ConsumerSettings(key=key, public_key=key_pair().public_pem, **fields)  # type: ignore[arg-type]


def _count(instance: Instance, table: object) -> int:
    with instance.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_register_read_and_update_an_rsa_consumer(instance: Instance) -> None:
    link = add_link(instance)
    service = instance.oauth_consumers
    consumer, created = service.set(link.id, _rsa(two_lo_allowed=True), actor=ADMIN)
    assert created is True
    assert consumer.public_key == key_pair().public_b64  # stored normalised (base64 DER)
    assert service.get("remote:1") == consumer == service.for_link(link.id)
    assert service.level(link.id) == OAuthLevel(True, True, False)
    assert service.level(link.id).to_json() == {
        "enabled": True,
        "twoLoEnabled": True,
        "twoLoImpersonationEnabled": False,
    }
    updated, created = service.set(link.id, _rsa(name="Renamed", three_lo_allowed=False), actor=ADMIN)
    assert created is False
    assert (updated.id, updated.name, updated.three_lo_allowed) == (consumer.id, "Renamed", False)
    assert "sharedSecret" not in updated.to_json()


BAD = [
    ConsumerSettings(key="k", public_key="-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"),
    ConsumerSettings(key="k", public_key=""),
    ConsumerSettings(key="", public_key=key_pair().public_pem),
    ConsumerSettings(key="k\nx", public_key=key_pair().public_pem),
    ConsumerSettings(key="k", signature_method="PLAINTEXT", shared_secret="long-enough-secret"),
    ConsumerSettings(key="k", signature_method="HMAC-SHA1", shared_secret="short"),
    ConsumerSettings(key="k", public_key=key_pair().public_pem, callback="javascript:alert(1)"),
    ConsumerSettings(key="k", public_key=key_pair().public_pem, callback="http://good@evil.example/"),
    ConsumerSettings(key="k", public_key=key_pair().public_pem, executing_two_lo_user="nobody"),
]


def test_bad_consumers_are_refused_and_nothing_changes(instance: Instance) -> None:
    link = add_link(instance)
    before, _ = instance.oauth_consumers.set(link.id, _rsa(), actor=ADMIN)
    for wanted in BAD:
        with pytest.raises(InvalidInput) as raised:
            instance.oauth_consumers.set(link.id, wanted, actor=ADMIN)
        assert raised.value.status == 400, wanted
        assert instance.oauth_consumers.for_link(link.id) == before, wanted
    assert _count(instance, oauth_consumers) == 1


def test_hmac_secret_is_encrypted_at_rest_and_kept_on_updates(instance: Instance, settings: Settings) -> None:
    link = add_link(instance)
    service = instance.oauth_consumers
    consumer, _ = service.set(
        link.id, ConsumerSettings(key="third", signature_method="HMAC-SHA1", shared_secret=SECRET), actor=ADMIN
    )
    assert consumer.shared_secret == SECRET
    with instance.engine.connect() as conn:
        stored = conn.execute(select(oauth_consumers.c.shared_secret)).scalar_one()
    assert SECRET not in stored
    if settings.resolved_database_url.startswith("sqlite"):
        raw = settings.resolved_database_url.removeprefix("sqlite:///")
        for path in (raw, raw + "-wal"):
            try:
                data = open(path, "rb").read()  # noqa: SIM115
            except FileNotFoundError:
                continue
            assert SECRET.encode() not in data
    # The secret is never shown again, so an update that does not repeat it keeps it.
    renamed, _ = service.set(
        link.id, ConsumerSettings(key="third", name="Third", signature_method="HMAC-SHA1"), actor=ADMIN
    )
    assert renamed.shared_secret == SECRET
    assert "sharedSecret" not in renamed.to_json()


def test_impersonation_and_admin_executing_users_need_a_system_administrator(instance: Instance) -> None:
    link = add_link(instance)
    service = instance.oauth_consumers
    service.set(link.id, _rsa(), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        service.set(link.id, _rsa(two_lo_impersonation_allowed=True), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        service.set(link.id, _rsa(two_lo_allowed=True, executing_two_lo_user="boss"), actor=ADMIN)
    with pytest.raises(PermissionDenied):
        service.set_level(link.id, OAuthLevel(True, True, True), actor=ADMIN)
    assert service.level(link.id) == OAuthLevel(True, False, False)
    with pytest.raises(PermissionDenied):
        service.set(link.id, _rsa(), actor=HostUser("alice"))
    consumer, _ = service.set(
        link.id,
        _rsa(two_lo_allowed=True, two_lo_impersonation_allowed=True, executing_two_lo_user="boss"),
        actor=SYSADMIN,
    )
    assert consumer.two_lo_impersonation_allowed and consumer.executing_two_lo_user == "boss"


def test_a_consumer_key_belongs_to_one_link(instance: Instance) -> None:
    first, second = add_link(instance), add_link(instance)
    instance.oauth_consumers.set(first.id, _rsa("shared:1"), actor=ADMIN)
    with pytest.raises(Conflict):
        instance.oauth_consumers.set(second.id, _rsa("shared:1"), actor=ADMIN)
    assert instance.oauth_consumers.for_link(second.id) is None
    with pytest.raises(LinkNotFound):
        instance.oauth_consumers.set("no-such-link", _rsa("x:1"), actor=ADMIN)


def _issue_token(instance: Instance, key: str) -> None:
    consumer = instance.oauth_consumers.get(key)
    assert consumer is not None
    instance.oauth_provider.tokens.issue_request_token(consumer, "oob")


def test_deleting_the_link_deletes_its_consumer_and_tokens(instance: Instance) -> None:
    link, other = add_link(instance), add_link(instance)
    instance.oauth_consumers.set(link.id, _rsa("gone:1"), actor=ADMIN)
    instance.oauth_consumers.set(other.id, _rsa("kept:1"), actor=ADMIN)
    _issue_token(instance, "gone:1")
    _issue_token(instance, "kept:1")
    instance.links.delete(link.id, actor=SYSADMIN)
    assert instance.oauth_consumers.get("gone:1") is None
    assert instance.oauth_consumers.get("kept:1") is not None
    assert _count(instance, oauth_tokens) == 1


def test_a_new_consumer_key_or_deleting_the_consumer_drops_its_tokens(instance: Instance) -> None:
    link = add_link(instance)
    service = instance.oauth_consumers
    service.set(link.id, _rsa("old:1"), actor=ADMIN)
    _issue_token(instance, "old:1")
    service.set(link.id, _rsa("old:1", name="same key keeps tokens"), actor=ADMIN)
    assert _count(instance, oauth_tokens) == 1
    service.set(link.id, _rsa("new:1"), actor=ADMIN)
    assert _count(instance, oauth_tokens) == 0
    _issue_token(instance, "new:1")
    assert service.delete(link.id, actor=ADMIN) is True
    assert service.delete(link.id, actor=ADMIN) is False
    assert _count(instance, oauth_tokens) == 0
    assert service.level(link.id) == OAuthLevel()


def test_set_level_updates_flags_and_disabling_removes_the_consumer(instance: Instance) -> None:
    link = add_link(instance)
    service = instance.oauth_consumers
    service.set(link.id, _rsa(), actor=ADMIN)
    assert service.set_level(link.id, OAuthLevel(True, True, True), actor=SYSADMIN) == OAuthLevel(True, True, True)
    assert service.set_level(link.id, OAuthLevel(), actor=ADMIN) == OAuthLevel()
    assert service.for_link(link.id) is None


def test_own_consumer_key_is_fixed_once(settings: Settings) -> None:
    first = Instance(settings)
    try:
        info = first.oauth_consumers.consumer_info()
        assert info.key.startswith("Test:") and info.key.split(":", 1)[1].isdigit()
        assert info.public_key == first.identity.key.public_key_der_b64
        assert info.name == "Test" and settings.base_url in info.description
    finally:
        first.close()
    renamed = Instance(settings.model_copy(update={"name": "Renamed"}))
    try:
        assert renamed.oauth_consumers.consumer_key() == info.key
    finally:
        renamed.close()


def _remote_instance(settings: Settings, body: bytes) -> Instance:
    def answer(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path.endswith("/plugins/servlet/oauth/consumer-info")
        return httpx2.Response(200, stream=httpx2.ByteStream(body), headers={"content-type": "application/xml"})

    return Instance(
        settings, FakeHost(), resolver=lambda host, port: ["127.0.0.1"], transport=httpx2.MockTransport(answer)
    )


def test_auto_configuration_registers_the_remote_consumer_info(settings: Settings) -> None:
    remote = ConsumerInfo(key="Wiki:77", name="Wiki", public_key=key_pair().public_b64, description="the wiki")
    instance = _remote_instance(settings, consumer_info_xml(remote))
    try:
        link = add_link(instance)
        consumer = instance.oauth_consumers.configure_from_remote(link.id, actor=ADMIN)
        assert (consumer.key, consumer.name, consumer.public_key) == ("Wiki:77", "Wiki", remote.public_key)
        assert (consumer.signature_method, consumer.two_lo_allowed, consumer.two_lo_impersonation_allowed) == (
            "RSA-SHA1",
            True,
            False,
        )
    finally:
        instance.close()


def test_auto_configuration_with_entities_in_the_answer_stores_nothing(settings: Settings) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa">]><consumer><key>&a;</key></consumer>'
    instance = _remote_instance(settings, bomb)
    try:
        link = add_link(instance)
        with pytest.raises(UnexpectedResponse):
            instance.oauth_consumers.configure_from_remote(link.id, actor=ADMIN)
        assert instance.oauth_consumers.for_link(link.id) is None
    finally:
        instance.close()


def test_the_verifiers_lookup_is_cached_and_every_change_made_here_applies_at_once(instance: Instance) -> None:
    link = add_link(instance)
    settings = ConsumerSettings(key="cached", public_key=key_pair().public_pem, two_lo_allowed=False)
    instance.oauth_consumers.set(link.id, settings, actor=SYSADMIN)
    assert instance.oauth_consumers.get("cached") is not None
    # A change behind the service's back (another process) is not seen until the cache entry expires...
    with instance.engine.begin() as conn:
        conn.execute(oauth_consumers.update().values(two_lo_allowed=True))
    cached = instance.oauth_consumers.get("cached")
    assert cached is not None and cached.two_lo_allowed is False
    # ...one made through the service is, at once, and so is the link's deletion (the consumer goes with it).
    instance.oauth_consumers.set(link.id, replace(settings, two_lo_allowed=True), actor=SYSADMIN)
    fresh = instance.oauth_consumers.get("cached")
    assert fresh is not None and fresh.two_lo_allowed is True
    instance.links.delete(link.id, actor=SYSADMIN)
    assert instance.oauth_consumers.get("cached") is None


def test_deleting_the_consumer_applies_at_once(instance: Instance) -> None:
    link = add_link(instance)
    instance.oauth_consumers.set(
        link.id, ConsumerSettings(key="gone", public_key=key_pair().public_pem), actor=SYSADMIN
    )
    assert instance.oauth_consumers.get("gone") is not None
    assert instance.oauth_consumers.delete(link.id, actor=SYSADMIN)
    assert instance.oauth_consumers.get("gone") is None


def test_cache_seconds_zero_reads_the_database_every_time(settings: Settings) -> None:
    instance = Instance(settings.model_copy(update={"cache_seconds": 0}), FakeHost())
    try:
        link = add_link(instance)
        instance.oauth_consumers.set(
            link.id, ConsumerSettings(key="live", public_key=key_pair().public_pem), actor=SYSADMIN
        )
        assert instance.oauth_consumers.get("live") is not None
        with instance.engine.begin() as conn:
            conn.execute(oauth_consumers.delete())
        assert instance.oauth_consumers.get("live") is None
    finally:
        instance.close()
