"""``applinks info`` and ``applinks db upgrade``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sqlalchemy import inspect
from typer.testing import CliRunner

from applinks.cli.main import app
from applinks.storage import db
from tests.unit.cli.conftest import CLEAN_ENV, Cli


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
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "info", "--json"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.stderr
    assert (data_dir / "applinks.db").is_file()
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600
