"""``applinks keys rotate``: a new key first in the key file, every stored secret re-encrypted under it, and
a node that was running all along keeps working (it follows its key file)."""

from __future__ import annotations

import json

import requests
from requests_oauthlib import OAuth1
from sqlalchemy import select
from typer.testing import CliRunner

from applinks.cli.main import app
from applinks.crypto import SecretBox, read_key_file
from applinks.settings import Settings
from applinks.storage.oauth_tables import oauth_consumers
from applinks.storage.properties import get_property
from tests.integration.oauth1_support import hmac_consumer
from tests.support import InstanceFactory

WHOAMI = "/plugins/servlet/applinks/whoami"
SECRET = "s3cret-shared-value"


def _sealed(live: object) -> dict[str, str]:
    instance = live.instance  # type: ignore[attr-defined]
    with instance.engine.connect() as conn:
        secrets = {row.consumer_key: row.shared_secret for row in conn.execute(select(oauth_consumers))}
        secrets["instance_private_key"] = get_property(conn, "instance_private_key")
        secrets["session_secret"] = get_property(conn, "session_secret")
    return secrets


def test_rotate_re_encrypts_every_secret_and_running_nodes_keep_working(make_instance: InstanceFactory) -> None:
    live = make_instance()
    consumer = hmac_consumer(live, SECRET, two_lo_allowed=True, executing_two_lo_user="admin")
    with requests.Session() as http:
        http.trust_env = False
        assert http.get(live.url + WHOAMI, auth=OAuth1(consumer.key, client_secret=SECRET)).text == "admin"
    before = _sealed(live)
    env: dict[str, str | None] = {f"APPLINKS_{name.upper()}": None for name in Settings.model_fields}
    argv = ["--data-dir", str(live.settings.data_dir), "--database-url", str(live.settings.database_url)]
    result = CliRunner().invoke(app, [*argv, "keys", "rotate", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["keys"] == 2 and report["total"] >= 3, report
    keys = read_key_file(live.settings.resolved_key_file)
    newest_only = SecretBox(keys[:1])
    after = _sealed(live)
    assert set(after) == set(before)
    for name, value in after.items():
        assert value != before[name], name
        newest_only.decrypt(value)  # encrypted under the new key alone
    # The node that was running all along reads the rotated secrets (it reloads its key file).
    with requests.Session() as http:
        http.trust_env = False
        assert http.get(live.url + WHOAMI, auth=OAuth1(consumer.key, client_secret=SECRET)).text == "admin"
    # And what it encrypts from now on uses the new key too.
    second = hmac_consumer(live, SECRET)
    with live.instance.engine.connect() as conn:
        sealed = conn.execute(
            select(oauth_consumers.c.shared_secret).where(oauth_consumers.c.consumer_key == second.key)
        ).scalar()
    assert newest_only.decrypt(sealed) == SECRET
