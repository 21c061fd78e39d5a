"""Editing a link after the wizard: name, display URL, primary, and each direction's authentication level."""

from __future__ import annotations

import json

import pytest

from applinks.errors import InvalidInput, PermissionDenied
from applinks.host import HostUser
from tests.integration.lifecycle_fakes import cli
from tests.integration.test_delete_both_ends import link_two_way
from tests.support import InstanceFactory, LiveInstance

DISABLED = {"enabled": False, "twoLoEnabled": False, "twoLoImpersonationEnabled": False}
OAUTH = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": False}
IMPERSONATION = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}


def levels(live: LiveInstance, link_id: str) -> tuple[dict[str, bool], dict[str, bool]]:
    link = live.instance.links.get(link_id)
    return live.instance.oauth_consumers.level(link_id).to_json(), live.instance.outgoing.level(link)


def _edit_here(wiki: LiveInstance, *args: str) -> None:
    """A level edit without the remote's administrator changes this end only: partial (4), saying what to run."""
    result = cli(wiki, "link", "edit", *args, ok=False)
    assert result.exit_code == 4, result.stderr
    assert "only this end was changed" in result.stderr and "run there: applinks link edit" in result.stderr


def test_cli_edits_levels_of_each_direction(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=True)
    assert levels(wiki, tracker.application_id) == (IMPERSONATION, IMPERSONATION)
    _edit_here(wiki, tracker.application_id, "--incoming", "oauth", "--outgoing", "disabled")
    assert levels(wiki, tracker.application_id) == (OAUTH, DISABLED)
    _edit_here(wiki, tracker.application_id, "--outgoing", "impersonation")
    assert levels(wiki, tracker.application_id) == (OAUTH, IMPERSONATION)
    _edit_here(wiki, tracker.application_id, "--incoming", "disabled")
    assert levels(wiki, tracker.application_id) == (DISABLED, IMPERSONATION)
    # Enabling incoming again on a link without a consumer fetches the remote's consumer-info.
    _edit_here(wiki, tracker.application_id, "--incoming", "oauth")
    assert levels(wiki, tracker.application_id) == (OAUTH, IMPERSONATION)
    failed = cli(wiki, "link", "edit", tracker.application_id, "--incoming", "trusted", ok=False)
    assert "not an authentication level" in failed.stderr


def test_cli_edits_both_ends_with_the_remote_administrator(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=True)
    edited = cli(
        wiki, "link", "edit", "Tracker", "--incoming", "oauth", "--outgoing", "oauth",
        "--remote-user", "admin", "--remote-password", "admin-pw", "--json",
    )  # fmt: skip
    body = json.loads(edited.stdout)
    assert body["here"] == body["remote"] == {"incoming": "oauth", "outgoing": "oauth"}
    assert levels(wiki, tracker.application_id) == (OAUTH, OAUTH)
    assert levels(tracker, wiki.application_id) == (OAUTH, OAUTH)  # the remote end mirrors us
    shown = cli(wiki, "link", "edit", "Tracker", "--outgoing", "impersonation", "--remote-user", "admin",
                "--remote-password", "admin-pw").stdout  # fmt: skip
    assert "impersonation" in shown
    assert levels(tracker, wiki.application_id) == (IMPERSONATION, OAUTH)


def test_impersonation_needs_a_system_administrator(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_two_way(wiki, tracker, same_users=False)
    admin = HostUser("ada", is_admin=True)
    service = wiki.instance.lifecycle
    with pytest.raises(PermissionDenied):
        service.edit(tracker.application_id, actor=admin, incoming="impersonation")
    with pytest.raises(PermissionDenied):
        service.edit(tracker.application_id, actor=admin, outgoing="impersonation")
    assert levels(wiki, tracker.application_id) == (OAUTH, OAUTH)


def test_name_display_url_and_primary(
    tracker: LiveInstance, wiki: LiveInstance, make_instance: InstanceFactory
) -> None:
    other = make_instance(name="Other")
    cli(wiki, "link", "create", tracker.url)
    cli(wiki, "link", "create", other.url)
    service = wiki.instance.lifecycle
    actor = HostUser("cli", is_admin=True, is_sysadmin=True)
    edited = service.edit(
        other.application_id, actor=actor, name="Other one", display_url="https://other.example.com", primary=True
    )
    assert (edited.name, edited.display_url, edited.is_primary) == ("Other one", "https://other.example.com", True)
    assert wiki.instance.links.get(tracker.application_id).is_primary is False
    with pytest.raises(InvalidInput) as taken:
        service.edit(tracker.application_id, actor=actor, name="Other one")
    assert taken.value.key == "applinks.name.taken"
    with pytest.raises(InvalidInput) as unset:
        service.edit(tracker.application_id, actor=actor, primary=False)
    assert unset.value.key == "applinks.primary.unset"
