"""URLs httpx2 cannot send, and remotes whose ``Location`` is no URL, through every entry path that calls out
(issue 13, item 1): the wizard's step 1 and create, v3 create, relocate and the status check answer with a
typed error or a typed result, never a 500."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from applinks.domain.link import Link
from tests.integration.oauth1_support import SYSADMIN
from tests.security.outbound_servers import redirect, serving
from tests.support import LiveInstance

FORM = "/rest/applinks/1.0/applicationlinkForm"
V3 = "/rest/applinks/3.0/applinks"
RELOCATE = "/rest/applinks/1.0/relocateApplicationlink"
STATUS = "/rest/applinks/3.0/status"
LINK_ID = "11111111-1111-3111-8111-111111111111"

TYPED_URLS = ["http://\u2603.invalid/", "http://0251.0376.0251.0376/", "http://xn--/"]


def error_of(answer: httpx2.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    key: str = answer.json()["error"]
    return key


@pytest.fixture
def linked(wiki: LiveInstance) -> Any:
    """``link(url)`` stores a link on wiki to ``url`` without calling it (as if the remote changed since)."""

    def link(url: str) -> str:
        return wiki.instance.links.create(Link(LINK_ID, "refapp", "Remote", url, url), actor=SYSADMIN).id

    return link


def test_typed_urls_are_invalid_input_on_every_entry_path(wiki: LiveInstance, linked: Any) -> None:
    with serving(redirect("/elsewhere")) as remote:
        link_id = linked(remote.url)
        with wiki.client() as client:
            for url in TYPED_URLS:
                checked = client.get(FORM + "/manifest", params={"url": url})
                assert error_of(checked, 400) == "applinks.url.invalid"
                created = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": url}})
                assert error_of(created, 400) == "applinks.url.invalid"
                assert error_of(client.post(V3, json={"url": url}), 400) == "applinks.url.invalid"
                moved = client.post(f"{RELOCATE}/{link_id}", params={"newUrl": url})
                assert error_of(moved, 400) == "applinks.url.invalid"
        assert remote.hits == []


@pytest.mark.parametrize("location", ["mailto:x", "javascript:alert(1)"])
def test_a_location_that_is_no_http_url_is_an_unexpected_response_never_a_suggestion(
    wiki: LiveInstance, linked: Any, location: str
) -> None:
    """A remote's Location is suggested (a URL to link or relocate to) only when it is an http(s) URL:
    ``javascript:``/``mailto:`` is an unexpected response on every path, never a 500 and never advice."""
    with serving(redirect(location)) as remote:
        link_id = linked(remote.url)
        with wiki.client() as client:
            checked = client.get(FORM + "/manifest", params={"url": remote.url + "/other"})
            assert checked.status_code == 200, checked.text
            assert checked.json()["status"] == "NOT_APPLINKS"
            assert checked.json()["errorType"] == "UNEXPECTED_RESPONSE"
            assert checked.json()["suggestedUrl"] is None
            created = client.post(FORM + "/createAppLink", json={"applicationLink": {"rpcUrl": remote.url + "/other"}})
            assert error_of(created, 400) == "applinks.confirm"  # only ever as a generic link, once confirmed
            v3 = client.post(V3, json={"url": remote.url + "/other"})
            assert error_of(v3, 400) == "applinks.remote.unexpected_response"
            moved = client.post(f"{RELOCATE}/{link_id}", params={"newUrl": remote.url + "/other"})
            assert error_of(moved, 409) == "applinks.relocate.unreachable"
            status = client.get(f"{STATUS}/{link_id}")
        assert status.status_code == 200, status.text
        error = status.json()["error"]
        assert status.json()["working"] is False, status.json()
        assert error["type"] == "UNEXPECTED_RESPONSE"
        assert "suggestedUrl" not in error and "relocate the link to" not in error["details"]
        assert remote.hits  # the remote was called on each path, and its answer typed
