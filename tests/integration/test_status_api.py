"""The status API between live instances: checks, access rules, the anonymous OAuth levels, stored results."""

from __future__ import annotations

from tests.support import InstanceFactory, LiveInstance

STATUS = "/rest/applinks/3.0/status"


def link(source: LiveInstance, target: LiveInstance) -> str:
    with source.client() as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": target.url})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


def test_the_remote_end_deleted_is_no_remote_applink(tracker: LiveInstance, wiki: LiveInstance) -> None:
    to_tracker = link(wiki, tracker)
    to_wiki = link(tracker, wiki)
    with wiki.client() as client:
        both = client.get(f"{STATUS}/{to_tracker}").json()
        assert both["error"]["type"] != "NO_REMOTE_APPLINK"
        assert both["link"] == {
            "id": tracker.application_id,
            "name": "Tracker",
            "displayUrl": tracker.url,
            "rpcUrl": tracker.url,
            "type": "refapp",
        }
        with tracker.client() as remote_admin:
            assert remote_admin.delete(f"/rest/applinks/3.0/applinks/{to_wiki}").status_code == 204
        gone = client.get(f"{STATUS}/{to_tracker}").json()
    assert gone["working"] is False
    assert gone["error"]["type"] == "NO_REMOTE_APPLINK"
    assert gone["error"]["category"] == "CONFIG_ERROR"
    assert gone["lozenge"] == "CONFIG ERROR"
    assert gone["error"]["advice"]["steps"]


def test_status_is_for_administrators_only(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    wiki.add_user("bob", "bob-pw")
    with wiki.client(auth=None) as anonymous, wiki.client(auth=("bob", "bob-pw")) as bob:
        assert anonymous.get(f"{STATUS}/{link_id}").status_code == 401
        assert bob.get(f"{STATUS}/{link_id}").status_code == 403
        assert anonymous.get(STATUS).status_code == 401
        assert bob.get(STATUS).status_code == 403
        assert anonymous.put(f"{STATUS}/{link_id}/oauth", json={}).status_code == 401
        assert bob.put(f"{STATUS}/{link_id}/oauth", json={}).status_code == 403
        assert anonymous.get("/metrics").status_code == 401
        assert bob.get("/metrics").status_code == 403


def test_oauth_levels_are_anonymous_and_reveal_only_the_flags(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    with wiki.client(auth=None) as anonymous:
        answer = anonymous.get(f"{STATUS}/{link_id}/oauth")
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"incoming", "outgoing"}
        for direction in body.values():
            assert set(direction) == {"enabled", "twoLoEnabled", "twoLoImpersonationEnabled"}
            assert all(isinstance(flag, bool) for flag in direction.values())
        assert anonymous.get(f"{STATUS}/no-such-link/oauth").status_code == 404


def test_the_last_status_is_stored_and_goes_with_the_link(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    with wiki.client() as client:
        assert client.get(f"{STATUS}/no-such-link").status_code == 404
        unchecked = client.get(f"{STATUS}/{link_id}", params={"cached": "true"})
        assert unchecked.status_code == 404
        assert unchecked.json()["error"] == "applinks.status.unchecked"
        live = client.get(f"{STATUS}/{link_id}").json()
        stored = client.get(f"{STATUS}/{link_id}", params={"cached": "true"}).json()
        assert stored == live
        listed = client.get(STATUS).json()
        assert listed["instance"] == {"id": wiki.application_id, "baseUrl": wiki.url}
        assert [s["link"]["id"] for s in listed["links"]] == [link_id]
        assert listed["links"][0] == stored | {"ageSeconds": listed["links"][0]["ageSeconds"]}
        assert isinstance(listed["links"][0]["ageSeconds"], int) and listed["links"][0]["ageSeconds"] >= 0
        assert client.delete(f"/rest/applinks/3.0/applinks/{link_id}").status_code == 204
        assert client.get(STATUS).json()["links"] == []


def test_the_overview_lists_never_checked_links_in_doctor_s_shape(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    with wiki.client() as client:
        listed = client.get(STATUS).json()
        checked = client.get(f"{STATUS}/{link_id}").json()
        again = client.get(STATUS).json()
    [never] = listed["links"]
    assert (never["link"]["id"], never["lozenge"], never["checkedAt"], never["ageSeconds"]) == (
        link_id,
        "NOT CHECKED",
        None,
        None,
    )
    assert set(never) == set(checked) | {"ageSeconds"}  # one shape, checked or not
    assert again["links"][0]["checkedAt"] == checked["checkedAt"]


def test_metrics_show_the_checked_links(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    with wiki.client() as client:
        status = client.get(f"{STATUS}/{link_id}").json()
        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    up = 1.0 if status["working"] else 0.0
    assert f'applinks_link_up{{link_id="{link_id}",name="Tracker"}} {up}' in text
    error_type = status["error"]["type"]
    assert f'applinks_link_error{{category="{status["error"]["category"]}",error_type="{error_type}",' in text
    assert f'applinks_link_checks_total{{result="{error_type}"}} 1.0' in text


def test_metrics_count_outgoing_requests_by_link_and_provider(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = link(wiki, tracker)
    factory = wiki.instance.application_links.get(link_id).request_factory()
    assert factory.get("/rest/applinks/1.0/manifest").status_code == 200
    assert factory.get("/rest/applinks/2.0/applicationlink").status_code == 401
    with wiki.client() as client:
        text = client.get("/metrics").text
    for outcome in ("200", "401"):
        sample = f'applinks_outgoing_requests_total{{link_id="{link_id}",outcome="{outcome}",provider="anonymous"}} 1.0'
        assert sample in text
    assert f'applinks_outgoing_request_duration_seconds_count{{link_id="{link_id}",provider="anonymous"}} 2.0' in text


def test_monitor_checks_links_in_the_background(make_instance: InstanceFactory) -> None:
    tracker = make_instance(name="Tracker")
    wiki = make_instance(name="Wiki", monitor_interval=0.2)
    link_id = link(wiki, tracker)
    monitor = wiki.instance.diagnostics.monitor
    assert monitor is not None
    rounds = monitor.rounds
    # Two more rounds: the link existed for at least one whole round.
    assert monitor.wait_for_rounds(rounds + 2, timeout=20)
    with wiki.client() as client:
        stored = client.get(f"{STATUS}/{link_id}", params={"cached": "true"})
    assert stored.status_code == 200
    assert stored.json()["link"]["id"] == link_id


def test_no_monitor_unless_asked(tracker: LiveInstance) -> None:
    assert tracker.instance.diagnostics.monitor is None


def test_the_start_up_self_check_finds_our_base_url(tracker: LiveInstance) -> None:
    checker = tracker.instance.diagnostics.self_check
    assert checker is not None
    assert checker.done.wait(timeout=20)
    assert tracker.instance.diagnostics.instance_warnings == []
