"""Diagnostics of OAuth 2.0 links between live instances: a working link is CONNECTED; a reset secret is
OAUTH2_INVALID_CLIENT, a redirect URL the remote does not know OAUTH2_REDIRECT_MISMATCH, a user without
consent OAUTH2_AUTHORISATION_REQUIRED and a refused refresh OAUTH2_REFRESH_EXPIRED (with the URI)."""

from __future__ import annotations

from sqlalchemy import update

from applinks.errors import CredentialsRequired
from applinks.host import HostUser
from applinks.storage.oauth2_tables import oauth2_outgoing_tokens
from tests.integration.test_oauth2_outgoing import _authorise, _pair, _whoami
from tests.support import InstanceFactory

ALICE = HostUser("alice")


def _check(wiki: object, link_id: str, user: HostUser | None = None) -> str | None:
    status = wiki.instance.diagnostics.check(link_id, user)  # type: ignore[attr-defined]
    return status.error.type if status.error is not None else None


def test_oauth2_link_findings(make_instance: InstanceFactory) -> None:
    tracker, wiki, link = _pair(make_instance)
    assert _check(wiki, link.id) is None  # client and redirect URL accepted by the remote
    assert _check(wiki, link.id, ALICE) == "OAUTH2_AUTHORISATION_REQUIRED"
    try:
        _whoami(wiki, link)
    except CredentialsRequired as needed:
        _authorise(wiki, tracker, needed.authorisation_uri())
    assert _check(wiki, link.id, ALICE) is None
    # Alice's grant is revoked at Tracker: the refresh is refused and she is asked again.
    with tracker.client(auth=("alice", "alice-pw")) as alice:
        client_id = alice.get("/rest/applinks-oauth2/latest/authorized").json()[0]["clientId"]
        alice.delete(f"/rest/applinks-oauth2/latest/authorized/{client_id}")
    with wiki.instance.engine.begin() as conn:
        conn.execute(update(oauth2_outgoing_tokens).values(expires_at=0))
    status = wiki.instance.diagnostics.check(link.id, ALICE)
    assert status.error is not None and status.error.type == "OAUTH2_REFRESH_EXPIRED"
    assert (
        status.error.authorisation_uri and "/plugins/servlet/oauth2/client/authorize" in status.error.authorisation_uri
    )
    # The redirect URL registered at Tracker no longer matches ours.
    registered = tracker.instance.oauth2_clients.all()[0]
    tracker.instance.oauth2_clients.update(registered.id, redirects=["http://127.0.0.1:9/elsewhere"])
    assert _check(wiki, link.id) == "OAUTH2_REDIRECT_MISMATCH"
    # Tracker's administrator resets the secret: Wiki's is no longer accepted.
    tracker.instance.oauth2_clients.reset_secret(registered.client_id)
    assert _check(wiki, link.id) == "OAUTH2_INVALID_CLIENT"
