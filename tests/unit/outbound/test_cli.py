"""``applinks link auth LINK show|set|level|audit`` on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from applinks.cli.common import CLI_ACTOR
from applinks.domain.link import Link
from applinks.storage.outbound_tables import outbound_auth
from tests.unit.cli.conftest import CLEAN_ENV, Cli, one_error_line

JIRA = "88888888-8888-3888-8888-888888888888"
SECRET = "Cli-Sentinel-51b7"


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    runner = Cli(tmp_path / "data", db_url, dict(CLEAN_ENV))
    instance = runner.instance()
    try:
        instance.links.create(Link(JIRA, "jira", "Jira", "http://jira.test", "http://jira.test"), actor=CLI_ACTOR)
    finally:
        instance.close()
    return runner


def test_show_set_and_level(cli: Cli) -> None:
    assert cli.json("link", "auth", JIRA, "show") == {
        "providers": [],
        "outgoing": {"enabled": False, "twoLoEnabled": False, "twoLoImpersonationEnabled": False},
        "level": "disabled",
    }
    assert "impersonation" in cli("link", "auth", JIRA, "level", "impersonation").stdout
    assert cli.json("link", "auth", JIRA, "show")["level"] == "impersonation"
    cli("link", "auth", JIRA, "set", "basic", "--username", "svc", "--password", SECRET)
    shown = cli("link", "auth", JIRA, "show").stdout
    assert "basic" in shown and SECRET not in shown
    assert SECRET not in cli("link", "auth", JIRA, "show", "--json").stdout
    instance = cli.instance()
    try:
        with instance.engine.connect() as conn:
            assert SECRET not in repr(conn.execute(outbound_auth.select()).all())
        assert instance.outgoing.config.secrets(JIRA) == (SECRET, None)
    finally:
        instance.close()
    cli("link", "auth", JIRA, "set", "2loi", "--disable")
    assert cli.json("link", "auth", JIRA, "show")["level"] == "oauth"


def test_the_password_is_asked_for_when_not_given(cli: Cli) -> None:
    from typer.testing import CliRunner

    from applinks.cli.main import app

    argv = ["--data-dir", str(cli.data_dir), "--database-url", cli.db_url, "link", "auth", JIRA, "set", "basic"]
    result = CliRunner().invoke(app, [*argv, "--username", "svc"], input=SECRET + "\n", env=cli.env)
    assert result.exit_code == 0, result.stderr
    assert SECRET not in result.stdout
    instance = cli.instance()
    try:
        assert instance.outgoing.config.secrets(JIRA) == (SECRET, None)
    finally:
        instance.close()


def test_bad_input_is_one_clear_line(cli: Cli) -> None:
    assert "not an outgoing authentication provider" in one_error_line(
        cli("link", "auth", JIRA, "set", "kerberos", ok=False)
    )
    assert "not an OAuth level" in one_error_line(cli("link", "auth", JIRA, "level", "everything", ok=False))
    assert "no application link" in one_error_line(cli("link", "auth", "nope", "show", ok=False))
    assert "--username" in one_error_line(cli("link", "auth", JIRA, "set", "basic", ok=False))


def test_audit_lists_impersonated_requests(cli: Cli) -> None:
    assert cli.json("link", "auth", JIRA, "audit") == []
    instance = cli.instance()
    try:
        instance.outgoing.audit.record(
            link_id=JIRA,
            link_name="Jira",
            local_user="alice",
            acting_as="deployment",
            provider="2loi",
            method="POST",
            path="/rest/api/2/issue",
            status=201,
            outcome="ok",
        )
    finally:
        instance.close()
    [entry] = cli.json("link", "auth", JIRA, "audit")
    assert (entry["localUser"], entry["actingAs"], entry["method"], entry["path"], entry["status"]) == (
        "alice",
        "deployment",
        "POST",
        "/rest/api/2/issue",
        201,
    )
    assert "deployment" in cli("link", "auth", JIRA, "audit").stdout
