"""``applinks oauth2 incoming …`` (SQLite and PostgreSQL): create prints the secret once, list never does,
reset gives a new one, bad input is one clear line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from applinks.auth.oauth2.client import callback_path
from applinks.cli.common import CLI_ACTOR
from applinks.domain.link import Link
from applinks.identity import InstanceKey, new_private_key
from tests.unit.cli.conftest import CLEAN_ENV, Cli, one_error_line

DEV = {"APPLINKS_OAUTH2_ALLOW_HTTP": "true"}


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    return Cli(tmp_path / "data", db_url, {**CLEAN_ENV, **DEV})


def test_create_list_reset_delete(cli: Cli) -> None:
    created = cli.json(
        "oauth2", "incoming", "create", "--name", "Jira", "--redirect", "https://jira.example/cb", "--scope", "WRITE"
    )
    assert created["scope"] == "WRITE" and len(created["clientSecret"]) == 64
    listed = cli.json("oauth2", "incoming", "list")
    assert [c["clientId"] for c in listed] == [created["clientId"]] and "clientSecret" not in listed[0]
    reset = cli.json("oauth2", "incoming", "reset-secret", created["clientId"])
    assert reset["clientSecret"] != created["clientSecret"]
    instance = cli.instance()
    try:
        stored = instance.oauth2_clients.get(created["id"]).secret_hash
    finally:
        instance.close()
    assert stored == hashlib.sha256(reset["clientSecret"].encode()).hexdigest()
    changed = cli.json("oauth2", "incoming", "update", created["id"], "--scope", "READ")
    assert changed["scope"] == "READ"
    cli("oauth2", "incoming", "delete", created["id"])
    assert cli.json("oauth2", "incoming", "list") == []


def test_bad_input_is_one_line(cli: Cli) -> None:
    bad = cli(
        "oauth2", "incoming", "create", "--name", "X", "--redirect", "ftp://x.example/", "--scope", "READ", ok=False
    )
    assert "redirect URL" in one_error_line(bad)
    https = cli(
        "oauth2",
        "incoming",
        "create",
        "--name",
        "X",
        "--redirect",
        "https://x.example/",
        "--scope",
        "READ",
        env={"APPLINKS_OAUTH2_ALLOW_HTTP": "false"},
        ok=False,
    )
    assert "https base URL" in one_error_line(https)


def test_jwt_bearer_on_and_off(cli: Cli, tmp_path: Path) -> None:
    created = cli.json(
        "oauth2", "incoming", "create", "--name", "Wiki", "--redirect", "https://wiki.example/cb", "--scope", "READ"
    )
    pem = tmp_path / "wiki.pem"
    pem.write_text(InstanceKey(new_private_key()).public_pem)
    on = cli.json(
        "oauth2",
        "incoming",
        "jwt-bearer",
        created["id"],
        "--issuer",
        "wiki-id",
        "--public-key-file",
        str(pem),
        "--same-users",
    )
    assert on["jwtBearer"] == {"issuer": "wiki-id", "sameUsers": True}
    off = cli.json("oauth2", "incoming", "jwt-bearer", created["id"])
    assert "jwtBearer" not in off
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    refused = cli(
        "oauth2", "incoming", "jwt-bearer", created["id"], "--issuer", "x", "--public-key-file", str(bad), ok=False
    )
    assert "public key" in one_error_line(refused)


def test_outgoing_set_show_delete(cli: Cli) -> None:
    instance = cli.instance()
    try:
        link = Link(
            id="remote-id",
            type_id="generic",
            name="Remote",
            display_url="http://127.0.0.1:9",
            rpc_url="http://127.0.0.1:9",
        )
        instance.links.create(link, actor=CLI_ACTOR)
    finally:
        instance.close()
    before = cli.json("oauth2", "outgoing", "show", "remote-id")
    assert before["configured"] is False
    assert before["redirectUrl"].endswith(callback_path("http://127.0.0.1:9/rest/oauth2/latest/authorize"))
    secret_env = {"APPLINKS_OAUTH2_CLIENT_SECRET": "s3cret-value"}
    done = cli(
        "oauth2", "outgoing", "set", "remote-id", "--client-id", "abc", "--scope", "READ", "--json", env=secret_env
    )
    configured = json.loads(done.stdout)
    assert configured["tokenEndpoint"] == "http://127.0.0.1:9/rest/oauth2/latest/token"
    assert "s3cret-value" not in str(cli.json("oauth2", "outgoing", "show", "remote-id"))
    no_secret = cli("oauth2", "outgoing", "set", "remote-id", "--client-id", "other", ok=False)
    assert "client secret" in one_error_line(no_secret)
    cli("oauth2", "outgoing", "delete", "remote-id")
    assert cli.json("oauth2", "outgoing", "show", "remote-id")["configured"] is False
