"""Relocating links between live instances (protocol.md §6.3) and detecting remotes that moved."""

from __future__ import annotations

from applinks.domain.link import Link
from applinks.host import HostUser
from tests.integration.lifecycle_fakes import closed_port_url, redirecting_server, served_again
from tests.support import InstanceFactory, LiveInstance

RELOCATE = "/rest/applinks/1.0/relocateApplicationlink"
LINKS = "/rest/applinks/2.0/applicationlink"
FORM = "/rest/applinks/1.0/applicationlinkForm"


def link_to(source: LiveInstance, target_url: str) -> dict[str, object]:
    with source.client() as client:
        created = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": target_url}})
    assert created.status_code == 201, created.text
    link: dict[str, object] = created.json()["applicationLink"]
    return link


def stored(source: LiveInstance, link_id: str) -> dict[str, object]:
    with source.client() as client:
        answer = client.get(f"{LINKS}/{link_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


def test_relocate_to_a_new_port_of_the_same_instance(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_to(wiki, tracker.url)
    with served_again(tracker.app) as new_url:
        with wiki.client() as client:
            moved = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": new_url})
        assert moved.status_code == 204, moved.text
        link = stored(wiki, tracker.application_id)
        assert link["rpcUrl"] == new_url
        # The display URL is what the remote says about itself.
        assert link["displayUrl"] == tracker.url
        assert link["isPrimary"] is True


def test_relocate_to_nowhere_is_a_conflict_unless_forced(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_to(wiki, tracker.url)
    nowhere = closed_port_url()
    with wiki.client() as client:
        refused = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": nowhere})
        assert refused.status_code == 409
        assert refused.json()["error"] == "applinks.relocate.unreachable"
        assert stored(wiki, tracker.application_id)["rpcUrl"] == tracker.url
        forced = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": nowhere, "nowarning": "true"})
    assert forced.status_code == 204, forced.text
    link = stored(wiki, tracker.application_id)
    assert link["rpcUrl"] == link["displayUrl"] == nowhere


def test_relocate_to_a_different_application_is_refused_unless_forced(
    tracker: LiveInstance, wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    other = make_instance(name="Other")
    link_to(wiki, tracker.url)
    with wiki.client() as client:
        refused = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": other.url})
        assert refused.status_code == 409
        assert refused.json()["error"] == "applinks.relocate.different_application"
        assert refused.json()["details"]["found_id"] == other.application_id
        assert stored(wiki, tracker.application_id)["rpcUrl"] == tracker.url
        # nowarning alone does not override a different application: it is a different application.
        still = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": other.url, "nowarning": "true"})
        assert still.status_code == 409
        forced = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": other.url, "force": "true"})
        assert forced.status_code == 200, forced.text
        assert forced.json()["applicationChanged"] is True
        assert forced.json()["applicationLink"]["id"] == other.application_id
        assert client.get(f"{LINKS}/{tracker.application_id}").status_code == 404
    link = stored(wiki, other.application_id)
    assert link["rpcUrl"] == other.url
    assert link["isPrimary"] is True


def test_relocate_to_another_application_type_is_a_bad_request(
    tracker: LiveInstance, wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    jira = make_instance(name="Jira", app_type="jira")
    link_to(wiki, tracker.url)
    with wiki.client() as client:
        refused = client.post(
            f"{RELOCATE}/{tracker.application_id}", params={"newUrl": jira.url, "force": "true", "nowarning": "true"}
        )
    assert refused.status_code == 400
    assert refused.json()["error"] == "applinks.relocate.type"
    assert stored(wiki, tracker.application_id)["rpcUrl"] == tracker.url


def test_relocate_onto_the_url_of_another_link_is_a_conflict(
    tracker: LiveInstance, wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    other = make_instance(name="Other")
    link_to(wiki, tracker.url)
    link_to(wiki, other.url)
    with wiki.client() as client:
        refused = client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": other.url, "nowarning": "true"})
    assert refused.status_code == 409
    assert stored(wiki, tracker.application_id)["rpcUrl"] == tracker.url


def test_relocate_needs_an_administrator_and_an_existing_link(tracker: LiveInstance, wiki: LiveInstance) -> None:
    wiki.add_user("bob", "bob-pw")
    link_to(wiki, tracker.url)
    with wiki.client(auth=("bob", "bob-pw")) as bob, wiki.client() as admin, wiki.client(auth=None) as anonymous:
        assert bob.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": tracker.url}).status_code == 403
        assert bob.get(f"{RELOCATE}/{tracker.application_id}").status_code == 403
        assert bob.post(f"{RELOCATE}/{tracker.application_id}/check").status_code == 403
        assert anonymous.get(f"{RELOCATE}/{tracker.application_id}").status_code == 401
        assert admin.post(f"{RELOCATE}/no-such-link", params={"newUrl": tracker.url}).status_code == 404


def test_a_redirecting_remote_is_flagged_moved_with_the_suggested_url(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    with redirecting_server(tracker.url) as (old_url, _hits):
        # The link was made while the remote still answered at its old address.
        wiki.instance.links.create(
            Link(tracker.application_id, "refapp", "Tracker", old_url, old_url), actor=_admin(wiki)
        )
        with wiki.client() as client:
            before = client.get(f"{RELOCATE}/{tracker.application_id}").json()
            checked = client.post(f"{RELOCATE}/{tracker.application_id}/check")
            after = client.get(f"{RELOCATE}/{tracker.application_id}").json()
    assert before["moved"] is False
    assert checked.status_code == 200, checked.text
    assert checked.json()["moved"] is True
    assert checked.json()["suggestedUrl"] == tracker.url
    assert after["moved"] is True
    assert after["suggestedUrl"] == tracker.url
    # Relocating to the suggested URL clears the flag.
    with wiki.client() as client:
        assert client.post(f"{RELOCATE}/{tracker.application_id}", params={"newUrl": tracker.url}).status_code == 204
        assert client.get(f"{RELOCATE}/{tracker.application_id}").json()["moved"] is False


def test_a_different_application_at_the_rpc_url_is_flagged_moved(
    tracker: LiveInstance, wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    other = make_instance(name="Other")
    link_to(wiki, tracker.url)
    # Tracker's address now serves another application.
    _point_at(wiki, tracker.application_id, other.url)
    with wiki.client() as client:
        checked = client.post(f"{RELOCATE}/{tracker.application_id}/check").json()
    assert checked["moved"] is True
    assert other.application_id in checked["reason"]
    assert checked["suggestedUrl"] is None


def test_a_remote_that_is_down_is_not_flagged_moved(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_to(wiki, tracker.url)
    _point_at(wiki, tracker.application_id, closed_port_url())
    with wiki.client() as client:
        checked = client.post(f"{RELOCATE}/{tracker.application_id}/check").json()
    assert checked["moved"] is False


def _admin(live: LiveInstance) -> HostUser:
    assert live.instance.host is not None
    user = live.instance.host.get_user("admin")
    assert user is not None
    return user


def _point_at(live: LiveInstance, link_id: str, url: str) -> None:
    """Change a link's RPC URL behind the service's back (the remote moved away under it)."""
    from applinks.storage import links as repo

    with live.instance.engine.begin() as conn:
        link = repo.get_link(conn, link_id)
        assert link is not None
        link.rpc_url = url
        repo.update_link(conn, link)


def test_relocating_to_a_metadata_address_is_refused_even_without_warning(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_to(wiki, tracker.url)
    with wiki.client() as client:
        for params in ({}, {"nowarning": "true", "force": "true"}):
            refused = client.post(
                f"{RELOCATE}/{tracker.application_id}", params={"newUrl": "http://169.254.169.254", **params}
            )
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"] == "applinks.remote.address_refused"
    assert stored(wiki, tracker.application_id)["rpcUrl"] == tracker.url
