"""The create-link wizard between live instances: step 1 checks, one-way links, confirmations, duplicates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2

from applinks.identity import generic_application_id
from tests.integration.lifecycle_fakes import closed_port_url, redirecting_server
from tests.security.outbound_servers import hang, serving
from tests.support import InstanceFactory, LiveInstance

FORM = "/rest/applinks/1.0/applicationlinkForm"
LINKS = "/rest/applinks/2.0/applicationlink"


def create_body(url: str, **extra: Any) -> dict[str, Any]:
    link = {"rpcUrl": url, **extra.pop("applicationLink", {})}
    return {"applicationLink": link, **extra}


def link_ids(live: LiveInstance) -> list[str]:
    with live.client() as client:
        return [link["id"] for link in client.get(LINKS).json()["applicationLinks"]]


def test_step_one_describes_an_applinks_application(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        found = client.get(FORM + "/manifest", params={"url": tracker.url + "/"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["status"] == "APPLINKS"
    assert body["url"] == tracker.url
    assert body["manifest"]["id"] == tracker.application_id
    assert body["manifest"]["name"] == "Tracker"
    assert body["displayUrlDiffers"] is False
    assert body["genericAllowed"] is False


def test_step_one_is_for_administrators_only(tracker: LiveInstance, wiki: LiveInstance) -> None:
    wiki.add_user("bob", "bob-pw")
    with wiki.client(auth=None) as anonymous, wiki.client(auth=("bob", "bob-pw")) as bob:
        assert anonymous.get(FORM + "/manifest", params={"url": tracker.url}).status_code == 401
        assert bob.get(FORM + "/manifest", params={"url": tracker.url}).status_code == 403
        assert bob.post(FORM + "/createAppLink", json=create_body(tracker.url)).status_code == 403
    assert link_ids(wiki) == []


def test_blank_url_is_refused(wiki: LiveInstance) -> None:
    with wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": "  "})
        created = client.post(FORM + "/createAppLink", json=create_body(" "))
    assert checked.status_code == 400
    assert checked.json()["error"] == "applinks.url.blank"
    assert created.status_code == 400


def test_an_unknown_key_in_the_body_is_refused_naming_it(wiki: LiveInstance, tracker: LiveInstance) -> None:
    with wiki.client() as client:
        refused = client.post(FORM + "/createAppLink", json=create_body(tracker.url, confirmGeneric=True))
        nested = client.post(
            FORM + "/createAppLink", json=create_body(tracker.url, configFormValues={"shareUserBase": True})
        )
        v3 = client.post("/rest/applinks/3.0/applinks", json={"url": tracker.url, "displayURL": tracker.url})
    for answer, key in ((refused, "confirmGeneric"), (nested, "configFormValues.shareUserBase"), (v3, "displayURL")):
        assert answer.status_code == 400, answer.text
        assert key in answer.json()["message"] and "Extra inputs are not permitted" in answer.json()["message"]
    assert link_ids(wiki) == []


def test_self_link_is_a_conflict(wiki: LiveInstance) -> None:
    with wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": wiki.url})
        created = client.post(FORM + "/createAppLink", json=create_body(wiki.url))
    assert checked.status_code == 409
    assert checked.json()["error"] == "applinks.link.self"
    assert created.status_code == 409
    assert link_ids(wiki) == []


def test_one_way_link_creates_only_the_local_end(tracker: LiveInstance, wiki: LiveInstance) -> None:
    body = create_body(tracker.url, configFormValues={"trustEachOther": True})
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=body)
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["twoWay"] is False
    assert result["generic"] is False
    assert result["authenticationConfigured"] is False
    assert result["applicationLink"]["id"] == tracker.application_id
    assert result["applicationLink"]["isPrimary"] is True
    assert any("one-way" in warning for warning in result["warnings"])
    # Trusted Applications are never configured for new links: the choice is answered with a note.
    assert any("Trusted Applications are legacy" in warning for warning in result["warnings"])
    assert not wiki.instance.trusted_apps.outgoing_enabled(tracker.application_id)
    assert link_ids(wiki) == [tracker.application_id]
    assert link_ids(tracker) == []


def test_existing_link_by_id_or_by_url_is_a_conflict(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        assert client.post(FORM + "/createAppLink", json=create_body(tracker.url)).status_code == 201
        same_url = client.get(FORM + "/manifest", params={"url": tracker.url})
        # The same application under another host name: same ID, different URL.
        same_id_url = tracker.url.replace("127.0.0.1", "localhost")
        same_id = client.get(FORM + "/manifest", params={"url": same_id_url})
        again = client.post(FORM + "/createAppLink", json=create_body(same_id_url, confirmUrls=True))
    assert same_url.status_code == 409
    assert same_url.json()["error"] == "applinks.link.duplicate"
    assert same_id.status_code == 409
    assert "already exists" in same_id.json()["message"]
    assert again.status_code == 409
    assert link_ids(wiki) == [tracker.application_id]


def test_redirect_is_reported_with_the_new_url_and_not_followed(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with redirecting_server(tracker.url) as (old_url, hits), wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": old_url})
        created = client.post(FORM + "/createAppLink", json=create_body(old_url))
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "MOVED"
    assert checked.json()["suggestedUrl"] == tracker.url
    assert f"moved to {tracker.url}" in checked.json()["warning"]
    assert created.status_code == 400
    assert created.json()["error"] == "applinks.remote.moved"
    assert created.json()["details"]["location"] == tracker.url
    assert link_ids(wiki) == []
    # Only the redirecting server was asked; the new URL was offered, never fetched silently.
    assert hits == ["/rest/applinks/1.0/manifest"] * 2


def test_unreachable_url_allows_a_generic_link_after_confirmation(wiki: LiveInstance) -> None:
    url = closed_port_url()
    with wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": url})
        unconfirmed = client.post(FORM + "/createAppLink", json=create_body(url))
        confirmed = client.post(
            FORM + "/createAppLink", json=create_body(url, applicationLink={"typeId": "generic", "name": "Legacy"})
        )
    assert checked.status_code == 200
    assert checked.json()["status"] == "UNREACHABLE"
    assert checked.json()["errorType"] == "CONNECTION_REFUSED"
    assert checked.json()["genericAllowed"] is True
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["error"] == "applinks.confirm"
    assert unconfirmed.json()["details"]["confirm"] == "generic"
    assert confirmed.status_code == 201, confirmed.text
    link = confirmed.json()["applicationLink"]
    assert confirmed.json()["generic"] is True
    assert link["id"] == generic_application_id(url)
    assert link["typeId"] == "generic"
    assert link["name"] == "Legacy"
    assert link["rpcUrl"] == link["displayUrl"] == url


def test_a_two_way_link_to_a_generic_application_is_refused(wiki: LiveInstance) -> None:
    url = closed_port_url()
    body = create_body(url, applicationLink={"typeId": "generic"}, createTwoWayLink=True, username="a", password="b")
    with wiki.client() as client:
        refused = client.post(FORM + "/createAppLink", json=body)
    assert refused.status_code == 400
    assert refused.json()["error"] == "applinks.wizard.generic_two_way"
    assert link_ids(wiki) == []


def test_display_url_that_differs_needs_confirmation(tracker: LiveInstance, wiki: LiveInstance) -> None:
    entered = tracker.url.replace("127.0.0.1", "localhost")
    with wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": entered})
        unconfirmed = client.post(FORM + "/createAppLink", json=create_body(entered))
        confirmed = client.post(FORM + "/createAppLink", json=create_body(entered, confirmUrls=True))
    assert checked.json()["displayUrlDiffers"] is True
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["details"] == {
        "confirm": "urls",
        "applicationUrl": entered,
        "displayUrl": tracker.url,
    }
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["applicationLink"]["rpcUrl"] == entered
    assert confirmed.json()["applicationLink"]["displayUrl"] == tracker.url


def test_explicit_display_url_is_a_choice_already_made(tracker: LiveInstance, wiki: LiveInstance) -> None:
    entered = tracker.url.replace("127.0.0.1", "localhost")
    body = create_body(entered, applicationLink={"displayUrl": "https://tracker.example.com", "name": "Bugs"})
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["applicationLink"]["displayUrl"] == "https://tracker.example.com"
    assert created.json()["applicationLink"]["name"] == "Bugs"


def test_atlassian_cloud_without_https_is_refused(wiki: LiveInstance) -> None:
    with wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": "http://example.atlassian.net"})
        created = client.post(FORM + "/createAppLink", json=create_body("http://example.atlassian.net/"))
    for answer in (checked, created):
        assert answer.status_code == 400
        assert answer.json()["error"] == "applinks.url.cloud_https"
        assert "https://example.atlassian.net" in answer.json()["message"]


def test_wrong_expected_id_is_refused(tracker: LiveInstance, wiki: LiveInstance) -> None:
    body = create_body(tracker.url, applicationLink={"id": "not-the-id"})
    with wiki.client() as client:
        refused = client.post(FORM + "/createAppLink", json=body)
    assert refused.status_code == 400
    assert refused.json()["error"] == "applinks.id.mismatch"
    assert link_ids(wiki) == []


def test_twenty_concurrent_creates_make_one_link(tracker: LiveInstance, wiki: LiveInstance) -> None:
    def create(_: int) -> httpx2.Response:
        with wiki.client() as client:
            return client.post(FORM + "/createAppLink", json=create_body(tracker.url))

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(create, range(20)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) == 1, [a.text for a in answers if a.status_code not in (201, 409)]
    assert statuses.count(409) == 19
    assert link_ids(wiki) == [tracker.application_id]


def test_metadata_addresses_are_refused_and_never_contacted(wiki: LiveInstance) -> None:
    url = "http://169.254.169.254"
    with wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": url})
        # Not even as a generic link after "confirmation": the address policy is not a warning.
        created = client.post(FORM + "/createAppLink", json=create_body(url, applicationLink={"typeId": "generic"}))
    for answer in (checked, created):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "applinks.remote.address_refused"
    assert link_ids(wiki) == []


def test_a_remote_that_does_not_answer_is_a_connection_timeout_as_in_doctor(make_instance: InstanceFactory) -> None:
    """One vocabulary: the wizard names a timeout CONNECTION_TIMEOUT, as doctor and the README do."""
    wiki = make_instance(name="Wiki", connect_timeout=0.5, read_timeout=0.5, request_deadline=2.0)
    with serving(hang) as remote, wiki.client() as client:
        checked = client.get(FORM + "/manifest", params={"url": remote.url})
    assert checked.status_code == 200, checked.text
    assert (checked.json()["status"], checked.json()["errorType"]) == ("UNREACHABLE", "CONNECTION_TIMEOUT")
