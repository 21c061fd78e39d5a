"""The demo step of issue 4 (for ``applinks.demo.STEPS``, after ``verify``): configure OAuth between Wiki and
Tracker through their REST APIs, then have Wiki call Tracker's whoami as a user and print the answer.

Until automatic linking (the wizard) does it, the step links both ways, makes Tracker trust Wiki as an
incoming consumer (its consumer-info fetched by ``autoConfigure``) and enables Wiki's outgoing OAuth with
impersonation; the call is made by Wiki's own instance (its data directory, its key) in this process."""

from __future__ import annotations

import base64
import json
import secrets
from typing import TYPE_CHECKING, Any

from applinks.host import HostUser
from applinks.instance import Instance
from applinks.settings import Settings
from applinks.transport.client import OutboundClient

if TYPE_CHECKING:
    from applinks.demo import Demo, Node

DEMO_USER = "alice"
WHOAMI = "/plugins/servlet/applinks/whoami"
PROVIDERS = ("oauth", "2lo", "2loi")


class StepFailed(Exception):
    """A REST call of the step was refused; the message has the remote's answer."""


def _call(client: OutboundClient, method: str, url: str, admin: tuple[str, str], body: Any = None) -> Any:
    token = base64.b64encode(f"{admin[0]}:{admin[1]}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json", "Content-Type": "application/json"}
    content = json.dumps(body).encode() if body is not None else None
    response = client.request(method, url, headers=headers, content=content)
    if response.status_code >= 400 and not (method == "POST" and response.status_code == 409):
        raise StepFailed(f"{method} {url} answered HTTP {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def configure_oauth(
    client: OutboundClient,
    wiki: tuple[str, str],
    tracker: tuple[str, str],
    wiki_admin: tuple[str, str],
    tracker_admin: tuple[str, str],
) -> None:
    """``wiki`` and ``tracker`` are (base URL, application ID): link both ways (an existing link is kept),
    Tracker trusts Wiki for 3LO, 2LO and 2LOi, and Wiki sends OAuth with impersonation to Tracker."""
    (wiki_url, wiki_id), (tracker_url, tracker_id) = wiki, tracker
    _call(client, "POST", wiki_url + "/rest/applinks/3.0/applinks", wiki_admin, {"url": tracker_url})
    _call(client, "POST", tracker_url + "/rest/applinks/3.0/applinks", tracker_admin, {"url": wiki_url})
    consumer = f"/rest/applinks-oauth/1.0/applicationlink/{wiki_id}/authentication/consumer?autoConfigure=true"
    trust = {"twoLOAllowed": True, "twoLOImpersonationAllowed": True}
    _call(client, "PUT", tracker_url + consumer, tracker_admin, trust)
    provider = f"/rest/applinks/2.0/applicationlink/{tracker_id}/authentication/provider"
    for name in PROVIDERS:
        _call(client, "PUT", wiki_url + provider, wiki_admin, {"provider": name})


def whoami_as(wiki: Instance, tracker_id: str, user: str) -> tuple[str, str]:
    """Wiki calls Tracker's whoami as ``user``: (the provider used, the name Tracker saw)."""
    factory = wiki.application_links.get(tracker_id).request_factory(HostUser(user))
    return factory.provider.short, factory.get(WHOAMI).text


def _open(node: Node) -> Instance:
    return Instance(Settings(data_dir=node.data_dir, base_url=node.url, name=node.name, application_type=node.app_type))


def step(demo: Demo) -> None:
    """Configure OAuth Wiki → Tracker over REST and print Wiki's authenticated call to Tracker as a user."""
    from applinks.demo import ADMIN, DemoError
    from applinks.refapp.users import UserStore

    wiki, tracker = demo.node("Wiki"), demo.node("Tracker")
    if wiki.manifest is None or tracker.manifest is None:
        raise DemoError("the manifests of Wiki and Tracker are not known yet; run this step after verify")
    password = secrets.token_urlsafe(9)
    created = False
    for node in (wiki, tracker):
        instance = _open(node)
        try:
            users = UserStore(instance.engine, node.url)
            if users.get_user(DEMO_USER) is None:
                users.add(DEMO_USER, password, full_name="Alice (demo user)")
                created = True
        finally:
            instance.close()
    try:
        configure_oauth(
            demo.client,
            (wiki.url, wiki.manifest.id),
            (tracker.url, tracker.manifest.id),
            (ADMIN, wiki.password),
            (ADMIN, tracker.password),
        )
    except StepFailed as exc:
        raise DemoError(f"configuring OAuth between Wiki and Tracker failed: {exc}") from exc
    instance = _open(wiki)
    try:
        provider, seen = whoami_as(instance, tracker.manifest.id, DEMO_USER)
    finally:
        instance.close()
    if seen != DEMO_USER:
        raise DemoError(f"Wiki called Tracker as {DEMO_USER} but Tracker saw {seen!r}")
    demo.out(f"OAuth configured Wiki -> Tracker; Wiki called Tracker's whoami as {DEMO_USER} ({provider}): {seen!r}")
    shown = password if created else "the password of the first run"
    demo.extras.setdefault("notes", []).append(
        f"demo user on both: {DEMO_USER} / {shown} (Wiki calls Tracker as this user with OAuth)"
    )
