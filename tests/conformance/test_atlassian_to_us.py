"""protocol.md §10, Atlassian → us: the calls a Jira / Confluence 9.x makes to an applinks instance, made by
the Jira peer of ``atlassian_peer`` against a live instance. One test per row of §10 (named after it)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from applinks.domain.manifest import OAUTH_2LOI, OAUTH_3LO
from applinks.refapp.host import refapp_host
from tests.conformance.atlassian_peer import XML, JiraPeer, serve_jira, xml_body, xml_fields
from tests.support import LiveInstance

LINK_V1 = "/rest/applinks/1.0/applicationlink/"
OAUTH_LATEST = "/rest/applinks-oauth/latest/applicationlink/"


def test_rest_versions(tracker: LiveInstance) -> None:
    """Every applinks resource as 1.0/2.0/3.0 where Atlassian has it and as ``latest``, in the OpenAPI
    document; ``latest`` answers like the version it stands for."""
    with tracker.client() as client:
        paths = client.get("/rest/applinks/openapi.json").json()["paths"]
        for path in (
            "/rest/applinks/1.0/applicationlink/{link_id}",
            "/rest/applinks/1.0/entitylink/{local_type}/{local_key}",
            "/rest/applinks/1.0/authenticationinfo",
            "/rest/applinks/1.0/authenticationinfo/id/{application_id}/url/{url}",
            "/rest/applinks/latest/applicationlink/{link_id}",
            "/rest/applinks/latest/applicationlink/{link_id}/authentication/provider",
            "/rest/applinks/latest/manifest",
            "/rest/applinks/latest/capabilities",
            "/rest/applinks/latest/status/{link_id}/oauth",
            "/rest/applinks/latest/applinks/{link_id}",
            "/rest/applinks/latest/entitylink/{local_type}/{local_key}",
            "/rest/applinks-oauth/latest/applicationlink/{link_id}/authentication",
            "/rest/applinks-oauth/latest/applicationlink/{link_id}/authentication/consumer",
        ):
            assert path in paths, path
        assert set(paths["/rest/applinks/1.0/applicationlink/{link_id}"]) == {"get", "put", "post", "delete"}
        # Not invented: 1.0 has no provider resource; 3.0-only resources stay off 1.0.
        assert "/rest/applinks/1.0/applicationlink/{link_id}/authentication/provider" not in paths
        assert "/rest/applinks/1.0/status/{link_id}/oauth" not in paths
        assert client.get("/rest/applinks/latest/applicationlink").json() == {"applicationLinks": []}
        assert client.get("/rest/applinks/1.0/applicationlink").json() == {"applicationLinks": []}
    with tracker.client(auth=None) as anonymous:
        assert anonymous.get("/rest/applinks/latest/applicationlink").status_code == 401


def test_capabilities(tracker: LiveInstance) -> None:
    """Anonymous ``GET latest/capabilities``: a 404 would make Jira think we have no status API."""
    with tracker.client(auth=None) as client:
        answer = client.get("/rest/applinks/latest/capabilities", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert "STATUS_API" in answer.json()


def test_reciprocal_link_two_way_wizard(tracker: LiveInstance, jira: JiraPeer) -> None:
    """``PUT 1.0/applicationlink/<theirId>``, Basic, XML body and Accept: 201 with an ``<applicationLink>``,
    unknown elements ignored; again: 200; errors as ``ErrorListEntity`` XML."""
    created = jira.create_reciprocal_link(tracker)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith(XML)
    root, fields = xml_fields(created.content)
    assert root == "applicationLink"
    assert (fields["id"], fields["typeId"], fields["rpcUrl"], fields["isPrimary"]) == (
        jira.application_id,
        "jira",
        jira.url,
        "true",  # the first link of its type becomes primary (§4)
    )
    assert fields["name"] == jira.name
    assert jira.received("GET", "/rest/applinks/1.0/manifest"), "the remote manifest is fetched first"
    again = jira.create_reciprocal_link(tracker)
    assert again.status_code == 200, again.text
    # An error to an XML caller: <error status="400"><message>…</message></error>.
    bad = jira.xml_call(tracker, "PUT", LINK_V1 + "other-id", jira.reciprocal_link_body())
    assert bad.status_code == 400
    root, _ = xml_fields(bad.content)
    assert root == "error" and bad.headers["content-type"].startswith(XML)
    assert b'status="400"' in bad.content and b"<message>" in bad.content
    broken = jira.xml_call(tracker, "PUT", LINK_V1 + jira.application_id, b"<applicationLink><name>")
    assert broken.status_code == 400 and xml_fields(broken.content)[0] == "error"
    denied = jira.xml_call(tracker, "PUT", LINK_V1 + jira.application_id, jira.reciprocal_link_body(), auth=None)
    assert denied.status_code == 401 and xml_fields(denied.content)[0] == "error"
    # The same resource, JSON in and out, for JSON callers.
    with tracker.client() as client:
        as_json = client.get(LINK_V1 + jira.application_id)
    assert as_json.json()["id"] == jira.application_id


def test_custom_rpc_url_check(tracker: LiveInstance, jira: JiraPeer) -> None:
    """``GET 1.0/authenticationinfo/id/<theirId>/url/<url>``: 200 iff that URL serves that application."""
    encoded = quote(jira.url, safe="")
    with tracker.client() as client:
        assert client.get("/rest/applinks/1.0/authenticationinfo").status_code == 200
        ok = client.get(f"/rest/applinks/1.0/authenticationinfo/id/{jira.application_id}/url/{encoded}")
        assert ok.status_code == 200, ok.text
        other = client.get(f"/rest/applinks/1.0/authenticationinfo/id/{tracker.application_id}/url/{encoded}")
        assert other.status_code == 404
    with tracker.client(auth=None) as anonymous:
        assert anonymous.get(f"/rest/applinks/1.0/authenticationinfo/id/x/url/{encoded}").status_code == 401


def test_oauth_auto_configuration_status_api(linked: tuple[LiveInstance, JiraPeer]) -> None:
    """``PUT 3.0/status/<theirId>/oauth`` (Basic, no-check): Jira's consumer registered from its
    consumer-info, our outgoing OAuth on."""
    tracker, jira = linked
    consumer = tracker.instance.oauth_consumers.for_link(jira.application_id)
    assert consumer is not None and consumer.key == jira.consumer_key
    assert consumer.two_lo_impersonation_allowed
    assert jira.received("GET", "/plugins/servlet/oauth/consumer-info")
    link = tracker.instance.links.get(jira.application_id)
    assert tracker.instance.outgoing.level(link)["twoLoImpersonationEnabled"] is True


def test_oauth_auto_configuration_fallback(tracker: LiveInstance) -> None:
    """Without a status API: ``PUT applinks-oauth/latest/…/consumer?autoConfigure=true``, then ``PUT
    2.0/…/authentication/provider``; turning it off: ``DELETE …/auth/conf/oauth/autoconfig/<theirId>``."""
    with serve_jira(status_api=False) as jira:
        assert jira.create_reciprocal_link(tracker).status_code == 201
        with tracker.client() as client:
            consumer = client.put(
                OAUTH_LATEST + jira.application_id + "/authentication/consumer",
                params={"autoConfigure": "true"},
                json={"twoLOAllowed": True, "twoLOImpersonationAllowed": False},
                headers={"X-Atlassian-Token": "no-check"},
            )
            assert consumer.status_code in (200, 201), consumer.text
            provider = client.put(
                f"/rest/applinks/2.0/applicationlink/{jira.application_id}/authentication/provider",
                json={"provider": OAUTH_3LO},
                headers={"X-Atlassian-Token": "no-check"},
            )
            assert provider.is_success, provider.text
        found = tracker.instance.oauth_consumers.for_link(jira.application_id)
        assert found is not None and found.key == jira.consumer_key and found.two_lo_allowed
        link = tracker.instance.links.get(jira.application_id)
        assert tracker.instance.outgoing.level(link)["enabled"] is True
        with tracker.client() as client:
            off = client.delete(
                f"/plugins/servlet/applinks/auth/conf/oauth/autoconfig/{jira.application_id}",
                headers={"X-Atlassian-Token": "no-check"},
            )
        assert off.status_code == 204, off.text
        assert tracker.instance.oauth_consumers.for_link(jira.application_id) is None
        assert tracker.instance.outgoing.level(link)["enabled"] is False
        with tracker.client(auth=None) as anonymous:
            refused = anonymous.delete(f"/plugins/servlet/applinks/auth/conf/oauth/autoconfig/{jira.application_id}")
        assert refused.status_code == 401


def test_provider_registration(tracker: LiveInstance, jira: JiraPeer) -> None:
    """``PUT …/authentication/provider`` names one provider; ``"enabled": false`` does not register it."""
    assert jira.create_reciprocal_link(tracker).status_code == 201
    assert jira.auto_configure(tracker, impersonation=False).is_success  # OAuth without impersonation
    path = f"/rest/applinks/latest/applicationlink/{jira.application_id}/authentication/provider"
    link = tracker.instance.links.get(jira.application_id)
    no_check = {"X-Atlassian-Token": "no-check"}
    assert tracker.instance.outgoing.level(link)["twoLoImpersonationEnabled"] is False
    with tracker.client() as client:
        off = client.put(path, json={"provider": OAUTH_2LOI, "enabled": False}, headers=no_check)
        assert off.is_success, off.text
        assert tracker.instance.outgoing.level(link)["twoLoImpersonationEnabled"] is False
        on = client.put(path, json={"provider": OAUTH_2LOI}, headers=no_check)
        assert on.is_success, on.text
    assert tracker.instance.outgoing.level(link)["twoLoImpersonationEnabled"] is True


def test_remote_status_read(linked: tuple[LiveInstance, JiraPeer]) -> None:
    """Anonymous ``GET 3.0/status/<theirId>/oauth``; the fallback reads ``applinks-oauth/latest/…/
    authentication`` through the link's own OAuth (2LO or 2LOi) — which may read only that link, and never
    write (security.md: impersonation cannot manage links or authentication)."""
    tracker, jira = linked
    with tracker.client(auth=None) as anonymous:
        flags = anonymous.get(f"/rest/applinks/latest/status/{jira.application_id}/oauth")
    assert flags.status_code == 200
    assert flags.json()["incoming"] == {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}
    own = OAUTH_LATEST + jira.application_id + "/authentication"
    for requestor in (None, "admin"):
        read = jira.signed(tracker, "GET", own, requestor=requestor, headers={"Accept": "application/json"})
        assert read.status_code == 200, read.text
        assert read.json()["consumers"][0]["key"] == jira.consumer_key
    # Impersonating an administrator still cannot read another link, nor write anything.
    elsewhere = OAUTH_LATEST + tracker.application_id + "/authentication"
    assert jira.signed(tracker, "GET", elsewhere, requestor="admin").status_code == 403
    writes = [
        ("PUT", OAUTH_LATEST + jira.application_id + "/authentication/consumer", b'{"key":"x","publicKey":"y"}'),
        ("PUT", f"/rest/applinks/3.0/status/{jira.application_id}/oauth", b'{"incoming":{},"outgoing":{}}'),
        ("PUT", LINK_V1 + jira.application_id, b'{"name":"renamed"}'),
        ("PUT", LINK_V1 + "5f1c5c2e-0000-3000-8000-000000000001", b'{"rpcUrl":"http://127.0.0.1:9"}'),
        ("POST", "/rest/applinks/3.0/applinks", b'{"url":"http://127.0.0.1:9"}'),
        ("DELETE", LINK_V1 + jira.application_id + "?reciprocate=true", None),
        ("DELETE", f"/plugins/servlet/applinks/auth/conf/oauth/autoconfig/{jira.application_id}", None),
    ]
    for method, path, body in writes:
        headers = {"Content-Type": "application/json"} if body else {}
        refused = jira.signed(tracker, method, path, requestor="admin", body=body, headers=headers)
        assert refused.status_code == 403, (method, path, refused.status_code, refused.text)
    assert tracker.instance.oauth_consumers.for_link(jira.application_id) is not None


def test_two_lo_round_trip_diagnostics(linked: tuple[LiveInstance, JiraPeer]) -> None:
    """2LO-signed ``GET latest/manifest``, ``Accept: application/json``: 200; a signature we cannot verify is
    401 with an OAuth challenge."""
    tracker, jira = linked
    answer = jira.signed(tracker, "GET", "/rest/applinks/latest/manifest", headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == tracker.application_id
    with serve_jira(consumer_key="Stranger:1") as stranger:  # a consumer key we do not know
        refused = stranger.signed(
            tracker, "GET", "/rest/applinks/latest/manifest", headers={"Accept": "application/json"}
        )
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("OAuth realm=")
    assert "oauth_problem=" in refused.text  # a failure: Jira reports the problem
    # A known consumer whose 2LO is off: 401, the OAuth challenge and an EMPTY body, which Jira reads as
    # "2LO is not enabled" (AUTH_LEVEL_UNSUPPORTED) rather than as a failing link.
    with serve_jira(consumer_key="Jira:no2lo") as no_2lo:
        assert no_2lo.create_reciprocal_link(tracker).status_code == 201
        assert no_2lo.auto_configure(tracker, impersonation=False, two_lo=False).is_success
        off = no_2lo.signed(tracker, "GET", "/rest/applinks/latest/manifest", headers={"Accept": "application/json"})
    assert off.status_code == 401
    assert off.headers["www-authenticate"].startswith("OAuth realm=")
    assert off.content == b""


def test_reciprocal_delete(linked: tuple[LiveInstance, JiraPeer]) -> None:
    """``DELETE 1.0/applicationlink/<theirId>?reciprocate=false`` through the link's authentication (2LOi as
    the administrator deleting on Jira's side): 200, and the link is gone."""
    tracker, jira = linked
    deleted = jira.signed(
        tracker,
        "DELETE",
        LINK_V1 + jira.application_id + "?reciprocate=false",
        requestor="admin",
        headers={"Accept": XML},
    )
    assert deleted.status_code == 200, deleted.text
    assert [link.id for link in tracker.instance.links.list()] == []


