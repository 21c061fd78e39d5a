"""Deleting both ends of a link (protocol.md §6.4) between live instances, and when the remote cannot be reached."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.integration.lifecycle_fakes import cli
from tests.integration.outbound_support import Browser, dance
from tests.support import LiveInstance

FORM = "/rest/applinks/1.0/applicationlinkForm"
LINKS = "/rest/applinks/2.0/applicationlink"


def link_two_way(source: LiveInstance, target: LiveInstance, *, same_users: bool) -> None:
    body: dict[str, Any] = {
        "applicationLink": {"rpcUrl": target.url},
        "username": "admin",
        "password": "admin-pw",
        "createTwoWayLink": True,
        "configFormValues": {"shareUserbase": same_users},
    }
    with source.client() as client:
        created = client.post(FORM + "/createAppLink", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["authenticationConfigured"] is True, created.json()


def link_ids(live: LiveInstance) -> list[str]:
    return [link.id for link in live.instance.links.list()]


def test_delete_both_ends_removes_both_links_and_the_remote_consumer(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=True)
    assert tracker.instance.oauth_consumers.for_link(wiki.application_id) is not None
    with wiki.client() as client:
        deleted = client.delete(f"{LINKS}/{tracker.application_id}", params={"reciprocate": "true"})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["remote"] == "deleted"
    assert "both ends" in deleted.json()["message"]
    assert link_ids(wiki) == []
    assert link_ids(tracker) == []
    # Deleting a link deletes what hangs on it: the consumer registered for it.
    assert tracker.instance.oauth_consumers.for_link(wiki.application_id) is None
    assert wiki.instance.oauth_consumers.for_link(tracker.application_id) is None


def test_credentials_required_deletes_nothing_until_the_user_authorises(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_two_way(wiki, tracker, same_users=False)
    with wiki.client() as client:
        refused = client.delete(f"{LINKS}/{tracker.application_id}", params={"reciprocate": "true"})
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "applinks.credentials_required"
    assert refused.json()["authorisationUri"].startswith(wiki.url + "/plugins/servlet/applinks/oauth/login-dance/")
    assert "authenticate with" in refused.json()["message"]
    assert link_ids(wiki) == [tracker.application_id]
    assert link_ids(tracker) == [wiki.application_id]
    browser = Browser()
    try:
        browser.login(wiki, "admin", "admin-pw")
        browser.login(tracker, "admin", "admin-pw")
        assert dance(browser, wiki, tracker, tracker.application_id).status_code == 303
    finally:
        browser.close()
    assert wiki.instance.outgoing.tokens.has(tracker.application_id, "admin")
    with wiki.client() as client:
        deleted = client.delete(f"{LINKS}/{tracker.application_id}", params={"reciprocate": "true"})
    assert deleted.status_code == 200, deleted.text
    assert link_ids(wiki) == [] and link_ids(tracker) == []
    # The access token held for the deleted link went with it.
    assert not wiki.instance.outgoing.tokens.has(tracker.application_id, "admin")


def test_remote_down_keeps_the_local_end_until_asked(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=True)
    tracker.stop()
    with wiki.client() as client:
        refused = client.delete(f"{LINKS}/{tracker.application_id}", params={"reciprocate": "true"})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "applinks.link.remote_delete_failed"
        assert "Nothing was deleted" in refused.json()["message"]
        assert "by hand" in refused.json()["message"]
        assert link_ids(wiki) == [tracker.application_id]
        # The admin then deletes this end alone.
        assert client.delete(f"{LINKS}/{tracker.application_id}").status_code == 200
    assert link_ids(wiki) == []
    assert link_ids(tracker) == [wiki.application_id]  # still there: to be removed by hand


def test_cli_deletes_the_local_end_on_request_when_the_remote_is_down(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_two_way(wiki, tracker, same_users=True)
    tracker.stop()
    refused = cli(wiki, "link", "delete", tracker.application_id, "--both-ends", "--as", "admin", ok=False)
    assert "nothing was deleted" in refused.stderr.lower()
    assert link_ids(wiki) == [tracker.application_id]
    done = cli(wiki, "link", "delete", tracker.application_id, "--both-ends", "--as", "admin", "--yes")
    assert "by hand" in done.stdout
    assert tracker.url in done.stdout or "Tracker" in done.stdout
    assert link_ids(wiki) == []


def test_cli_deletes_both_ends(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=True)
    done = cli(wiki, "link", "delete", tracker.application_id, "--both-ends", "--as", "admin")
    assert "deleted on both ends" in done.stdout
    assert link_ids(wiki) == [] and link_ids(tracker) == []


def test_only_a_real_administrator_deletes_both_ends(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=True)
    wiki.add_user("bob", "bob-pw")
    with wiki.client(auth=("bob", "bob-pw")) as bob:
        refused = bob.delete(
            f"{LINKS}/{tracker.application_id}",
            params={"reciprocate": "true"},
            headers={"X-Atlassian-Token": "no-check"},
        )
    assert refused.status_code == 403
    assert link_ids(wiki) == [tracker.application_id] and link_ids(tracker) == [wiki.application_id]


def test_the_cli_prints_the_authorisation_uri_when_credentials_are_required(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_two_way(wiki, tracker, same_users=False)
    refused = cli(wiki, "link", "delete", "Tracker", "--both-ends", "--as", "admin", ok=False)
    [line] = refused.stderr.splitlines()
    assert line.startswith("error: authenticate with Tracker first")
    uri = line.split("open ", 1)[1].split(" ", 1)[0]
    assert uri.startswith(wiki.url + "/plugins/servlet/applinks/oauth/login-dance/"), line
    assert "logged in here as admin" in line
    assert link_ids(wiki) == [tracker.application_id] and link_ids(tracker) == [wiki.application_id]
    # Following that very URI in a browser logged in on both sides lets the same command delete both ends.
    browser = Browser()
    try:
        browser.login(wiki, "admin", "admin-pw")
        browser.login(tracker, "admin", "admin-pw")
        assert dance(browser, wiki, tracker, tracker.application_id).status_code == 303
    finally:
        browser.close()
    assert "deleted on both ends" in cli(wiki, "link", "delete", "Tracker", "--both-ends", "--as", "admin").stdout
    assert link_ids(wiki) == [] and link_ids(tracker) == []


def test_an_embedding_host_s_users_act_through_app(tracker: LiveInstance, wiki: LiveInstance) -> None:
    """--app MODULE:ATTRIBUTE: --as names a user of the host's own directory, not of the reference application."""
    link_two_way(wiki, tracker, same_users=True)
    tracker.add_user("hostadmin", "hostadmin-pw", sysadmin=True)  # the same user base on the remote
    unknown = cli(wiki, "link", "delete", "Tracker", "--both-ends", "--as", "hostadmin", ok=False)
    assert "there is no local user called 'hostadmin'" in unknown.stderr
    bad = cli(wiki, "--app", "tests.integration.cli_host_app:nobody", "link", "list", ok=False)
    assert "has no attribute 'nobody'" in bad.stderr
    deleted = cli(
        wiki, "--app", "tests.integration.cli_host_app:host", "link", "delete", "Tracker", "--both-ends",
        "--as", "hostadmin",
    )  # fmt: skip
    assert "deleted on both ends" in deleted.stdout
    assert link_ids(wiki) == [] and link_ids(tracker) == []


