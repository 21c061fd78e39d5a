"""security.md "replayed request", for Trusted Applications: a verified certificate is recorded as
(application, timestamp, signature) in the nonce store; sending the same headers again is refused."""

from __future__ import annotations

import time

import httpx2

from applinks.auth.trusted_apps.protocol import Header
from tests.integration.test_trusted_apps import WHOAMI, link_both_ways
from tests.support import LiveInstance


def test_the_same_certificate_is_accepted_once(tracker: LiveInstance, wiki: LiveInstance) -> None:
    wiki.add_user("alice", "alice-pw")
    link_both_ways(tracker, wiki)
    with tracker.client() as client:
        enabled = client.put(
            f"/rest/applinks/3.0/applinks/{wiki.application_id}/trusted",
            json={"username": "admin", "password": "admin-pw"},
        )
    assert enabled.status_code == 200, enabled.text
    # Headers exactly as the tracker's request factory would send them, captured once, sent twice.
    headers = tracker.instance.trusted_apps.signer.headers(wiki.url + WHOAMI, "alice", int(time.time() * 1000))
    with httpx2.Client(base_url=wiki.url, trust_env=False) as client:
        first = client.get(WHOAMI, headers=headers)
        replay = client.get(WHOAMI, headers=headers)
    assert (first.text, first.headers[Header.STATUS]) == ("alice", "OK")
    assert (replay.text, replay.headers[Header.STATUS]) == ("", "ERROR")
    assert replay.headers[Header.ERROR].startswith("OLD_CERT;\tCertificate already used.")
    # A fresh certificate (a new timestamp) still works.
    fresh = tracker.instance.trusted_apps.signer.headers(wiki.url + WHOAMI, "alice", int(time.time() * 1000) + 1)
    with httpx2.Client(base_url=wiki.url, trust_env=False) as client:
        assert client.get(WHOAMI, headers=fresh).text == "alice"
