"""protocol.md §10, us → Atlassian: what an applinks instance sends to a Jira / Confluence 9.x, received by
the recording Jira peer of ``atlassian_peer`` and checked against what Atlassian requires (1.0 paths, XML
bodies, ``oauth_token=""`` present and signed in 2LO/2LOi)."""

from __future__ import annotations

from typing import Any

import pytest

from applinks.domain.manifest import OAUTH_2LO, OAUTH_2LOI
from applinks.refapp.host import refapp_host
from tests.conformance.atlassian_peer import JiraPeer, verify_our_signature, xml_fields
from tests.support import LiveInstance

FORM = "/rest/applinks/1.0/applicationlinkForm/createAppLink"


def link_to_jira(live: LiveInstance, jira: JiraPeer, *, same_users: bool) -> dict[str, Any]:
    """Our two-way wizard, pointed at the Jira peer."""
    body = {
        "applicationLink": {"rpcUrl": jira.url},
        "username": "admin",
        "password": "admin-pw",
        "createTwoWayLink": True,
        "configFormValues": {"shareUserbase": same_users},
    }
    with live.client() as client:
        created = client.post(FORM, json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


@pytest.fixture
def to_jira(tracker: LiveInstance, jira: JiraPeer) -> tuple[LiveInstance, JiraPeer]:
    result = link_to_jira(tracker, jira, same_users=True)
    assert result["authenticationConfigured"] is True, result
    return tracker, jira


def test_reciprocal_link_two_way_wizard(to_jira: tuple[LiveInstance, JiraPeer]) -> None:
    """Our wizard creates Jira's end as Jira's own wizard would: ``PUT 1.0/applicationlink/<ourId>`` with an
    XML ``<applicationLink>`` (typeId refapp), Basic and no-check — never ``PUT 2.0`` (Jira answers 405)."""
    tracker, jira = to_jira
    [put] = jira.received("PUT", rf"/rest/applinks/1\.0/applicationlink/{tracker.application_id}")
    assert put.headers["content-type"].startswith("application/xml")
    assert put.headers["accept"].startswith("application/xml")
    assert put.headers["authorization"].startswith("Basic ")
    assert put.headers["x-atlassian-token"] == "no-check"
    root, fields = xml_fields(put.body)
    assert root == "applicationLink"
    assert (fields["id"], fields["typeId"], fields["rpcUrl"], fields["isPrimary"]) == (
        tracker.application_id,
        "refapp",
        tracker.url,
        "false",
    )
    assert jira.received("GET", r"/rest/applinks/1\.0/authenticationinfo")
    assert not jira.received("PUT", r"/rest/applinks/2\.0/applicationlink/[^/]+")
    assert tracker.instance.links.get(jira.application_id).type_id == "jira"


def test_provider_registration(tracker: LiveInstance, jira: JiraPeer) -> None:
    """Jira registers the provider a ``PUT …/authentication/provider`` names whatever ``enabled`` says: without
    "same users" we never send 2LOi at all."""
    link_to_jira(tracker, jira, same_users=False)
    sent = [
        call.body for call in jira.received("PUT", r"/rest/applinks/2\.0/applicationlink/[^/]+/authentication/provider")
    ]
    assert sent, "outgoing OAuth is enabled on Jira's side"
    assert all(OAUTH_2LOI.encode() not in body for body in sent), sent
    assert any(OAUTH_2LO.encode() in body for body in sent)


@pytest.mark.parametrize("impersonate", [False, True])
def test_outgoing_2lo_2loi_we_call_atlassian(to_jira: tuple[LiveInstance, JiraPeer], impersonate: bool) -> None:
    """2LO and 2LOi carry ``oauth_token=""`` in the Authorization header, signed; 2LOi also
    ``xoauth_requestor_id`` (else Jira runs the request anonymously)."""
    tracker, jira = to_jira
    outgoing = tracker.instance.outgoing
    link = tracker.instance.links.get(jira.application_id)
    admin = tracker.instance.host.get_user("admin") if tracker.instance.host else None
    provider = OAUTH_2LOI if impersonate else OAUTH_2LO
    factory = outgoing.request_factory(link, admin if impersonate else None, provider)
    answer = factory.request("GET", "/rest/api/2/myself")
    assert answer.status_code == 200
    [call] = jira.received("GET", "/rest/api/2/myself")
    assert 'oauth_token=""' in call.headers["authorization"]
    oauth = verify_our_signature(tracker, jira, call)
    assert oauth["oauth_token"] == "" and oauth["oauth_signature_method"] == "RSA-SHA1"
    assert ("xoauth_requestor_id" in call.params) is impersonate


def test_reciprocal_delete(to_jira: tuple[LiveInstance, JiraPeer]) -> None:
    """Delete both ends: ``DELETE 1.0/applicationlink/<ourId>?reciprocate=false`` through the link (2LOi as
    the administrator, ``oauth_token=""`` signed); Jira's 200 is "deleted"."""
    tracker, jira = to_jira
    with tracker.client() as client:
        deleted = client.delete(
            f"/rest/applinks/2.0/applicationlink/{jira.application_id}", params={"reciprocate": "true"}
        )
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["remote"] == "deleted"
    [call] = jira.received("DELETE", rf"/rest/applinks/1\.0/applicationlink/{tracker.application_id}")
    assert call.params["reciprocate"] == "false"
    oauth = verify_our_signature(tracker, jira, call)
    assert oauth["oauth_token"] == ""
    assert call.params.get("xoauth_requestor_id") == "admin"
    assert tracker.instance.links.list() == []


def test_entity_link_reciprocation(to_jira: tuple[LiveInstance, JiraPeer]) -> None:
    """``PUT 1.0/entitylink/jira.project/PROJ?reciprocate=false`` with an ``<entityLink>`` describing our
    entity (201), and ``DELETE 1.0/entitylink/…?typeId=&key=&applicationId=`` (200)."""
    tracker, jira = to_jira
    refapp_host(tracker.instance).entities.add("BUG", "Bugs")
    path = "/rest/applinks/2.0/entitylink/refapp.charlie/BUG"
    target = {"applicationId": jira.application_id, "typeId": "jira.project", "key": "PROJ", "name": "Project"}
    with tracker.client() as client:
        created = client.put(path, params={"reciprocate": "true"}, json=target)
        assert created.status_code == 201, created.text
        deleted = client.delete(
            path,
            params={
                "typeId": "jira.project",
                "key": "PROJ",
                "applicationId": jira.application_id,
                "reciprocate": "true",
            },
        )
        assert deleted.status_code == 204, deleted.text
    [put] = jira.received("PUT", r"/rest/applinks/1\.0/entitylink/jira\.project/PROJ")
    assert put.params["reciprocate"] == "false"
    assert put.headers["content-type"].startswith("application/xml")
    root, fields = xml_fields(put.body)
    assert (root, fields["applicationId"], fields["typeId"], fields["key"], fields["name"]) == (
        "entityLink",
        tracker.application_id,
        "refapp.charlie",
        "BUG",
        "Bugs",
    )
    assert verify_our_signature(tracker, jira, put)["oauth_token"] == ""
    [delete] = jira.received("DELETE", r"/rest/applinks/1\.0/entitylink/jira\.project/PROJ")
    assert (delete.params["typeId"], delete.params["key"], delete.params["applicationId"]) == (
        "refapp.charlie",
        "BUG",
        tracker.application_id,
    )
    verify_our_signature(tracker, jira, delete)
