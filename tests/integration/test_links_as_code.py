"""``applinks export`` / ``applinks import FILE [--dry-run]``: links and their non-secret configuration as
YAML, applied idempotently; secrets never leave."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner, Result

from applinks.auth.oauth1.model import ConsumerSettings
from applinks.cli.common import CLI_ACTOR
from applinks.cli.main import app
from applinks.domain.link import Link
from applinks.instance import Instance
from applinks.settings import Settings
from tests.integration.oauth1_support import key_pair
from tests.support import Databases

SENTINEL = "sentinel-hmac-secret-0x5eed"


def _cli(data_dir: Path, db_url: str, *args: str) -> Result:
    env: dict[str, str | None] = {f"APPLINKS_{name.upper()}": None for name in Settings.model_fields}
    return CliRunner().invoke(app, ["--data-dir", str(data_dir), "--database-url", db_url, *args], env=env)


def _source(tmp_path: Path, db_url: str) -> Path:
    data = tmp_path / "source"
    instance = Instance(Settings(data_dir=data, database_url=db_url))
    try:
        for n, kind in ((1, "jira"), (2, "generic")):
            url = f"http://127.0.0.2:{9000 + n}"
            instance.links.create(Link(f"app-{n}", kind, f"App {n}", url, url), actor=CLI_ACTOR)
        rsa = ConsumerSettings(key="app-1-key", public_key=key_pair().public_pem, two_lo_allowed=True)
        instance.oauth_consumers.set("app-1", rsa, actor=CLI_ACTOR)
        hmac = ConsumerSettings(key="app-2-key", signature_method="HMAC-SHA1", shared_secret=SENTINEL)
        instance.oauth_consumers.set("app-2", hmac, actor=CLI_ACTOR)
    finally:
        instance.close()
    return data


def test_export_then_import_elsewhere_dry_run_first_and_idempotent(databases: Databases, tmp_path: Path) -> None:
    source_db = databases.new_url(migrated=True)
    exported = _cli(_source(tmp_path, source_db), source_db, "export")
    assert exported.exit_code == 0, exported.output
    assert SENTINEL not in exported.stdout  # no secret leaves
    document = yaml.safe_load(exported.stdout)
    assert [link["id"] for link in document["links"]] == ["app-1", "app-2"]
    file = tmp_path / "links.yaml"
    file.write_text(exported.stdout, encoding="utf-8")

    target_db, target = databases.new_url(migrated=True), tmp_path / "target"
    assert _cli(target, target_db, "init").exit_code == 0
    dry = _cli(target, target_db, "import", str(file), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert planned["changes"] == [
        "create link app-1 (App 1, http://127.0.0.2:9001)",
        "set incoming consumer of app-1 (app-1-key)",
        "create link app-2 (App 2, http://127.0.0.2:9002)",
    ]
    assert planned["skipped"] == ["incoming consumer of app-2: an HMAC consumer needs its secret, never exported"]
    assert yaml.safe_load(_cli(target, target_db, "export").stdout)["links"] == []  # a dry run changes nothing

    applying = _cli(target, target_db, "import", str(file), "--json")
    assert applying.exit_code == 0, applying.output
    applied = json.loads(applying.stdout)
    assert applied["changes"] == planned["changes"]
    again = json.loads(_cli(target, target_db, "import", str(file), "--json").stdout)
    assert again["changes"] == []  # idempotent
    assert again["unchanged"] == ["link app-1", "incoming consumer of app-1", "link app-2"]
    assert yaml.safe_load(_cli(target, target_db, "export").stdout)["links"] == [
        link for link in document["links"] if link["id"] == "app-1"
    ] + [{k: v for k, v in document["links"][1].items() if k != "incomingConsumer"}]

    document["links"][0]["name"] = "Renamed"
    file.write_text(yaml.safe_dump(document), encoding="utf-8")
    renamed = json.loads(_cli(target, target_db, "import", str(file), "--json").stdout)
    assert renamed["changes"] == ["update link app-1: name"]


def test_a_file_that_is_not_an_export_is_a_clear_error(databases: Databases, tmp_path: Path) -> None:
    db_url, data = databases.new_url(migrated=True), tmp_path / "data"
    assert _cli(data, db_url, "init").exit_code == 0
    bad = tmp_path / "bad.yaml"
    for text in ("links: []\n", "applinks: 1\nlinks: [{id: x}]\n", "{{{"):
        bad.write_text(text, encoding="utf-8")
        result = _cli(data, db_url, "import", str(bad))
        assert result.exit_code != 0
        assert result.stderr.startswith("error: ")
