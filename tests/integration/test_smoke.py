"""Two live instances on loopback: one links to the other by URL through the REST API."""

from __future__ import annotations

from tests.support import LiveInstance


def test_link_by_url_between_live_instances(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": tracker.url})
        assert created.status_code == 201, created.text
        assert created.json()["id"] == tracker.application_id
        assert created.json()["name"] == "Tracker"
        listed = client.get("/rest/applinks/2.0/applicationlink").json()["applicationLinks"]
        assert [link["id"] for link in listed] == [tracker.application_id]
        assert listed[0]["isPrimary"] is True
