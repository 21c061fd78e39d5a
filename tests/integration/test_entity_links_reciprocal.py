"""Entity links created and deleted reciprocally between two live instances, through the link's request factory."""

from __future__ import annotations

from typing import Any

import pytest

from applinks.refapp.host import refapp_host
from tests.integration.test_delete_both_ends import link_two_way
from tests.support import LiveInstance

ENTITY = "/rest/applinks/2.0/entitylink"
CHARLIE = "refapp.charlie"


@pytest.fixture
def pair(tracker: LiveInstance, wiki: LiveInstance) -> tuple[LiveInstance, LiveInstance]:
    link_two_way(wiki, tracker, same_users=True)
    refapp_host(wiki.instance).entities.add("DOCS", "Documentation")
    refapp_host(tracker.instance).entities.add("BUG", "Bugs")
    return wiki, tracker


def entity_links(live: LiveInstance, key: str) -> list[dict[str, Any]]:
    with live.client() as client:
        answer = client.get(f"{ENTITY}/list/{CHARLIE}/{key}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["entityLinks"]
    return found


def test_created_and_deleted_on_both_sides(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    body = {"applicationId": tracker.application_id, "typeId": CHARLIE, "key": "BUG", "name": "Bugs"}
    with wiki.client() as client:
        created = client.put(f"{ENTITY}/{CHARLIE}/DOCS", params={"reciprocate": "true"}, json=body)
    assert created.status_code == 201, created.text
    assert [(e["applicationId"], e["key"]) for e in entity_links(wiki, "DOCS")] == [(tracker.application_id, "BUG")]
    [back] = entity_links(tracker, "BUG")
    assert (back["applicationId"], back["typeId"], back["key"], back["name"]) == (
        wiki.application_id,
        CHARLIE,
        "DOCS",
        "Documentation",
    )
    assert back["isPrimary"] is True
    target = {"typeId": CHARLIE, "key": "BUG", "applicationId": tracker.application_id, "reciprocate": "true"}
    with wiki.client() as client:
        deleted = client.delete(f"{ENTITY}/{CHARLIE}/DOCS", params=target)
    assert deleted.status_code == 204, deleted.text
    assert entity_links(wiki, "DOCS") == []
    assert entity_links(tracker, "BUG") == []


def test_a_remote_refusal_changes_nothing_here(pair: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = pair
    body = {"applicationId": tracker.application_id, "typeId": CHARLIE, "key": "NOPE", "name": "Missing"}
    with wiki.client() as client:
        refused = client.put(f"{ENTITY}/{CHARLIE}/DOCS", params={"reciprocate": "true"}, json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "applinks.entity.reciprocate"
    assert "HTTP 404" in refused.json()["message"]
    assert entity_links(wiki, "DOCS") == []


def test_a_one_way_link_cannot_reciprocate(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        made = client.post(
            "/rest/applinks/1.0/applicationlinkForm/createAppLink", json={"applicationLink": {"rpcUrl": tracker.url}}
        )
        assert made.status_code == 201
        refapp_host(wiki.instance).entities.add("DOCS", "Documentation")
        body = {"applicationId": tracker.application_id, "typeId": CHARLIE, "key": "BUG"}
        refused = client.put(f"{ENTITY}/{CHARLIE}/DOCS", params={"reciprocate": "true"}, json=body)
    assert refused.status_code == 400, refused.text
    assert "no outgoing authentication" in refused.json()["message"]
    assert entity_links(wiki, "DOCS") == []
