"""Diagnostics between live instances with OAuth configured: a healthy link, differing levels, legacy Basic,
clocks 3 and 6 minutes apart, a proxy rewriting the Host header, and a user who must authorise first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from applinks.outbound.providers.names import BASIC
from tests.faults.remotes import OAUTH_ON, Peer, ScriptedRemote, scripted_remote
from tests.integration.status_support import (
    ADMIN,
    STATUS,
    host_rewriting_proxy,
    skewed_instances,
    status_of,
    two_way,
)
from tests.support import Databases, InstanceFactory, LiveInstance

OAUTH = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}
IMPERSONATION = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}


@pytest.fixture
def skewed(databases: Databases, tmp_path: Path) -> Iterator[Callable[..., LiveInstance]]:
    yield from skewed_instances(databases, tmp_path)


def test_a_healthy_two_way_link_is_working(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = two_way(wiki, tracker)
    status = status_of(wiki, link_id)
    assert status["working"] is True, status["error"]
    assert status["lozenge"] == "CONNECTED"
    assert status["error"] is None
    assert status["localAuthentication"] == {"incoming": OAUTH, "outgoing": OAUTH}
    assert status["remoteAuthentication"] == {"incoming": OAUTH, "outgoing": OAUTH}
    assert abs(status["clockSkewSeconds"]) < 2
    # The other end agrees.
    assert status_of(tracker, wiki.application_id)["working"] is True


def test_levels_changed_on_one_end_are_a_mismatch(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_id = two_way(wiki, tracker)
    with tracker.client() as remote_admin:
        changed = remote_admin.put(
            f"{STATUS}/{wiki.application_id}/oauth", json={"incoming": IMPERSONATION, "outgoing": OAUTH}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["incoming"] == IMPERSONATION
    status = status_of(wiki, link_id)
    assert status["error"]["type"] == "AUTH_LEVEL_MISMATCH"
    assert status["error"]["category"] == "CONFIG_ERROR"
    assert status["remoteAuthentication"]["incoming"] == IMPERSONATION
    assert status["localAuthentication"]["outgoing"] == OAUTH


def test_put_oauth_levels_round_trips_and_impersonation_needs_a_sysadmin(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_id = two_way(wiki, tracker)
    wiki.add_user("ann", "ann-pw", admin=True)
    body = {"incoming": IMPERSONATION, "outgoing": IMPERSONATION}
    with wiki.client(auth=("ann", "ann-pw")) as admin, wiki.client(auth=None) as anonymous:
        refused = admin.put(f"{STATUS}/{link_id}/oauth", json=body)
        assert refused.status_code == 403
        assert anonymous.get(f"{STATUS}/{link_id}/oauth").json() == {"incoming": OAUTH, "outgoing": OAUTH}
        off = {"enabled": False, "twoLoEnabled": False, "twoLoImpersonationEnabled": False}
        done = admin.put(f"{STATUS}/{link_id}/oauth", json={"incoming": off, "outgoing": OAUTH})
        assert done.status_code == 200, done.text
        assert anonymous.get(f"{STATUS}/{link_id}/oauth").json() == {"incoming": off, "outgoing": OAUTH}
        bad = admin.put(f"{STATUS}/{link_id}/oauth", json={"incoming": {"enabled": "yes"}, "outgoing": OAUTH})
        assert bad.status_code == 400


def test_legacy_basic_wants_an_update(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with wiki.client() as client:
        link_id = client.post("/rest/applinks/3.0/applinks", json={"url": tracker.url}).json()["id"]
    with tracker.client() as client:
        assert client.post("/rest/applinks/3.0/applinks", json={"url": wiki.url}).status_code == 201
    link = wiki.instance.links.get(link_id)
    wiki.instance.outgoing.config.set_provider(
        link, BASIC, enabled=True, config={"username": "admin", "password": "admin-pw"}, actor=ADMIN
    )
    status = status_of(wiki, link_id)
    assert status["error"]["type"] == "LEGACY_UPDATE"
    assert status["lozenge"] == "UPGRADE CONFIG"
    assert status["error"]["legacy"] == ["basic"]


def test_clocks_three_minutes_apart_work_with_a_warning(
    wiki: LiveInstance, skewed: Callable[..., LiveInstance]
) -> None:
    tracker = skewed("Tracker", 180)
    link_id = two_way(wiki, tracker)
    status = status_of(wiki, link_id)
    assert status["working"] is True, status["error"]
    assert abs(status["clockSkewSeconds"] - 180) <= 2
    warnings = {w["type"]: w for w in status["warnings"]}
    assert "ahead of ours" in warnings["CLOCK_SKEW"]["details"]
    assert abs(warnings["CLOCK_SKEW"]["skewSeconds"] - 180) <= 2


def test_clocks_six_minutes_apart_refuse_timestamps(wiki: LiveInstance, skewed: Callable[..., LiveInstance]) -> None:
    tracker = skewed("Tracker", -360)
    link_id = two_way(wiki, tracker)
    status = status_of(wiki, link_id)
    assert status["error"]["type"] == "OAUTH_TIMESTAMP_REFUSED"
    assert status["error"]["category"] == "NETWORK_ERROR"
    assert "behind ours" in status["error"]["details"] and "timestamp_refused" in status["error"]["details"]
    assert abs(status["clockSkewSeconds"] + 360) <= 2
    assert "NTP" in " ".join(status["error"]["advice"]["steps"])


def test_a_proxy_rewriting_the_host_breaks_signatures(tracker: LiveInstance, wiki: LiveInstance) -> None:
    proxies = host_rewriting_proxy(tracker.url)
    proxy = next(proxies)
    try:
        link_id = two_way(wiki, tracker, url=proxy)
        status = status_of(wiki, link_id)
    finally:
        proxies.close()
    assert status["error"]["type"] == "OAUTH_SIGNATURE_INVALID"
    details = status["error"]["details"]
    assert f"we signed for {proxy} but the remote verified against {tracker.url}/" in details
    assert "APPLINKS_BASE_URL" in " ".join(status["error"]["advice"]["steps"])
    assert [w["type"] for w in status["warnings"]] == ["MANIFEST_URL_MISMATCH"]


@pytest.fixture
def remote() -> Iterator[ScriptedRemote]:
    yield from scripted_remote()


def test_a_user_without_a_token_must_authorise_first(make_instance: InstanceFactory, remote: ScriptedRemote) -> None:
    wiki = make_instance(name="Wiki")
    url = remote.add("jira", Peer("5e5e5e5e-0000-3000-8000-00000000c0de", status_code_for_status=401))
    remote.link_back("jira", wiki.application_id, OAUTH_ON, OAUTH_ON)
    with wiki.client() as client:
        link_id = client.post("/rest/applinks/3.0/applinks", json={"url": url}).json()["id"]
    wiki.instance.outgoing.set_level(wiki.instance.links.get(link_id), "oauth", ADMIN)
    status = status_of(wiki, link_id)
    assert status["error"]["type"] == "LOCAL_AUTH_TOKEN_REQUIRED"
    assert status["lozenge"] == "Authenticate to see status"
    uri = status["error"]["authorisationUri"]
    assert uri.startswith(wiki.url + "/plugins/servlet/applinks/oauth/login-dance/authorize?")
    assert f"applicationLinkID={link_id}" in uri


def test_the_remote_knowing_us_under_another_url_is_named(tracker: LiveInstance, wiki: LiveInstance) -> None:
    other_url = wiki.url.replace("127.0.0.1", "localhost")
    link_id = two_way(wiki, tracker, custom_rpc_url=other_url)
    status = status_of(wiki, link_id)
    assert status["working"] is True, status["error"]
    warnings = {w["type"]: w for w in status["warnings"]}
    assert warnings["REMOTE_URL_MISMATCH"]["remoteUsesUrl"] == other_url
    assert "signature_invalid" in warnings["REMOTE_URL_MISMATCH"]["advice"]["explanation"]
    # From the other end the same mismatch breaks every signature it sends.
    reverse = status_of(tracker, wiki.application_id)
    assert reverse["error"]["type"] == "OAUTH_SIGNATURE_INVALID"
    assert f"we signed for {other_url} but the remote verified against {wiki.url}/" in reverse["error"]["details"]


def test_refused_incoming_oauth_is_counted_by_problem(tracker: LiveInstance) -> None:
    forged = 'OAuth oauth_consumer_key="nobody", oauth_signature_method="RSA-SHA1", oauth_nonce="n"'
    with tracker.client(auth=None) as anonymous:
        refused = anonymous.get("/rest/applinks/3.0/applinks", headers={"Authorization": forged})
    assert refused.status_code in (400, 401)
    problem = refused.headers["www-authenticate"].split('oauth_problem="')[1].split('"')[0]
    with tracker.client() as admin:
        scraped = admin.get("/metrics").text
    assert f'applinks_incoming_oauth_failures_total{{oauth_problem="{problem}"}} 1.0' in scraped


def test_a_user_who_is_not_a_remote_admin_cannot_see_its_side(
    make_instance: InstanceFactory, remote: ScriptedRemote
) -> None:
    wiki = make_instance(name="Wiki")
    peer = Peer("5e5e5e5e-0000-3000-8000-00000000ad01", status_code_for_status=401, status_code_for_signed=403)
    url = remote.add("jira", peer)
    remote.link_back("jira", wiki.application_id, IMPERSONATION, IMPERSONATION)
    with wiki.client() as client:
        link_id = client.post("/rest/applinks/3.0/applinks", json={"url": url}).json()["id"]
    wiki.instance.outgoing.set_level(wiki.instance.links.get(link_id), "impersonation", ADMIN)
    status = status_of(wiki, link_id)
    assert status["error"]["type"] == "INSUFFICIENT_REMOTE_PERMISSION"
    assert status["lozenge"] == "ACCESS DENIED"
    signed = [hit for hit in remote.hits if hit.endswith("/oauth")]
    assert len(signed) == 2  # anonymous first, then as the admin by impersonation
