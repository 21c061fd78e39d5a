"""Entity links on one instance (protocol.md §6.5): create, list, primary, delete, permissions, cascade."""

from __future__ import annotations

from typing import Any

import pytest

from applinks.refapp.host import refapp_host
from tests.support import LiveInstance

ENTITY = "/rest/applinks/2.0/entitylink"
FORM = "/rest/applinks/1.0/applicationlinkForm"
CHARLIE = "refapp.charlie"


@pytest.fixture
def linked(tracker: LiveInstance, wiki: LiveInstance) -> tuple[LiveInstance, LiveInstance]:
    """Wiki links one-way to Tracker; Wiki has a project DOCS."""
    with wiki.client() as client:
        created = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": tracker.url}})
    assert created.status_code == 201, created.text
    refapp_host(wiki.instance).entities.add("DOCS", "Documentation")
    return wiki, tracker


def body(tracker: LiveInstance, key: str, name: str | None = None) -> dict[str, Any]:
    return {"applicationId": tracker.application_id, "typeId": CHARLIE, "key": key, "name": name or key.title()}


def listed(wiki: LiveInstance, type_id: str | None = None) -> list[dict[str, Any]]:
    params = {"typeId": type_id} if type_id else {}
    with wiki.client() as client:
        answer = client.get(f"{ENTITY}/list/{CHARLIE}/DOCS", params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["entityLinks"]
    return found


def test_create_list_primary_and_delete(linked: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = linked
    with wiki.client() as client:
        first = client.put(f"{ENTITY}/{CHARLIE}/DOCS", json=body(tracker, "BUG", "Bugs"))
        second = client.put(f"{ENTITY}/{CHARLIE}/DOCS", json=body(tracker, "OPS", "Operations"))
        renamed = client.put(f"{ENTITY}/{CHARLIE}/DOCS", json=body(tracker, "OPS", "Ops team"))
        assert (first.status_code, second.status_code, renamed.status_code) == (201, 201, 200)
        assert first.json()["isPrimary"] is True
        assert second.json()["isPrimary"] is False
        assert [(e["key"], e["name"], e["isPrimary"]) for e in listed(wiki)] == [
            ("BUG", "Bugs", True),
            ("OPS", "Ops team", False),
        ]
        primary = client.get(f"{ENTITY}/primary/{CHARLIE}/DOCS", params={"typeId": CHARLIE})
        assert primary.json()["key"] == "BUG"
        target = {"typeId": CHARLIE, "key": "OPS", "applicationId": tracker.application_id}
        made = client.post(f"{ENTITY}/primary/{CHARLIE}/DOCS", params=target)
        assert made.status_code == 200, made.text
        assert client.get(f"{ENTITY}/primary/{CHARLIE}/DOCS", params={"typeId": CHARLIE}).json()["key"] == "OPS"
        # Deleting the primary promotes the next link of that type.
        deleted = client.delete(f"{ENTITY}/{CHARLIE}/DOCS", params=target)
        assert deleted.status_code == 204, deleted.text
        assert [(e["key"], e["isPrimary"]) for e in listed(wiki)] == [("BUG", True)]
        gone = client.delete(f"{ENTITY}/{CHARLIE}/DOCS", params=target)
        assert gone.status_code == 404
    assert listed(wiki, "other.type") == []


def test_deleting_the_application_link_deletes_its_entity_links(linked: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = linked
    with wiki.client() as client:
        assert client.put(f"{ENTITY}/{CHARLIE}/DOCS", json=body(tracker, "BUG")).status_code == 201
        assert client.delete(f"/rest/applinks/2.0/applicationlink/{tracker.application_id}").status_code == 200
    assert listed(wiki) == []


def test_bad_requests_change_nothing(linked: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = linked
    with wiki.client() as client:
        cases = [
            (client.put(f"{ENTITY}/{CHARLIE}/NOPE", json=body(tracker, "BUG")), 404, "applinks.entity.notfound"),
            (client.put(f"{ENTITY}/other.type/DOCS", json=body(tracker, "BUG")), 404, "applinks.entity.notfound"),
            (
                client.put(f"{ENTITY}/{CHARLIE}/DOCS", json={**body(tracker, "BUG"), "applicationId": "nope"}),
                404,
                "applinks.link.notfound",
            ),
            (
                client.put(f"{ENTITY}/{CHARLIE}/DOCS", json={**body(tracker, "BUG"), "typeId": "jira.project"}),
                400,
                "applinks.entity.type",
            ),
            (client.put(f"{ENTITY}/{CHARLIE}/DOCS", json=body(tracker, "bad key/..")), 400, "applinks.entity.key"),
            (client.put(f"{ENTITY}/{CHARLIE}/DOCS", json={"key": "BUG"}), 400, "applinks.body.invalid"),
        ]
        for answer, status, error in cases:
            assert answer.status_code == status, answer.text
            assert answer.json()["error"] == error
        missing = client.get(f"{ENTITY}/primary/{CHARLIE}/DOCS", params={"typeId": CHARLIE})
        assert missing.status_code == 404
    assert listed(wiki) == []


def test_only_those_who_administer_the_entity_manage_its_links(linked: tuple[LiveInstance, LiveInstance]) -> None:
    wiki, tracker = linked
    wiki.add_user("bob", "bob-pw")
    with wiki.client(auth=None) as anonymous, wiki.client(auth=("bob", "bob-pw")) as bob:
        assert anonymous.get(f"{ENTITY}/list/{CHARLIE}/DOCS").status_code == 401
        assert bob.get(f"{ENTITY}/list/{CHARLIE}/DOCS").status_code == 403
        refused = bob.put(
            f"{ENTITY}/{CHARLIE}/DOCS", json=body(tracker, "BUG"), headers={"X-Atlassian-Token": "no-check"}
        )
        assert refused.status_code == 403
    assert listed(wiki) == []
