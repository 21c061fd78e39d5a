"""``/rest/applinks-oauth/1.0/applicationlink/{id}/authentication``: registering a link's incoming consumer
over REST (JSON and XML bodies, autoConfigure between live instances, permissions, bad input)."""

from __future__ import annotations

import requests
from oauthlib.oauth1 import SIGNATURE_RSA
from requests_oauthlib import OAuth1

from applinks.domain.link import Link
from tests.integration.fake_remote import Answer, fake_remote
from tests.integration.oauth1_support import SYSADMIN, generic_link, key_pair, rsa_consumer
from tests.support import InstanceFactory, LiveInstance

BASE = "/rest/applinks-oauth/1.0/applicationlink/{}/authentication"
NO_CHECK = {"X-Atlassian-Token": "no-check"}


def _consumers(live: LiveInstance, link_id: str) -> list[dict[str, object]]:
    with live.client() as client:
        answer = client.get(BASE.format(link_id))
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["consumers"]
    return found


def test_put_get_and_delete_a_consumer(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    link = generic_link(live)
    body = {
        "key": "jira:1234",
        "name": "Jira",
        "description": "Atlassian Jira",
        "signatureMethod": "RSA-SHA1",
        "publicKey": key_pair().public_b64,
        "callback": "https://jira.test/plugins/servlet/applinks/oauth/login-dance/access",
        "twoLOAllowed": True,
        "executingTwoLOUser": "",
        "twoLOImpersonationAllowed": False,
        "outgoing": False,
    }
    with live.client() as client:
        created = client.put(BASE.format(link.id) + "/consumer", json=body, headers=NO_CHECK)
        assert created.status_code == 201, created.text
        assert created.json()["key"] == "jira:1234" and "sharedSecret" not in created.json()
        again = client.put(BASE.format(link.id) + "/consumer", json={**body, "name": "Jira DC"}, headers=NO_CHECK)
        assert again.status_code == 200 and again.json()["name"] == "Jira DC"
        listed = client.get(BASE.format(link.id)).json()
        assert listed["configuredAuthProviders"] == []
        [consumer] = listed["consumers"]
        assert (consumer["key"], consumer["twoLOAllowed"], consumer["publicKey"]) == (
            "jira:1234",
            True,
            key_pair().public_b64,
        )
        assert client.get(BASE.format(link.id) + "/consumer").json()["name"] == "Jira DC"
        assert client.delete(BASE.format(link.id) + "/consumer", headers=NO_CHECK).status_code == 204
        assert client.delete(BASE.format(link.id) + "/consumer", headers=NO_CHECK).status_code == 404
        assert client.get(BASE.format("no-such-link")).status_code == 404
    assert _consumers(live, link.id) == []


def test_an_xml_body_as_atlassian_remotes_send_it(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    link = generic_link(live)
    xml = (
        f"<consumer><key>confluence:9</key><name>Confluence</name><publicKey>{key_pair().public_b64}</publicKey>"
        "<twoLOAllowed>true</twoLOAllowed><twoLOImpersonationAllowed>false</twoLOImpersonationAllowed></consumer>"
    )
    with live.client() as client:
        answer = client.put(
            BASE.format(link.id) + "/consumer",
            content=xml,
            headers={**NO_CHECK, "Content-Type": "application/xml"},
        )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["key"], answer.json()["twoLOAllowed"]) == ("confluence:9", True)


def test_bad_bodies_get_400_and_store_nothing(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    link = generic_link(live)
    bad = [
        {"key": "k", "publicKey": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA-broken"},
        {"key": "k", "publicKey": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"},
        {"key": "k"},
        {"publicKey": key_pair().public_b64},
        {"key": "k", "signatureMethod": "PLAINTEXT", "sharedSecret": "long-enough"},
        {"key": "k", "publicKey": key_pair().public_b64, "twoLOAllowed": "perhaps"},
    ]
    with live.client() as client:
        for body in bad:
            answer = client.put(BASE.format(link.id) + "/consumer", json=body, headers=NO_CHECK)
            assert answer.status_code == 400, (body, answer.text)
        garbage = client.put(BASE.format(link.id) + "/consumer", content=b"{not json", headers=NO_CHECK)
        assert garbage.status_code == 400
    assert _consumers(live, link.id) == []


def test_permissions(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Tracker")
    live.add_user("boss", "boss-pw", admin=True)
    live.add_user("alice", "alice-pw")
    link = generic_link(live)
    body = {"key": "k:1", "publicKey": key_pair().public_b64, "twoLOAllowed": True}
    url = BASE.format(link.id) + "/consumer"
    with live.client(auth=None) as anonymous:
        assert anonymous.get(BASE.format(link.id)).status_code == 401
        assert anonymous.put(url, json=body, headers=NO_CHECK).status_code == 401
    with live.client(auth=("alice", "alice-pw")) as user:
        assert user.get(BASE.format(link.id)).status_code == 403
        assert user.put(url, json=body, headers=NO_CHECK).status_code == 403
    with live.client(auth=("boss", "boss-pw")) as admin:
        assert admin.put(url, json=body, headers=NO_CHECK).status_code == 201
        # Allowing impersonation needs a system administrator; nothing changes when refused.
        refused = admin.put(url, json={**body, "twoLOImpersonationAllowed": True}, headers=NO_CHECK)
        assert refused.status_code == 403
    assert _consumers(live, link.id)[0]["twoLOImpersonationAllowed"] is False
    with live.client() as sysadmin:
        allowed = sysadmin.put(url, json={**body, "twoLOImpersonationAllowed": True}, headers=NO_CHECK)
        assert allowed.status_code == 200 and allowed.json()["twoLOImpersonationAllowed"] is True


def test_an_impersonated_admin_cannot_change_authentication_but_may_delete_its_own_link(
    make_instance: InstanceFactory,
) -> None:
    live = make_instance(name="Tracker")
    consumer, keys = rsa_consumer(live, two_lo_allowed=True, two_lo_impersonation_allowed=True)
    other = generic_link(live, "Other")
    auth = OAuth1(consumer.key, signature_method=SIGNATURE_RSA, rsa_key=keys.private_pem)
    as_admin = {"xoauth_requestor_id": "admin"}
    links = live.url + "/rest/applinks/2.0/applicationlink"
    with requests.Session() as http:
        http.trust_env = False
        put = http.put(
            live.url + BASE.format(consumer.link_id) + "/consumer",
            params=as_admin,
            json={"key": "evil:1", "publicKey": key_pair().public_b64, "twoLOImpersonationAllowed": True},
            auth=auth,
        )
        assert put.status_code == 403
        assert http.get(links, params=as_admin, auth=auth).status_code == 403
        assert http.delete(f"{links}/{other.id}", params=as_admin, auth=auth).status_code == 403
        reciprocal = http.delete(f"{links}/{consumer.link_id}", params={**as_admin, "reciprocate": "true"}, auth=auth)
        assert reciprocal.status_code == 403
        assert http.delete(f"{links}/{consumer.link_id}", params=as_admin, auth=auth).status_code == 200
    assert not live.instance.links.exists(consumer.link_id)
    assert live.instance.links.exists(other.id)
    assert live.instance.oauth_consumers.get(consumer.key) is None  # went with its link


def test_auto_configure_between_two_live_instances(make_instance: InstanceFactory) -> None:
    tracker, wiki = make_instance(name="Tracker"), make_instance(name="Wiki")
    with wiki.client() as client:
        created = client.post("/rest/applinks/3.0/applinks", json={"url": tracker.url}, headers=NO_CHECK)
        assert created.status_code == 201, created.text
        answer = client.put(
            BASE.format(tracker.application_id) + "/consumer",
            params={"autoConfigure": "true"},
            json={"twoLOAllowed": True, "executingTwoLOUser": "admin"},
            headers=NO_CHECK,
        )
    assert answer.status_code == 201, answer.text
    published = tracker.instance.oauth_consumers.consumer_info()
    assert (answer.json()["key"], answer.json()["publicKey"]) == (published.key, published.public_key)
    # Tracker signs with its own instance key: Wiki now recognises it (2LO as the executing user).
    auth = OAuth1(
        published.key, signature_method=SIGNATURE_RSA, rsa_key=tracker.instance.identity.key.private_pem().decode()
    )
    with requests.Session() as http:
        http.trust_env = False
        assert http.get(wiki.url + "/plugins/servlet/applinks/whoami", auth=auth).text == "admin"


def test_auto_configure_refuses_garbage_and_entities(make_instance: InstanceFactory) -> None:
    live = make_instance(name="Wiki")
    with fake_remote() as remote:
        rpc = remote.app_url("bad")
        link = live.instance.links.create(
            Link(id="fake-remote", type_id="generic", name="Fake", display_url=rpc, rpc_url=rpc), actor=SYSADMIN
        )
        path = "/bad/plugins/servlet/oauth/consumer-info"
        answers = [
            Answer(body=b"<html>surprise</html>", content_type="text/html"),
            Answer(body=b'<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><consumer><key>&x;</key></consumer>'),
            Answer(body=b"<consumer><key>k</key><publicKey>not a key</publicKey></consumer>"),
            Answer(status=500, body=b"down"),
        ]
        with live.client() as client:
            for answer in answers:
                remote.answers[path] = answer
                put = client.put(
                    BASE.format(link.id) + "/consumer", params={"autoConfigure": "true"}, json={}, headers=NO_CHECK
                )
                assert put.status_code == 400, put.text
        assert remote.hits.count(path) == len(answers)
    assert _consumers(live, link.id) == []
