"""Two-way links between live instances: remote admin check, reciprocal link first, failures between steps."""

from __future__ import annotations

from typing import Any

from applinks.domain.link import Link
from applinks.errors import RemoteUnreachable
from tests.integration.lifecycle_fakes import served_again
from tests.support import InstanceFactory, LiveInstance

FORM = "/rest/applinks/1.0/applicationlinkForm"
LINKS = "/rest/applinks/2.0/applicationlink"


def two_way(url: str, username: str = "admin", password: str = "admin-pw", **extra: Any) -> dict[str, Any]:
    return {
        "applicationLink": {"rpcUrl": url},
        "username": username,
        "password": password,
        "createTwoWayLink": True,
        **extra,
    }


def links_of(live: LiveInstance) -> list[dict[str, Any]]:
    return [link.to_v2() for link in live.instance.links.list()]


def test_wrong_remote_password_creates_nothing_on_either_side(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        refused = client.post(FORM + "/createAppLink", json=two_way(tracker.url, password="wrong"))
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "applinks.remote.credentials"
    assert "nothing was created" in refused.json()["message"]
    assert links_of(wiki) == []
    assert links_of(tracker) == []


def test_a_remote_user_who_is_not_an_administrator_creates_nothing(tracker: LiveInstance, wiki: LiveInstance) -> None:
    tracker.add_user("carol", "carol-pw")
    with wiki.client() as client:
        refused = client.post(FORM + "/createAppLink", json=two_way(tracker.url, "carol", "carol-pw"))
    assert refused.status_code == 400
    assert refused.json()["error"] == "applinks.remote.credentials"
    assert links_of(wiki) == []
    assert links_of(tracker) == []


def test_missing_remote_credentials_are_a_bad_request(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        refused = client.post(FORM + "/createAppLink", json=two_way(tracker.url, password=""))
    assert refused.status_code == 400
    assert refused.json()["error"] == "applinks.wizard.remote_credentials"
    assert links_of(wiki) == [] and links_of(tracker) == []


def test_two_way_creates_the_remote_end_then_the_local_end(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=two_way(tracker.url))
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["twoWay"] is True
    assert result["local"]["link"] == "created"
    assert result["remote"] == {**result["remote"], "url": tracker.url, "link": "created"}
    assert [link["id"] for link in links_of(wiki)] == [tracker.application_id]
    [back] = links_of(tracker)
    assert back["id"] == wiki.application_id
    assert back["rpcUrl"] == wiki.url
    assert back["displayUrl"] == wiki.url
    assert back["name"] == "Wiki"


def test_custom_rpc_url_is_how_the_remote_reaches_us(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with served_again(wiki.app) as wiki_elsewhere:
        body = two_way(tracker.url, customRpcURL=True, rpcUrl=wiki_elsewhere)
        with wiki.client() as client:
            created = client.post(FORM + "/createAppLink", json=body)
        assert created.status_code == 201, created.text
    [back] = links_of(tracker)
    assert back["rpcUrl"] == wiki_elsewhere
    assert back["displayUrl"] == wiki.url


def test_a_failure_after_the_remote_end_reports_what_exists(tracker: LiveInstance, wiki: LiveInstance) -> None:
    def fail(_step: str, _link: Link) -> None:
        raise RemoteUnreachable("the database went away", kind="CONNECTION_REFUSED")

    wiki.instance.wizard.hooks["after_remote_link"] = fail
    with wiki.client() as client:
        failed = client.post(FORM + "/createAppLink", json=two_way(tracker.url))
    assert failed.status_code == 400, failed.text
    error = failed.json()
    assert error["error"] == "applinks.link.partial"
    assert error["details"]["remote"] == {"url": tracker.url, "link": "created"}
    assert error["details"]["local"]["link"] == "not created"
    assert "delete the link to this application on" in error["message"]
    assert links_of(wiki) == []
    assert [link["id"] for link in links_of(tracker)] == [wiki.application_id]
    # Creating again completes it: the remote end is reused.
    del wiki.instance.wizard.hooks["after_remote_link"]
    with wiki.client() as client:
        again = client.post(FORM + "/createAppLink", json=two_way(tracker.url))
    assert again.status_code == 201, again.text
    assert again.json()["remote"]["link"] == "updated"
    assert [link["id"] for link in links_of(wiki)] == [tracker.application_id]
    assert len(links_of(tracker)) == 1


def test_remote_down_after_the_reciprocal_step_leaves_both_links_and_says_so(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    def stop_remote(_step: str, _link: Link) -> None:
        tracker.stop()

    wiki.instance.wizard.hooks["after_remote_link"] = stop_remote
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=two_way(tracker.url))
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["remote"]["link"] == "created"
    assert result["local"]["link"] == "created"
    assert result["authenticationConfigured"] is False
    assert result["remote"]["problems"], result
    assert [link["id"] for link in links_of(wiki)] == [tracker.application_id]
    assert [link["id"] for link in links_of(tracker)] == [wiki.application_id]


def test_one_way_then_completed_from_the_other_side(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with tracker.client() as client:
        one_way = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": wiki.url}})
    assert one_way.status_code == 201
    assert one_way.json()["twoWay"] is False
    # One-way: public data only; a call as a user has no authentication to use.
    assert tracker.instance.outgoing.level(tracker.instance.links.get(wiki.application_id))["enabled"] is False
    with wiki.client() as client:
        body = two_way(tracker.url, configFormValues={"shareUserbase": True})
        completed = client.post(FORM + "/createAppLink", json=body)
    assert completed.status_code == 201, completed.text
    assert completed.json()["remote"]["link"] == "updated"
    assert completed.json()["authenticationConfigured"] is True
    assert [link["id"] for link in links_of(tracker)] == [wiki.application_id]
    assert [link["id"] for link in links_of(wiki)] == [tracker.application_id]
    assert whoami_through(tracker, wiki, "admin") == "admin"
    assert whoami_through(wiki, tracker, "admin") == "admin"


IMPERSONATION = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}
OAUTH = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}
WHOAMI = "/plugins/servlet/applinks/whoami"


def whoami_through(source: LiveInstance, target: LiveInstance, user: str) -> str:
    link = source.instance.links.get(target.application_id)
    answer = source.instance.outgoing.request_factory(link, user).get(WHOAMI)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_two_way_with_the_same_users_is_oauth_with_impersonation(tracker: LiveInstance, wiki: LiveInstance) -> None:
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    body = two_way(tracker.url, configFormValues={"shareUserbase": True})
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=body)
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["authenticationConfigured"] is True, result
    for side in (result["local"], result["remote"]):
        assert side["incoming"] == IMPERSONATION
        assert side["outgoing"] == IMPERSONATION
        assert side["problems"] == []
    # 2LOi both ways: each side calls the other as the current user, with no interaction.
    assert whoami_through(wiki, tracker, "alice") == "alice"
    assert whoami_through(tracker, wiki, "alice") == "alice"
    assert whoami_through(wiki, tracker, "admin") == "admin"


def test_two_way_without_shared_users_is_oauth_and_needs_the_dance(tracker: LiveInstance, wiki: LiveInstance) -> None:
    from applinks.errors import CredentialsRequired
    from tests.integration.outbound_support import Browser, dance

    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=two_way(tracker.url))
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["authenticationConfigured"] is True, result
    for side in (result["local"], result["remote"]):
        assert side["incoming"] == OAUTH
        assert side["outgoing"] == OAUTH
    link = wiki.instance.links.get(tracker.application_id)
    try:
        wiki.instance.outgoing.request_factory(link, "alice").get(WHOAMI)
    except CredentialsRequired as exc:
        assert exc.authorisation_uri().startswith(wiki.url + "/plugins/servlet/applinks/oauth/login-dance/authorize")
    else:
        raise AssertionError("without shared users a call as alice needs her authorisation first")
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        assert dance(browser, wiki, tracker, tracker.application_id).status_code == 303
    finally:
        browser.close()
    assert whoami_through(wiki, tracker, "alice") == "alice"


