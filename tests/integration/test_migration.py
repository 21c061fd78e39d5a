"""``POST /rest/applinks/3.0/migration/{id}`` between live instances: Trusted Applications → OAuth with
impersonation and legacy Basic → OAuth, on both ends when the remote can be changed, else on this end."""

from __future__ import annotations

from typing import Any

import httpx2

from applinks.auth.legacy import LegacyConfiguration
from applinks.auth.oauth1.model import OAuthLevel
from applinks.outbound.providers.names import BASIC, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION
from tests.support import LiveInstance

WHOAMI = "/plugins/servlet/applinks/whoami"
NO_CHECK = {"X-Atlassian-Token": "no-check"}
ADMIN = {"username": "admin", "password": "admin-pw"}
IMPERSONATION = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}
OAUTH = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}


def link_both_ways(one: LiveInstance, other: LiveInstance) -> None:
    for here, there in ((one, other), (other, one)):
        with here.client() as client:
            assert client.post("/rest/applinks/3.0/applinks", json={"url": there.url}).status_code == 201


def enable_trusted_apps(local: LiveInstance, remote: LiveInstance) -> None:
    with local.client() as client:
        answer = client.put(f"/rest/applinks/3.0/applinks/{remote.application_id}/trusted", json=ADMIN)
        assert answer.status_code == 200 and answer.json()["remote"] == "configured", answer.text


def set_basic(local: LiveInstance, remote: LiveInstance, username: str, password: str) -> None:
    with local.client() as client:
        answer = client.put(
            f"/rest/applinks/2.0/applicationlink/{remote.application_id}/authentication/provider",
            json={"provider": "basic", "enabled": True, "config": {"username": username, "password": password}},
        )
        assert answer.status_code == 200, answer.text


def migrate(
    local: LiveInstance, remote: LiveInstance, body: dict[str, Any] | None = None, **kw: Any
) -> httpx2.Response:
    with local.client(**kw) as client:
        return client.post(f"/rest/applinks/3.0/migration/{remote.application_id}", json=body or {})


def levels(live: LiveInstance, other: LiveInstance) -> tuple[OAuthLevel, dict[str, bool]]:
    link = live.instance.links.get(other.application_id)
    return live.instance.oauth_consumers.level(link.id), live.instance.outgoing.level(link)


def legacy_of(live: LiveInstance, other: LiveInstance) -> set[str]:
    link = live.instance.links.get(other.application_id)
    return LegacyConfiguration(live.instance.engine, live.instance.trusted_apps).legacy(link)


def whoami(sender: LiveInstance, receiver: LiveInstance, user: str, provider: Any = None) -> tuple[str, str]:
    link = sender.instance.links.get(receiver.application_id)
    factory = sender.instance.outgoing.request_factory(link, user, provider)
    answer = factory.get(WHOAMI)
    assert answer.status_code == 200, answer.text
    return factory.provider.short, answer.text


def test_trusted_apps_become_oauth_with_impersonation_on_both_ends(tracker: LiveInstance, wiki: LiveInstance) -> None:
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    link_both_ways(tracker, wiki)
    enable_trusted_apps(wiki, tracker)
    assert whoami(wiki, tracker, "alice") == ("trusted", "alice")
    with wiki.client() as client:
        before = client.get(f"/rest/applinks/3.0/migration/{tracker.application_id}").json()
        status = client.get(f"/rest/applinks/3.0/status/{tracker.application_id}").json()
    assert (before["legacy"], before["targetLevel"]) == (["trusted"], "impersonation")
    assert status["error"]["type"] == "LEGACY_UPDATE"  # diagnostics sees the legacy configuration

    answer = migrate(wiki, tracker, ADMIN)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["migrated"], result["level"], result["remote"]) == (["trusted"], "impersonation", "migrated")
    assert result["local"]["legacy"] == []
    for here, there in ((wiki, tracker), (tracker, wiki)):
        assert legacy_of(here, there) == set()
        assert here.instance.trusted_apps.state(there.application_id).configured is False
        incoming, outgoing = levels(here, there)
        assert incoming == OAuthLevel(True, True, True)
        assert outgoing == IMPERSONATION
    assert whoami(wiki, tracker, "alice") == (TWO_LEGGED_OAUTH_IMPERSONATION.short, "alice")
    assert whoami(tracker, wiki, "alice") == (TWO_LEGGED_OAUTH_IMPERSONATION.short, "alice")
    with wiki.client() as client:
        status = client.get(f"/rest/applinks/3.0/status/{tracker.application_id}").json()
    assert status["working"] is True, status


