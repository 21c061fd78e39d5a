"""Relocating a link to where its remote moved keeps the user's 3LO token working (same application ID)."""

from __future__ import annotations

from tests.integration.lifecycle_fakes import moved_to_new_port
from tests.integration.outbound_support import Browser, dance
from tests.integration.test_delete_both_ends import link_two_way
from tests.support import InstanceFactory, LiveInstance

RELOCATE = "/rest/applinks/1.0/relocateApplicationlink"
WHOAMI = "/plugins/servlet/applinks/whoami"


def whoami(source: LiveInstance, link_id: str, user: str) -> str:
    link = source.instance.links.get(link_id)
    answer = source.instance.outgoing.request_factory(link, user).get(WHOAMI)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_tokens_still_work_after_relocating_to_the_new_port(tracker: LiveInstance, wiki: LiveInstance) -> None:
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    link_two_way(wiki, tracker, same_users=False)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        assert dance(browser, wiki, tracker, tracker.application_id).status_code == 303
    finally:
        browser.close()
    assert whoami(wiki, tracker.application_id, "alice") == "alice"
    with moved_to_new_port(tracker) as moved:
        assert moved.application_id == tracker.application_id
        with wiki.client() as client:
            relocated = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": moved.url})
        assert relocated.status_code == 204, relocated.text
        link = wiki.instance.links.get(tracker.application_id)
        assert link.rpc_url == link.display_url == moved.url
        # The token alice granted before the move is the one used now: no new dance.
        assert wiki.instance.outgoing.tokens.has(tracker.application_id, "alice")
        assert whoami(wiki, tracker.application_id, "alice") == "alice"


def test_forcing_a_link_onto_another_application_drops_its_tokens_and_consumer(
    tracker: LiveInstance, wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    other = make_instance(name="Other")
    wiki.add_user("alice", "alice-pw")
    tracker.add_user("alice", "alice-pw")
    link_two_way(wiki, tracker, same_users=False)
    browser = Browser()
    try:
        browser.login(wiki, "alice", "alice-pw")
        browser.login(tracker, "alice", "alice-pw")
        assert dance(browser, wiki, tracker, tracker.application_id).status_code == 303
    finally:
        browser.close()
    assert wiki.instance.oauth_consumers.for_link(tracker.application_id) is not None
    with wiki.client() as client:
        forced = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": other.url, "force": "true"})
    assert forced.status_code == 200, forced.text
    assert not wiki.instance.outgoing.tokens.has(tracker.application_id, "alice")
    assert not wiki.instance.outgoing.tokens.has(other.application_id, "alice")
    assert wiki.instance.oauth_consumers.for_link(tracker.application_id) is None
    assert wiki.instance.oauth_consumers.for_link(other.application_id) is None
    link = wiki.instance.links.get(other.application_id)
    assert wiki.instance.outgoing.level(link)["enabled"] is False
