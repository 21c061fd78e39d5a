"""Generic (non-applinks) applications with OAuth details entered by hand (protocol.md §6.2), used by an
outside OAuth 1.0a client exactly as a third party would."""

from __future__ import annotations

from typing import Any

from requests_oauthlib import OAuth1Session

from applinks.identity import generic_application_id
from tests.integration.lifecycle_fakes import closed_port_url
from tests.support import LiveInstance

FORM = "/rest/applinks/1.0/applicationlinkForm"
WHOAMI = "/plugins/servlet/applinks/whoami"
SECRET = "reporting-s3cret-value"


def generic_body(url: str, **extra: Any) -> dict[str, Any]:
    return {"applicationLink": {"rpcUrl": url, "typeId": "generic", "name": "Reporting"}, **extra}


def incoming(**overrides: Any) -> dict[str, Any]:
    return {
        "key": "reporting-tool",
        "name": "Reporting tool",
        "sharedSecret": SECRET,
        "twoLOAllowed": True,
        "executingTwoLOUser": "bob",
        **overrides,
    }


def test_generic_link_with_manual_oauth_is_used_by_an_outside_hmac_client(wiki: LiveInstance) -> None:
    wiki.add_user("bob", "bob-pw")
    url = closed_port_url()
    outgoing = {
        "consumerKey": "wiki-at-reporting",
        "sharedSecret": "wiki-s3cret-value",
        "requestTokenUrl": "/oauth/request-token",
        "accessTokenUrl": "/oauth/access-token",
        "authorizeUrl": "https://reporting.example.com/oauth/authorize",
    }
    with wiki.client() as client:
        created = client.post(
            FORM + "/createAppLink", json=generic_body(url, incomingOAuth=incoming(), outgoingOAuth=outgoing)
        )
        assert created.status_code == 201, created.text
        result = created.json()
        assert result["generic"] is True
        assert result["local"]["incoming"] == {
            "enabled": True,
            "twoLoEnabled": True,
            "twoLoImpersonationEnabled": False,
        }
        assert result["local"]["outgoing"]["enabled"] is True
        link_id = result["applicationLink"]["id"]
        assert link_id == generic_application_id(url)
        providers = client.get(f"/rest/applinks/2.0/applicationlink/{link_id}/authentication/provider")
    shown = providers.json()["providers"][0]["config"]
    assert shown["consumerKey"] == "wiki-at-reporting"
    assert shown["requestTokenUrl"] == "/oauth/request-token"
    assert "wiki-s3cret-value" not in providers.text  # secrets are never returned

    # The third party signs with HMAC-SHA1 and its shared secret: 2-legged, as the executing user.
    session = OAuth1Session("reporting-tool", client_secret=SECRET, signature_method="HMAC-SHA1")
    answer = session.get(wiki.url + WHOAMI)
    assert answer.status_code == 200, answer.text
    assert answer.text == "bob"
    forged = OAuth1Session("reporting-tool", client_secret="not-the-secret", signature_method="HMAC-SHA1")
    refused = forged.get(wiki.url + WHOAMI)
    assert refused.status_code == 401
    assert "signature_invalid" in refused.headers["WWW-Authenticate"]


def test_incoming_details_are_checked_before_anything_is_stored(wiki: LiveInstance) -> None:
    url = closed_port_url()
    cases = [
        ({"name": "no key", "sharedSecret": SECRET}, "applinks.generic.consumer_key"),
        ({"key": "k"}, "applinks.generic.public_key"),
        ({"key": "k", "publicKey": "not a key"}, "applinks.oauth.public_key"),
        ({"key": "k", "sharedSecret": SECRET, "callback": "javascript:alert(1)"}, "applinks.oauth.callback"),
        ({"key": "k", "sharedSecret": SECRET, "surprise": True}, "applinks.generic.invalid"),
        # Refused by the consumer service after the link was stored: the link is removed again.
        ({"key": "k", "sharedSecret": "short"}, "applinks.oauth.shared_secret"),
        ({"key": "k", "sharedSecret": SECRET, "executingTwoLOUser": "nobody"}, "applinks.oauth.executing_user"),
    ]
    with wiki.client() as client:
        for details, error in cases:
            answer = client.post(FORM + "/createAppLink", json=generic_body(url, incomingOAuth=details))
            assert answer.status_code == 400, (details, answer.text)
            assert answer.json()["error"] == error, (details, answer.json())
        bad_outgoing = client.post(
            FORM + "/createAppLink", json=generic_body(url, outgoingOAuth={"requestTokenUrl": "ftp://x/y"})
        )
        assert bad_outgoing.status_code == 400, bad_outgoing.text
    assert wiki.instance.links.list() == []
