"""``applinks info`` and ``applinks db upgrade``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from applinks.cli.main import app
from applinks.storage import db
from tests.unit.cli.conftest import CLEAN_ENV, Cli, one_error_line


def test_info_names_this_instance(cli: Cli) -> None:
    env = {"APPLINKS_BASE_URL": "https://tracker.example.test/jira/", "APPLINKS_NAME": "Tracker"}
    data = json.loads(cli("info", "--json", env=env).stdout)
    instance = cli.instance()
    try:
        assert data["applicationId"] == instance.application_id
        assert data["serverId"] == instance.identity.server_id
    finally:
        instance.close()
    assert data["baseUrl"] == "https://tracker.example.test/jira"
    assert data["manifest"]["id"] == data["applicationId"]
    assert data["manifest"]["name"] == "Tracker"
    assert data["manifest"]["url"] == "https://tracker.example.test/jira"
    table = cli("info", env=env).stdout
    assert data["applicationId"] in table and "https://tracker.example.test/jira" in table


def test_identity_is_stable_across_commands(cli: Cli) -> None:
    assert cli.json("info")["applicationId"] == cli.json("info")["applicationId"]


def test_db_upgrade_creates_the_schema_at_the_newest_revision(cli: Cli) -> None:
    result = cli("db", "upgrade")
    engine = db.make_engine(cli.db_url)
    try:
        revision = db.current_revision(engine)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert revision is not None
    assert result.stdout.strip() == f"database at revision {revision}"
    assert {"links", "instance_properties", "refapp_users"} <= tables
    # A second run is a no-op that reports the same revision.
    assert cli("db", "upgrade").stdout.strip() == f"database at revision {revision}"


def test_data_dir_and_database_url_from_the_environment(cli: Cli) -> None:
    env = {**CLEAN_ENV, "APPLINKS_DATA_DIR": str(cli.data_dir), "APPLINKS_DATABASE_URL": cli.db_url}
    added = CliRunner().invoke(app, ["users", "add", "eve", "--password", "pw"], env=env)
    assert added.exit_code == 0, added.stderr
    assert [u["name"] for u in cli.json("users", "list")] == ["eve"]


def test_default_storage_is_sqlite_in_the_data_dir_with_a_private_key_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "init", "--json"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.stderr
    assert (data_dir / "applinks.db").is_file()
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600


def test_init_creates_an_instance_once_and_says_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "new"
    argv = ["--data-dir", str(data_dir), "init", "--json"]
    first = CliRunner().invoke(app, argv, env=CLEAN_ENV)
    assert first.exit_code == 0, first.stderr
    created = json.loads(first.stdout)
    assert created["created"] is True and created["dataDir"] == str(data_dir)
    again = json.loads(CliRunner().invoke(app, argv, env=CLEAN_ENV).stdout)
    assert again == created | {"created": False}
    listed = CliRunner().invoke(app, ["--data-dir", str(data_dir), "link", "list", "--json"], env=CLEAN_ENV)
    assert (listed.exit_code, json.loads(listed.stdout)) == (0, [])


@pytest.mark.parametrize("command", [["link", "list"], ["info"], ["users", "list"], ["doctor"], ["db", "upgrade"]])
@pytest.mark.parametrize("state", ["missing", "empty"])
def test_no_command_but_init_and_serve_creates_an_instance(tmp_path: Path, command: list[str], state: str) -> None:
    """A mistyped --data-dir is one clear error naming the path, and nothing is created there."""
    data_dir = tmp_path / "mistyped"
    if state == "empty":
        data_dir.mkdir()
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), *command], env=CLEAN_ENV)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert f"there is no applinks instance at {data_dir}" in line and "init" in line
    assert data_dir.exists() == (state == "empty")
    assert state == "missing" or not any(data_dir.iterdir())


def test_an_explicit_database_holding_an_instance_is_not_refused_for_an_empty_data_dir(cli: Cli) -> None:
    """The database holds the instance, its key file is what is missing: that precise error, not 'no instance'."""
    (cli.data_dir / "secret.key").unlink()
    line = one_error_line(cli("link", "list", ok=False))
    assert "the key file" in line and "is missing" in line