def test_trusted_apps_without_the_remote_administrator_migrate_this_end(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_both_ways(tracker, wiki)
    enable_trusted_apps(wiki, tracker)

    answer = migrate(wiki, tracker)

    assert answer.status_code == 200, answer.text
    assert answer.json()["remote"] == "manual"
    assert any("must migrate its end too" in m for m in answer.json()["messages"])
    assert legacy_of(wiki, tracker) == set()
    assert levels(wiki, tracker) == (OAuthLevel(True, True, True), IMPERSONATION)
    # The remote end is left as it was, for its own administrator to migrate.
    assert legacy_of(tracker, wiki) == {"trusted"}
    assert levels(tracker, wiki)[0] == OAuthLevel()


def test_legacy_basic_becomes_oauth_using_the_stored_administrator(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    set_basic(wiki, tracker, "admin", "admin-pw")
    assert whoami(wiki, tracker, "admin") == (BASIC.short, "admin")
    assert legacy_of(wiki, tracker) == {"basic"}

    answer = migrate(wiki, tracker)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["migrated"], result["level"], result["remote"]) == (["basic"], "oauth", "migrated")
    assert legacy_of(wiki, tracker) == set()
    assert wiki.instance.outgoing.config.get(tracker.application_id).basic_username is None
    for here, there in ((wiki, tracker), (tracker, wiki)):
        assert levels(here, there) == (OAuthLevel(True, True, False), OAUTH)
    # A 2-legged request now carries a valid OAuth signature (it runs as no one: no executing user is set).
    assert whoami(wiki, tracker, "admin", TWO_LEGGED_OAUTH) == (TWO_LEGGED_OAUTH.short, "")


def test_legacy_basic_with_a_user_who_is_no_remote_administrator(tracker: LiveInstance, wiki: LiveInstance) -> None:
    tracker.add_user("bot", "bot-pw")
    link_both_ways(tracker, wiki)
    set_basic(wiki, tracker, "bot", "bot-pw")

    answer = migrate(wiki, tracker)

    assert answer.status_code == 200, answer.text
    assert answer.json()["remote"] == "manual"
    assert legacy_of(wiki, tracker) == set()
    assert levels(wiki, tracker) == (OAuthLevel(True, True, False), OAUTH)
    assert levels(tracker, wiki)[0] == OAuthLevel()


def test_wrong_remote_password_changes_nothing_on_either_end(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    enable_trusted_apps(wiki, tracker)

    answer = migrate(wiki, tracker, {"username": "admin", "password": "wrong"})

    assert answer.status_code == 400
    assert answer.json()["error"] == "applinks.remote.credentials"
    for here, there in ((wiki, tracker), (tracker, wiki)):
        assert legacy_of(here, there) == {"trusted"}
        assert levels(here, there)[0] == OAuthLevel()


def test_nothing_to_migrate_then_trusted_apps_need_a_system_administrator(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_both_ways(tracker, wiki)
    nothing = migrate(wiki, tracker, ADMIN)
    assert nothing.status_code == 409
    assert nothing.json()["error"] == "applinks.migration.none"
    with wiki.client() as client:
        assert client.post("/rest/applinks/3.0/migration/no-such-link", json={}).status_code == 404

    wiki.add_user("ada", "ada-pw", admin=True)
    enable_trusted_apps(wiki, tracker)
    assert migrate(wiki, tracker, ADMIN, auth=("ada", "ada-pw")).status_code == 403
    assert migrate(wiki, tracker, ADMIN, auth=None).status_code == 401
    assert legacy_of(wiki, tracker) == {"trusted"}
    assert legacy_of(tracker, wiki) == {"trusted"}
