"""``applinks legacy …`` against live instances: the certificate, enabling and disabling Trusted Applications
on an existing link (both ends with the remote administrator), and what a link's legacy configuration is."""

from __future__ import annotations

import json
from pathlib import Path

from applinks.auth.trusted_apps.protocol import Header
from tests.integration.lifecycle_fakes import cli
from tests.support import LiveInstance

WHOAMI = "/plugins/servlet/applinks/whoami"


def link_both_ways(one: LiveInstance, other: LiveInstance) -> None:
    for here, there in ((one, other), (other, one)):
        with here.client() as client:
            assert client.post("/rest/applinks/3.0/applinks", json={"url": there.url}).status_code == 201


def test_enable_both_ends_then_call_then_disable(tracker: LiveInstance, wiki: LiveInstance, tmp_path: Path) -> None:
    link_both_ways(tracker, wiki)
    password_file = tmp_path / "pw"
    password_file.write_text("admin-pw\n")
    enabled = cli(
        wiki,
        "legacy",
        "trusted",
        "enable",
        tracker.application_id,
        "--remote-user",
        "admin",
        "--remote-password-file",
        str(password_file),
        "--json",
    )
    result = json.loads(enabled.stdout)
    assert result["remote"] == "configured"
    assert result["local"]["incoming"]["applicationId"] == tracker.instance.trusted_apps.application_id
    assert result["local"]["outgoing"] is True
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured

    url = tracker.url + WHOAMI
    signer = wiki.instance.trusted_apps.signer
    answer = wiki.instance.outbound.get(url, headers=signer.headers(url, "admin"))
    assert (answer.text, answer.headers[Header.STATUS]) == ("admin", "OK")

    shown = json.loads(cli(wiki, "legacy", "show", tracker.application_id, "--json").stdout)
    assert shown["legacy"] == ["trusted"]
    assert shown["migratesTo"] == "impersonation"

    disabled = json.loads(
        cli(
            wiki,
            "legacy",
            "trusted",
            "disable",
            tracker.application_id,
            "--remote-user",
            "admin",
            "--remote-password",
            "admin-pw",
            "--json",
        ).stdout
    )
    assert disabled["remote"] == "removed"
    assert disabled["local"]["configured"] is False
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False


def test_enable_with_patterns_and_timeout_on_this_end_only(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    output = cli(
        wiki,
        "legacy",
        "trusted",
        "enable",
        tracker.application_id,
        "--timeout",
        "5000",
        "--ip",
        "127.0.0.1",
        "--ip",
        "10.0.*.*",
        "--url",
        "/rest/",
    ).stdout
    assert "remote end: skipped" in output
    incoming = wiki.instance.trusted_apps.state(tracker.application_id).incoming
    assert incoming is not None
    assert incoming.certificate_timeout_ms == 5000
    assert incoming.ip_patterns == ("127.0.0.1", "10.0.*.*")
    assert incoming.url_patterns == ("/rest/",)
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False

    printed = cli(wiki, "legacy", "certificate").stdout.rstrip("\n")
    with wiki.client(auth=None) as client:
        assert printed == client.get("/admin/appTrustCertificate").text


def test_bad_input_is_one_line_and_changes_nothing(tracker: LiveInstance, wiki: LiveInstance) -> None:
    link_both_ways(tracker, wiki)
    bad_ip = cli(wiki, "legacy", "trusted", "enable", tracker.application_id, "--ip", "10.*", ok=False)
    assert "is not an IP pattern" in bad_ip.stderr
    wrong = cli(
        wiki,
        "legacy",
        "trusted",
        "enable",
        tracker.application_id,
        "--remote-user",
        "admin",
        "--remote-password",
        "nope",
        ok=False,
    )
    assert "refused the administrator credentials" in wrong.stderr
    missing = cli(wiki, "legacy", "trusted", "enable", "no-such-link", ok=False)
    assert "no application link" in missing.stderr
    assert wiki.instance.trusted_apps.state(tracker.application_id).configured is False
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False


def test_migrate_command_turns_trusted_apps_into_oauth_with_impersonation(
    tracker: LiveInstance, wiki: LiveInstance
) -> None:
    link_both_ways(tracker, wiki)
    cli(
        wiki,
        "legacy",
        "trusted",
        "enable",
        tracker.application_id,
        "--remote-user",
        "admin",
        "--remote-password",
        "admin-pw",
    )
    output = json.loads(
        cli(
            wiki,
            "legacy",
            "migrate",
            tracker.application_id,
            "--remote-user",
            "admin",
            "--remote-password",
            "admin-pw",
            "--json",
        ).stdout
    )
    assert (output["migrated"], output["level"], output["remote"]) == (["trusted"], "impersonation", "migrated")
    assert json.loads(cli(wiki, "legacy", "show", tracker.application_id, "--json").stdout)["legacy"] == []
    assert tracker.instance.trusted_apps.state(wiki.application_id).configured is False
    again = cli(wiki, "legacy", "migrate", tracker.application_id, ok=False)
    assert "nothing to migrate" in again.stderr
