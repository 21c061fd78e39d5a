"""Two instances linked over OAuth 2.0 through the wizard (seed 003): with an administrator of both, one
step makes both incoming and both outgoing halves and they call each other as a user; otherwise the
wizard makes this side's incoming half and lists the copy-paste steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from applinks.cli.main import app as cli_app
from applinks.errors import CredentialsRequired
from applinks.outbound.providers.names import OAUTH2, OAUTH2_IMPERSONATION
from tests.integration.oauth2_support import WHOAMI
from tests.support import InstanceFactory, LiveInstance
from tests.unit.cli.conftest import CLEAN_ENV

FORM = "/rest/applinks/1.0/applicationlinkForm/createAppLink"


def _pair(make_instance: InstanceFactory) -> tuple[LiveInstance, LiveInstance]:
    tracker = make_instance(name="Tracker", oauth2_allow_http=True)
    wiki = make_instance(name="Wiki", oauth2_allow_http=True)
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    return tracker, wiki


def _create(wiki: LiveInstance, tracker: LiveInstance, **extra: Any) -> dict[str, Any]:
    body = {"applicationLink": {"rpcUrl": tracker.url}, "oauth2": True, **extra}
    with wiki.client() as admin:
        answer = admin.post(FORM, json=body)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def _whoami(source: LiveInstance, target: LiveInstance) -> str:
    link = source.instance.links.get(target.application_id)
    return source.instance.outgoing.request_factory(link, "alice").get(WHOAMI).text


def test_two_way_with_same_users_calls_both_ways_at_once(make_instance: InstanceFactory) -> None:
    tracker, wiki = _pair(make_instance)
    result = _create(
        wiki,
        tracker,
        username="admin",
        password="admin-pw",
        createTwoWayLink=True,
        configFormValues={"shareUserbase": True},
    )
    assert result["authenticationConfigured"] is True, result
    both = {"oauth2": True, "impersonation": True}
    assert (result["local"]["incoming"], result["local"]["outgoing"]) == (both, both)
    assert (result["remote"]["incoming"], result["remote"]["outgoing"]) == (both, both)
    link = wiki.instance.links.get(tracker.application_id)
    assert wiki.instance.outgoing.choose(link, "alice") is OAUTH2_IMPERSONATION
    assert _whoami(wiki, tracker) == "alice"
    assert _whoami(tracker, wiki) == "alice"


def test_two_way_without_same_users_needs_each_users_consent(make_instance: InstanceFactory) -> None:
    tracker, wiki = _pair(make_instance)
    result = _create(wiki, tracker, username="admin", password="admin-pw", createTwoWayLink=True)
    assert result["authenticationConfigured"] is True, result
    link = wiki.instance.links.get(tracker.application_id)
    assert wiki.instance.outgoing.choose(link, "alice") is OAUTH2
    with pytest.raises(CredentialsRequired):
        _whoami(wiki, tracker)
    # The redirect URLs each side registered are the ones the other side sends.
    registered = tracker.instance.oauth2_clients.all()[0].redirects
    assert registered == (wiki.instance.oauth2_outgoing.require(link.id).redirect_url,)


def test_one_way_lists_the_copy_paste_steps(make_instance: InstanceFactory) -> None:
    tracker, wiki = _pair(make_instance)
    result = _create(wiki, tracker)
    assert result["twoWay"] is False and result["local"]["incoming"] == {"oauth2": True, "impersonation": False}
    steps = " ".join(result["warnings"])
    client = wiki.instance.oauth2_clients.all()[0]
    assert client.client_id in steps and "shown only now" in steps
    # The redirect URL guessed for the remote is the one it really shows for its outgoing link to us.
    with tracker.client() as admin:
        admin.post(FORM, json={"applicationLink": {"rpcUrl": wiki.url}})
        theirs = admin.get(f"/rest/applinks-oauth2/latest/outgoing/{wiki.application_id}").json()["redirectUrl"]
    assert client.redirects == (theirs,)


def test_cli_two_way_over_oauth2(make_instance: InstanceFactory, tmp_path: Path) -> None:
    tracker, wiki = _pair(make_instance)
    secret = tmp_path / "remote-password"
    secret.write_text("admin-pw\n")
    settings = wiki.settings
    env = {
        **CLEAN_ENV,
        "APPLINKS_BASE_URL": settings.base_url,
        "APPLINKS_NAME": settings.name,
        "APPLINKS_OAUTH2_ALLOW_HTTP": "true",
    }
    argv = ["--data-dir", str(settings.data_dir), "--database-url", str(settings.database_url)]
    argv += ["link", "create", tracker.url, "--two-way", "--oauth2", "--remote-user", "admin"]
    argv += ["--remote-password-file", str(secret), "--same-users", "--json"]
    result = CliRunner().invoke(cli_app, argv, env=env)
    assert result.exit_code == 0, result.stderr or result.stdout
    created = json.loads(result.stdout)
    both = {"oauth2": True, "impersonation": True}
    assert created["local"]["outgoing"] == created["remote"]["outgoing"] == both
    assert _whoami(wiki, tracker) == "alice"