def test_impersonation_needs_a_remote_system_administrator(tracker: LiveInstance, wiki: LiveInstance) -> None:
    tracker.add_user("ada", "ada-pw", admin=True)
    body = two_way(tracker.url, "ada", "ada-pw", configFormValues={"shareUserbase": True})
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=body)
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["authenticationConfigured"] is False
    assert any("system administrator" in problem for problem in result["remote"]["problems"]), result
    assert result["remote"]["incoming"] is None
    # What could be configured here was, and says so.
    assert result["local"]["outgoing"] == IMPERSONATION
    assert [link["id"] for link in links_of(tracker)] == [wiki.application_id]


def test_two_way_from_an_application_of_a_type_the_remote_does_not_know(
    wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    bugs = make_instance(name="Bugs", app_type="bugtracker")
    with bugs.client() as client:
        created = client.post(FORM + "/createAppLink", json=two_way(wiki.url))
    assert created.status_code == 201, created.text
    assert created.json()["authenticationConfigured"] is True, created.json()
    assert [(link["id"], link["typeId"]) for link in links_of(bugs)] == [(wiki.application_id, "refapp")]
    # Wiki does not know "bugtracker": its link back is to a generic application, made all the same.
    assert [(link["id"], link["typeId"]) for link in links_of(wiki)] == [(bugs.application_id, "generic")]
