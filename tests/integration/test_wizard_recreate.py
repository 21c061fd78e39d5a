"""Creating a two-way link again finishes a partial one (README: "creating again finishes the job"): the
local end is kept, the missing parts on each side are made, and the answer says what was done."""

from __future__ import annotations

from tests.integration.test_wizard_two_way import FORM, links_of, two_way, whoami_through
from tests.support import LiveInstance


def test_a_two_way_create_over_a_one_way_link_finishes_it(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        one_way = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": tracker.url}})
        assert one_way.status_code == 201, one_way.text
        body = two_way(tracker.url, configFormValues={"shareUserbase": True})
        finished = client.post(FORM + "/createAppLink", json=body)
    assert finished.status_code == 200, finished.text
    result = finished.json()
    assert result["local"]["link"] == "existing"  # kept, not a 409 applinks.link.duplicate
    assert result["remote"]["link"] == "created"
    assert result["authenticationConfigured"] is True, result
    assert [link["id"] for link in links_of(wiki)] == [tracker.application_id]
    assert [link["id"] for link in links_of(tracker)] == [wiki.application_id]
    assert whoami_through(wiki, tracker, "admin") == "admin"
    assert whoami_through(tracker, wiki, "admin") == "admin"


def test_creating_a_complete_two_way_link_again_changes_nothing(tracker: LiveInstance, wiki: LiveInstance) -> None:
    body = two_way(tracker.url, configFormValues={"shareUserbase": True})
    with wiki.client() as client:
        assert client.post(FORM + "/createAppLink", json=body).status_code == 201
        again = client.post(FORM + "/createAppLink", json=body)
    assert again.status_code == 200, again.text
    assert (again.json()["local"]["link"], again.json()["remote"]["link"]) == ("existing", "updated")
    assert again.json()["authenticationConfigured"] is True
    assert len(links_of(wiki)) == len(links_of(tracker)) == 1
    assert whoami_through(wiki, tracker, "admin") == "admin"


def test_a_one_way_create_of_an_existing_link_is_still_a_duplicate(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        assert (
            client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": tracker.url}}).status_code == 201
        )
        again = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": tracker.url}})
    assert again.status_code == 409
    assert again.json()["error"] == "applinks.link.duplicate"