def test_entity_link_reciprocation(linked: tuple[LiveInstance, JiraPeer]) -> None:
    """``PUT 1.0/entitylink/{type}/{key}?reciprocate=false`` with an ``<entityLink>`` body: 201; ``DELETE``:
    200 (Atlassian counts nothing else as done)."""
    tracker, jira = linked
    refapp_host(tracker.instance).entities.add("BUG", "Bugs")
    body = xml_body(
        "entityLink",
        {
            "applicationId": jira.application_id,
            "typeId": "jira.project",
            "key": "PROJ",
            "name": "Project",
            "isPrimary": False,
        },
    )
    path = "/rest/applinks/1.0/entitylink/refapp.charlie/BUG"
    created = jira.signed(
        tracker,
        "PUT",
        path + "?reciprocate=false",
        requestor="admin",
        body=body,
        headers={"Content-Type": XML, "Accept": XML},
    )
    assert created.status_code == 201, created.text
    root, fields = xml_fields(created.content)
    assert (root, fields["key"], fields["applicationId"]) == ("entityLink", "PROJ", jira.application_id)
    query = f"?typeId=jira.project&key=PROJ&applicationId={jira.application_id}"
    deleted = jira.signed(tracker, "DELETE", path + query, requestor="admin")
    assert deleted.status_code == 200, deleted.text
    with tracker.client() as client:
        assert client.get("/rest/applinks/latest/entitylink/list/refapp.charlie/BUG").json() == {"entityLinks": []}


