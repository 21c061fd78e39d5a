"""The lifecycle commands against live instances: ``applinks link create|relocate|edit|check-moved``,
``link delete --both-ends``, ``entities`` and ``entity-link``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.lifecycle_fakes import cli, closed_port_url, redirecting_server, served_again
from tests.support import LiveInstance


def links_of(live: LiveInstance) -> list[dict[str, Any]]:
    return [link.to_v2() for link in live.instance.links.list()]


def test_create_one_way(tracker: LiveInstance, wiki: LiveInstance) -> None:
    result = cli(wiki, "link", "create", tracker.url, "--name", "Bugs")
    assert f"created a one-way link to 'Bugs' ({tracker.url})" in result.stdout
    assert [(link["id"], link["name"]) for link in links_of(wiki)] == [(tracker.application_id, "Bugs")]
    assert links_of(tracker) == []


def test_create_two_way_with_the_password_from_a_file(
    tracker: LiveInstance, wiki: LiveInstance, tmp_path: Path
) -> None:
    secret = tmp_path / "remote-password"
    secret.write_text("admin-pw\n")
    result = cli(
        wiki, "link", "create", tracker.url, "--two-way", "--remote-user", "admin",
        "--remote-password-file", str(secret), "--same-users", "--json",
    )  # fmt: skip
    created = json.loads(result.stdout)
    assert created["twoWay"] is True
    assert created["remote"]["link"] == "created"
    impersonation = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}
    for side in (created["local"], created["remote"]):
        assert side["incoming"] == side["outgoing"] == impersonation
    text = cli(wiki, "link", "show", tracker.application_id)
    assert "Tracker" in text.stdout
    assert [link["id"] for link in links_of(tracker)] == [wiki.application_id]


def test_two_way_without_a_password_and_no_terminal_fails_clearly(tracker: LiveInstance, wiki: LiveInstance) -> None:
    result = cli(wiki, "link", "create", tracker.url, "--two-way", "--remote-user", "admin", ok=False)
    assert "--remote-password-file" in result.stderr
    assert links_of(wiki) == [] and links_of(tracker) == []


def test_wrong_remote_password_creates_nothing(tracker: LiveInstance, wiki: LiveInstance) -> None:
    result = cli(
        wiki, "link", "create", tracker.url, "--two-way", "--remote-user", "admin", "--remote-password", "nope",
        ok=False,
    )  # fmt: skip
    assert "nothing was created" in result.stderr
    assert links_of(wiki) == [] and links_of(tracker) == []


def test_redirect_offers_the_new_url(tracker: LiveInstance, wiki: LiveInstance) -> None:
    with redirecting_server(tracker.url) as (old_url, _hits):
        result = cli(wiki, "link", "create", old_url, "--yes", ok=False)
    assert f"moved to {tracker.url}" in result.stderr
    assert f"applinks link create {tracker.url}" in result.stderr
    assert links_of(wiki) == []


def test_unreachable_needs_confirmation_for_a_generic_link(wiki: LiveInstance) -> None:
    url = closed_port_url()
    refused = cli(wiki, "link", "create", url, ok=False)
    assert "generic" in refused.stderr
    assert links_of(wiki) == []
    created = cli(wiki, "link", "create", url, "--yes", "--name", "Old system")
    assert "created a generic link to 'Old system'" in created.stdout
    assert [link["typeId"] for link in links_of(wiki)] == ["generic"]


def test_self_link_and_duplicates_fail(tracker: LiveInstance, wiki: LiveInstance) -> None:
    assert "cannot link to itself" in cli(wiki, "link", "create", wiki.url, ok=False).stderr
    cli(wiki, "link", "create", tracker.url)
    assert "already exists" in cli(wiki, "link", "create", tracker.url, ok=False).stderr


def test_relocate_edit_and_check_moved(tracker: LiveInstance, wiki: LiveInstance) -> None:
    cli(wiki, "link", "create", tracker.url)
    with served_again(tracker.app) as new_url:
        moved = cli(wiki, "link", "relocate", tracker.application_id, new_url)
        assert f"now at {new_url}" in moved.stdout
        checked = cli(wiki, "link", "check-moved", "--json")
        assert json.loads(checked.stdout)[0]["moved"] is False
    nowhere = closed_port_url()
    refused = cli(wiki, "link", "relocate", tracker.application_id, nowhere, ok=False)
    assert "relocate anyway" in refused.stderr
    cli(wiki, "link", "relocate", tracker.application_id, nowhere, "--force")
    assert links_of(wiki)[0]["rpcUrl"] == nowhere
    edited = cli(wiki, "link", "edit", tracker.application_id, "--name", "Issues", "--json")
    assert json.loads(edited.stdout)["name"] == "Issues"
    # A dead remote: a row that says so, with the link's name, not a blank one.
    dead = cli(wiki, "link", "check-moved").stdout
    assert "Issues" in dead and "no answer, so not known" in dead and nowhere in dead
    found = json.loads(cli(wiki, "link", "check-moved", "Issues", "--json").stdout)
    assert (found[0]["name"], found[0]["moved"]) == ("Issues", False) and nowhere in found[0]["unreachable"]


def test_delete_both_ends_needs_a_user(tracker: LiveInstance, wiki: LiveInstance) -> None:
    cli(wiki, "link", "create", tracker.url)
    result = cli(wiki, "link", "delete", tracker.application_id, "--both-ends", ok=False)
    assert "--as USER" in result.stderr
    assert len(links_of(wiki)) == 1
    cli(wiki, "link", "delete", tracker.application_id)
    assert links_of(wiki) == []


def test_entities_and_entity_links(tracker: LiveInstance, wiki: LiveInstance) -> None:
    cli(wiki, "link", "create", tracker.url)
    cli(wiki, "entities", "add", "DOCS", "Documentation")
    listed = json.loads(cli(wiki, "entities", "list", "--json").stdout)
    assert listed == [{"type": "refapp.charlie", "key": "DOCS", "name": "Documentation"}]
    added = cli(wiki, "entity-link", "add", "refapp.charlie", "DOCS", tracker.application_id, "refapp.charlie", "BUG")
    assert "(primary)" in added.stdout
    found = json.loads(cli(wiki, "entity-link", "list", "refapp.charlie", "DOCS", "--json").stdout)
    assert [(e["key"], e["isPrimary"]) for e in found] == [("BUG", True)]
    cli(wiki, "entity-link", "delete", "refapp.charlie", "DOCS", tracker.application_id, "refapp.charlie", "BUG")
    assert json.loads(cli(wiki, "entity-link", "list", "refapp.charlie", "DOCS", "--json").stdout) == []


def test_remote_text_is_printed_literally(wiki: LiveInstance) -> None:
    url = closed_port_url()
    created = cli(wiki, "link", "create", url, "--yes", "--name", "[bold red]not markup[/]")
    assert "[bold red]not markup[/]" in created.stdout


def test_a_partial_two_way_link_exits_4_with_the_command_that_completes_it(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    """The remote administrator is not a system administrator: impersonation cannot be set up there."""
    tracker.add_user("ada", "ada-pw", admin=True)
    argv = ["link", "create", tracker.url, "--two-way", "--remote-user", "ada", "--remote-password", "ada-pw"]
    result = cli(wiki, *argv, "--same-users", ok=False)
    assert result.exit_code == 4
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("partial: authentication is not fully configured on the remote application")
    assert "system administrator" in line
    command = line.split("to complete it run: ", 1)[1]
    assert command.startswith("applinks --data-dir ")
    assert command.endswith(f"link create {tracker.url} --two-way --remote-user ada --same-users")
    assert "created a two-way link" in result.stdout  # what was done is still reported