def test_the_cli_completes_the_dance_with_the_pasted_callback(tracker: LiveInstance, wiki: LiveInstance) -> None:
    """`link auth LINK authorise --as USER` prints the remote's authorisation URI, reads back the address the
    browser was sent to, and stores the user's access token: the delete that needed it then succeeds."""
    link_two_way(wiki, tracker, same_users=False)
    settings = wiki.settings
    argv = [sys.executable, "-m", "applinks", "--data-dir", str(settings.data_dir)]
    argv += ["--database-url", str(settings.database_url), "link", "auth", "Tracker", "authorise", "--as", "admin"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLINKS_")} | {
        "APPLINKS_BASE_URL": settings.base_url,
        "APPLINKS_NAME": settings.name,
    }
    child = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        authorize_url = first.split("allow access: ", 1)[1].strip()
        assert authorize_url.startswith(tracker.url + "/plugins/servlet/oauth/authorize?oauth_token="), first
        browser = Browser()
        try:
            browser.login(tracker, "admin", "admin-pw")
            decided = browser.approve(tracker, authorize_url)
        finally:
            browser.close()
        assert decided.status_code == 303, decided.text
        out, err = child.communicate(decided.headers["location"] + "\n", timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert "authorised: admin's calls to Tracker" in out
    assert wiki.instance.outgoing.tokens.has(tracker.application_id, "admin")
    assert "deleted on both ends" in cli(wiki, "link", "delete", "Tracker", "--both-ends", "--as", "admin").stdout
