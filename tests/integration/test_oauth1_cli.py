"""``applinks oauth info`` and ``applinks oauth consumer set|show|delete LINK`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from applinks.domain.link import Link
from applinks.refapp.users import UserStore
from tests.integration.oauth1_support import SYSADMIN, key_pair
from tests.unit.cli.conftest import CLEAN_ENV, Cli, one_error_line

SECRET = "cli-shared-secret-value"


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    return Cli(tmp_path / "data", db_url, dict(CLEAN_ENV))


def _link(cli: Cli) -> str:
    instance = cli.instance()
    try:
        link = Link(
            id="cli-link", type_id="generic", name="CLI", display_url="http://127.0.0.1:9", rpc_url="http://127.0.0.1:9"
        )
        instance.links.create(link, actor=SYSADMIN)
        UserStore(instance.engine).add("svc", "svc-pw")
    finally:
        instance.close()
    return "cli-link"


def test_consumer_set_show_delete(cli: Cli, tmp_path: Path) -> None:
    link = _link(cli)
    key_file = tmp_path / "remote.pem"
    key_file.write_text(key_pair().public_pem)
    cli(
        "oauth",
        "consumer",
        "set",
        link,
        "--key",
        "remote:42",
        "--name",
        "Remote",
        "--public-key-file",
        str(key_file),
        "--2lo",
        "--executing-user",
        "svc",
    )
    shown = cli.json("oauth", "consumer", "show", link)
    assert (shown["key"], shown["twoLOAllowed"], shown["executingTwoLOUser"], shown["publicKey"]) == (
        "remote:42",
        True,
        "svc",
        key_pair().public_b64,
    )
    # HMAC with the secret from the environment (not the command line); it is never shown.
    cli(
        "oauth",
        "consumer",
        "set",
        link,
        "--key",
        "third",
        "--signature-method",
        "HMAC-SHA1",
        env={"APPLINKS_OAUTH_SHARED_SECRET": SECRET},
    )
    shown = cli("oauth", "consumer", "show", link, "--json").stdout
    assert SECRET not in shown and '"signatureMethod": "HMAC-SHA1"' in shown
    cli("oauth", "consumer", "delete", link)
    assert one_error_line(cli("oauth", "consumer", "show", link, ok=False)).startswith("error: the link")
    assert "no incoming OAuth consumer" in one_error_line(cli("oauth", "consumer", "delete", link, ok=False))


def test_bad_input_is_one_clear_line(cli: Cli) -> None:
    link = _link(cli)
    bad_key = cli("oauth", "consumer", "set", link, "--key", "k", "--public-key", "not-a-key", ok=False)
    assert "public key" in one_error_line(bad_key)
    nobody = cli(
        "oauth", "consumer", "set", "no-such-link", "--key", "k", "--public-key", key_pair().public_b64, ok=False
    )
    assert "no application link" in one_error_line(nobody)
    no_user = cli(
        "oauth",
        "consumer",
        "set",
        link,
        "--key",
        "k",
        "--public-key",
        key_pair().public_b64,
        "--executing-user",
        "nobody",
        ok=False,
    )
    assert "no user called" in one_error_line(no_user)
    assert "--key is required" in one_error_line(cli("oauth", "consumer", "set", link, ok=False))
    assert cli.json("oauth", "info")["key"].startswith("applinks:")