def test_oauth_problem_headers(tracker: LiveInstance) -> None:
    """``WWW-Authenticate: OAuth realm="…", oauth_problem=…`` with its canonical capitalisation on the wire."""
    with serve_jira() as stranger:
        refused = stranger.signed(tracker, "GET", "/rest/applinks/latest/applicationlink")
    assert refused.status_code == 401
    names = [name for name, _value in refused.headers.raw]
    assert b"WWW-Authenticate" in names, names
    assert b'oauth_problem="' in dict(refused.headers.raw)[b"WWW-Authenticate"]


@pytest.mark.parametrize("type_id", ["refapp"])
def test_application_types(tracker: LiveInstance, jira: JiraPeer, type_id: str) -> None:
    """Jira refuses a ``typeId`` it has not installed and gives ``generic`` no auto-configuration or status:
    the reference application presents ``refapp`` (built into every Atlassian product's applinks), and Jira's
    own type is one we know."""
    with tracker.client(auth=None) as client:
        manifest = client.get("/rest/applinks/latest/manifest", headers={"Accept": "application/json"}).json()
    assert manifest["typeId"] == type_id
    assert jira.create_reciprocal_link(tracker).status_code == 201
    assert tracker.instance.links.get(jira.application_id).type_id == "jira"


def test_consumer_info(tracker: LiveInstance) -> None:
    """What Jira's auto-configuration fetches: ``<consumer>`` with key, name and public key, and no empty
    ``<callback/>`` (Atlassian leaves out an element whose value is null)."""
    with tracker.client(auth=None) as client:
        answer = client.get("/plugins/servlet/oauth/consumer-info")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(XML)
    root, fields = xml_fields(answer.content)
    assert root == "consumer"
    assert fields["key"] and fields["publicKey"] and fields["name"] == "Tracker"
    assert "callback" not in fields
