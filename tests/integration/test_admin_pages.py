"""The administration pages as plain HTML forms (no JavaScript at all): paging, filtering, access, and a link
created through the wizard and deleted, each form with its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import httpx2

from applinks.domain.link import Link
from applinks.services.wizard.model import CreateLinkRequest
from tests.integration.fake_remote import Answer, FakeRemote, fake_remote
from tests.support import InstanceFactory, LiveInstance, bind_loopback

ADMIN = "/plugins/servlet/applinks/listApplicationLinks"
WIZARD = "/plugins/servlet/applinks/wizard"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def _browser(live: LiveInstance, user: str = "admin", password: str = "admin-pw") -> Iterator[httpx2.Client]:
    """A logged-in browser session that runs no JavaScript (plain form posts)."""
    with httpx2.Client(base_url=live.url, trust_env=False, follow_redirects=False, timeout=30) as client:
        assert client.post("/login", data={"username": user, "password": password}).status_code == 303
        yield client


def _csrf(page: httpx2.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, page.text
    return unescape(found.group(1))


def _names(page: httpx2.Response) -> list[str]:
    return [unescape(n) for n in re.findall(r'<a class="name" href="[^"]*">([^<]*)</a>', page.text)]


def test_links_page_pages_filters_and_is_for_administrators(make_instance: InstanceFactory) -> None:
    tracker = make_instance(name="Tracker")
    tracker.add_user("bob", "bob-pw")
    users = tracker.instance.host
    assert users is not None
    admin = users.get_user("admin")
    assert admin is not None
    sock = bind_loopback()  # bound, never listening: the background checks fail fast, on loopback
    nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for i in range(30):
        tracker.instance.links.create(
            Link(f"app-{i:02}", "refapp", f"App {i:02}", f"{nowhere}/app{i}", f"{nowhere}/app{i}"), actor=admin
        )
    with _browser(tracker) as client:
        first, second = client.get(ADMIN), client.get(ADMIN, params={"page": 2})
        filtered = client.get(ADMIN, params={"q": "app 07"})
        two_way = client.get(ADMIN, params={"direction": "two-way"})
        beyond = client.get(ADMIN, params={"page": 99})
    sock.close()
    assert first.status_code == 200 and "Page 1 of 2" in first.text
    assert _names(first) == [f"App {i:02}" for i in range(25)]
    assert _names(second) == [f"App {i:02}" for i in range(25, 30)]
    assert _names(filtered) == ["App 07"] and "match (of 30)" in filtered.text
    assert _names(two_way) == [] and "No link matches" in two_way.text
    assert "Page 2 of 2" in beyond.text
    with _browser(tracker, "bob", "bob-pw") as bob:
        refused = bob.get(ADMIN)
    assert refused.status_code == 403 and "App 00" not in refused.text
    anonymous = httpx2.get(tracker.url + ADMIN, trust_env=False, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login?next=" in anonymous.headers["location"]


def test_wizard_and_delete_work_as_plain_forms(make_instance: InstanceFactory) -> None:
    tracker, wiki = make_instance(name="Tracker"), make_instance(name="Wiki")
    with _browser(tracker) as client:
        review = client.get(WIZARD, params={"url": wiki.url})
        assert review.status_code == 200 and "Found: Wiki" in review.text
        form = {"csrf": _csrf(review), "url": wiki.url, "name": "Our wiki", "expected_id": wiki.application_id}
        refused = client.post(WIZARD + "/create", data={**form, "csrf": ""})
        assert refused.status_code == 403 and not tracker.instance.links.exists(wiki.application_id)
        created = client.post(WIZARD + "/create", data=form)
        assert created.status_code == 201 and "Link to Our wiki created" in created.text
        assert tracker.instance.links.get(wiki.application_id).name == "Our wiki"

        confirm = client.get(f"/plugins/servlet/applinks/link/{wiki.application_id}/delete")
        assert confirm.status_code == 200 and tracker.instance.links.exists(wiki.application_id)  # GET: no change
        deleted = client.post(
            f"/plugins/servlet/applinks/link/{wiki.application_id}/delete", data={"csrf": _csrf(confirm)}
        )
        assert deleted.status_code == 303 and deleted.headers["location"].endswith(ADMIN)
        after = client.get(ADMIN)
    assert "deleted the link to Our wiki" in after.text
    assert not tracker.instance.links.exists(wiki.application_id)


def test_wizard_offers_the_new_url_of_a_moved_application(make_instance: InstanceFactory) -> None:
    tracker = make_instance(name="Tracker")
    remote: FakeRemote
    with fake_remote() as remote, _browser(tracker) as client:
        new = remote.serve_manifest("new", id="moved-app")
        old = remote.answer("old", Answer(status=301, headers={"Location": new + "/rest/applinks/1.0/manifest"}))
        page = client.get(WIZARD, params={"url": old})
    assert page.status_code == 200 and 'id="wizard-moved"' in page.text
    assert f"Link to {new}" in unescape(page.text)


def test_the_2lo_executing_user_is_set_on_the_link_page(make_instance: InstanceFactory) -> None:
    tracker, wiki = make_instance(name="Tracker"), make_instance(name="Wiki")
    tracker.add_user("robot", "robot-pw")
    users = tracker.instance.host
    assert users is not None and (admin := users.get_user("admin")) is not None
    request = CreateLinkRequest(url=wiki.url, two_way=True, remote_username="admin", remote_password="admin-pw")
    assert tracker.instance.wizard.create(request, actor=admin).authentication_complete
    page = f"/plugins/servlet/applinks/link/{wiki.application_id}"
    with _browser(tracker) as client:
        form = client.get(page)
        saved = client.post(page + "/executing-user", data={"csrf": _csrf(form), "executing_user": "robot"})
        assert saved.status_code == 303
        assert "run as robot" in client.get(page).text
        unknown = client.post(page + "/executing-user", data={"csrf": _csrf(form), "executing_user": "nobody-here"})
        assert unknown.status_code == 303
        shown = client.get(page).text
    consumer = tracker.instance.oauth_consumers.for_link(wiki.application_id)
    assert consumer is not None and consumer.executing_two_lo_user == "robot"  # the unknown user changed nothing
    assert 'class="flash flash-error"' in shown and "nobody-here" in shown
