"""The create-link wizard (protocol.md §6.1-6.2): check the remote, review, then a one-way, two-way or generic link."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from applinks.discovery.manifest import fetch_manifest
from applinks.discovery.xml import to_xml
from applinks.domain.links import Link
from applinks.domain.manifest import Manifest
from applinks.domain.types import BUILTIN_TYPES, is_atlassian
from applinks.errors import (
    AddressRefused,
    AppLinksError,
    ConfirmationRequired,
    DuplicateLink,
    InvalidInput,
    PartialLinkCreation,
    RemoteCredentialsRefused,
    RemoteError,
    RemoteMoved,
    RemoteUnreachable,
    SelfLink,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.host import HostUser
from applinks.identity import generic_application_id
from applinks.services.links import MAX_NAME, normalise_url, remote_display_url
from applinks.services.oauth2_links import configure_two_way_oauth2, guide_one_way_oauth2
from applinks.services.remote import basic_headers, remote_message
from applinks.storage import links as repo

if TYPE_CHECKING:
    from applinks.demo import Demo
    from applinks.instance import Instance

AUTHENTICATION_INFO = "/rest/applinks/1.0/authenticationinfo"
RECIPROCAL_TIMEOUT = 60.0  # protocol.md §6.1 step 3

# What step 1 found at the URL the admin entered.
APPLINKS = "APPLINKS"  # an application that speaks application links
MOVED = "MOVED"  # it answered with a redirect: offer the new URL
UNREACHABLE = "UNREACHABLE"  # nothing answered: a generic link is possible after confirmation
NOT_APPLINKS = "NOT_APPLINKS"  # something answered, but not a manifest: a generic link is possible


@dataclass(slots=True)
class RemoteCheck:
    """Step 1 of the wizard: what answers at ``url``."""

    url: str
    status: str
    manifest: Manifest | None = None
    suggested_url: str | None = None
    warning: str = ""
    kind: str = ""
    # The local link to this very application, when a two-way create is asked to finish it.
    existing: Link | None = None

    @property
    def display_url_differs(self) -> bool:
        return self.manifest is not None and self.manifest.url.rstrip("/") != self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "manifest": self.manifest.to_json() if self.manifest else None,
            "suggestedUrl": self.suggested_url,
            "warning": self.warning or None,
            "errorType": self.kind or None,
            "displayUrlDiffers": self.display_url_differs,
            "genericAllowed": self.status in (UNREACHABLE, NOT_APPLINKS),
        }


@dataclass(slots=True)
class CreateLinkRequest:
    """Everything the wizard's steps collect (REST body, CLI options)."""

    url: str
    name: str | None = None
    display_url: str | None = None
    type_id: str | None = None  # the admin's choice of type for a generic application
    is_primary: bool | None = None
    confirm_urls: bool = False  # the admin accepted a display URL that differs from the URL entered
    allow_generic: bool = False  # the admin accepted a generic link to an application that did not answer
    two_way: bool = False
    remote_username: str | None = None
    remote_password: str | None = None
    same_users: bool = False  # "the servers have the same set of users": OAuth with impersonation
    custom_rpc_url: str | None = None  # the URL by which the remote reaches us, when not our base URL
    trust_each_other: bool = False  # legacy Trusted Applications: never configured for new links
    expected_id: str | None = None  # the application ID the admin saw in step 1 (REST body ``id``)
    incoming_oauth: dict[str, Any] | None = None  # generic links only, protocol.md §6.2
    outgoing_oauth: dict[str, Any] | None = None
    oauth2: bool = False  # authenticate over OAuth 2.0 links (seed 003) instead of OAuth 1.0a


@dataclass(slots=True)
class SideReport:
    """What exists and is configured on one end after a create."""

    url: str
    link: str = "not created"  # created | updated | existing (kept as it was) | not created
    incoming: dict[str, bool] | None = None
    outgoing: dict[str, bool] | None = None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "link": self.link,
            "incoming": self.incoming,
            "outgoing": self.outgoing,
            "problems": list(self.problems),
        }


@dataclass(slots=True)
class CreateLinkResult:
    link: Link
    two_way: bool
    generic: bool
    local: SideReport
    remote: SideReport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def authentication_complete(self) -> bool:
        sides = [self.local] + ([self.remote] if self.remote else [])
        return self.two_way and all(s.incoming and s.outgoing and not s.problems for s in sides)

    def to_json(self) -> dict[str, Any]:
        return {
            "applicationLink": self.link.to_v2(),
            "twoWay": self.two_way,
            "generic": self.generic,
            "authenticationConfigured": self.authentication_complete,
            "local": self.local.to_json(),
            "remote": self.remote.to_json() if self.remote else None,
            "warnings": list(self.warnings),
        }


# Called between the reciprocal (remote) step and the local step; tests inject failures here.
StepHook = Callable[[str, Link], None]


def safe_display_url(manifest: Manifest, fallback: str) -> str:
    """The manifest's URL when it is a usable http(s) URL: a remote never gets to plant another scheme."""
    return remote_display_url(manifest, fallback)


def remote_name(manifest: Manifest, fallback: str) -> str:
    """A remote's own name made storable (it controls it): control characters dropped, shortened."""
    cleaned = "".join(c for c in manifest.name if c.isprintable()).strip()[:MAX_NAME].strip()
    return cleaned or fallback[:MAX_NAME]


def check_cloud_https(url: str) -> None:
    """Links to Atlassian cloud sites must use https (protocol.md §6.1 step 5)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if (host == "atlassian.net" or host.endswith(".atlassian.net")) and parts.scheme != "https":
        raise InvalidInput(
            f"links to Atlassian cloud sites must use https://: use https://{parts.netloc}{parts.path}",
            key="applinks.url.cloud_https",
        )


class WizardService:
    """Creates links as the wizard does, for the REST API, the CLI and the UI."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.hooks: dict[str, StepHook] = {}

    # -- step 1 --------------------------------------------------------------------------------------
    def check(self, url: str, *, finish_existing: bool = False) -> RemoteCheck:
        """Fetch and check the remote at ``url``: 400 blank/invalid, 409 self-link or existing link. With
        ``finish_existing`` (a two-way create), a local link to the very application answering at ``url`` is
        no conflict: it is returned in ``existing`` for the create to finish."""
        if not (url or "").strip():
            raise InvalidInput("enter the URL of the application to link to", key="applinks.url.blank")
        base = normalise_url(url)
        check_cloud_https(base)
        with self.instance.engine.connect() as conn:
            same_url = repo.find_by_rpc_url(conn, base)
        duplicate = (
            DuplicateLink(f"a link with the URL {base} already exists ({same_url.name!r})", link_id=same_url.id)
            if same_url is not None
            else None
        )
        if duplicate is not None and not finish_existing:
            raise duplicate
        found = self._check_remote(base, finish_existing)
        if duplicate is not None and (found.existing is None or same_url is None or found.existing.id != same_url.id):
            raise duplicate  # the URL is taken by a link to something else than what answers there now
        return found

    def _check_remote(self, base: str, finish_existing: bool) -> RemoteCheck:
        try:
            manifest = fetch_manifest(self.instance.outbound, base)
        except RemoteMoved as exc:
            suggested = self._absolute(base, exc.location)
            return RemoteCheck(
                base,
                MOVED,
                suggested_url=suggested,
                warning=f"the application at {base} has moved to {suggested}; link to that URL instead",
            )
        except AddressRefused:
            raise
        except RemoteUnreachable as exc:
            return RemoteCheck(
                base,
                UNREACHABLE,
                warning=f"no response from {base} ({exc.message}); you can still link to it as a generic "
                "application that does not speak application links",
                kind=exc.kind,
            )
        except (UnexpectedStatus, UnexpectedResponse) as exc:
            return RemoteCheck(
                base,
                NOT_APPLINKS,
                warning=f"{base} does not speak application links ({exc.message}); you can link to it as a "
                "generic application",
                kind="UNEXPECTED_RESPONSE",
            )
        if manifest.id == self.instance.application_id:
            raise SelfLink(f"{base} is this application: an application cannot link to itself")
        with self.instance.engine.connect() as conn:
            same_id = repo.get_link(conn, manifest.id)
        if same_id is not None and finish_existing:
            return RemoteCheck(base, APPLINKS, manifest=manifest, existing=same_id)
        if same_id is not None:
            raise DuplicateLink(
                f"a link to the application at {base} already exists ({same_id.name!r}, {same_id.rpc_url})",
                link_id=same_id.id,
            )
        return RemoteCheck(base, APPLINKS, manifest=manifest)

    @staticmethod
    def _absolute(base: str, location: str) -> str:
        return urljoin(base + "/", location).rstrip("/") if location else base

    # -- steps 2-4 -----------------------------------------------------------------------------------
    def create(self, request: CreateLinkRequest, *, actor: HostUser) -> CreateLinkResult:
        # A two-way create finishes a partial link (one-way, or a failure between steps) instead of a 409.
        check = self.check(request.url, finish_existing=request.two_way)
        if check.status == MOVED:
            raise RemoteMoved(check.warning, location=check.suggested_url or check.url)
        if check.status != APPLINKS:
            return self._create_generic(check, request, actor)
        assert check.manifest is not None
        link = self._review(check, check.manifest, request)
        if request.two_way:
            return self._create_two_way(check, link, request, actor)
        created = self.instance.links.create(link, actor=actor)
        local = SideReport(self.instance.base_url, link="created")
        if request.oauth2:
            steps = guide_one_way_oauth2(self.instance, created, actor, local)
            return CreateLinkResult(created, two_way=False, generic=False, local=local, warnings=steps)
        return CreateLinkResult(
            created,
            two_way=False,
            generic=False,
            local=local,
            warnings=[
                *self._trust_warning(request),
                "one-way link: no authentication is configured, only public data of the remote can be read; an "
                "administrator of the remote can complete it by creating a two-way link back",
            ],
        )

    def _review(self, check: RemoteCheck, manifest: Manifest, request: CreateLinkRequest) -> Link:
        """Step 2: name, type, application URL vs display URL (confirmation when they differ)."""
        if request.expected_id and request.expected_id != manifest.id:
            raise InvalidInput(
                f"the application at {check.url} has the ID {manifest.id}, not {request.expected_id}",
                key="applinks.id.mismatch",
            )
        display = normalise_url(request.display_url) if request.display_url else safe_display_url(manifest, check.url)
        if not request.display_url and check.display_url_differs and not request.confirm_urls:
            raise ConfirmationRequired(
                f"the application reports its URL as {manifest.url}, which differs from the URL you entered "
                f"({check.url}); {check.url} will be used for server-to-server calls and {manifest.url} for "
                "links shown to users. Confirm to continue",
                confirm="urls",
                applicationUrl=check.url,
                displayUrl=manifest.url,
            )
        types = self.instance.types
        return Link(
            id=manifest.id,
            type_id=manifest.type_id if manifest.type_id in types else "generic",
            name=request.name or remote_name(manifest, check.url),
            display_url=display,
            rpc_url=check.url,
            is_primary=bool(request.is_primary),
        )

    def _create_generic(self, check: RemoteCheck, request: CreateLinkRequest, actor: HostUser) -> CreateLinkResult:
        if not request.allow_generic:
            raise ConfirmationRequired(
                f"{check.warning}. Confirm to create a link to a generic application",
                confirm="generic",
                url=check.url,
                status=check.status,
            )
        if request.two_way:
            raise InvalidInput(
                f"{check.url} does not speak application links, so a two-way link cannot be made; create a "
                "one-way (generic) link and enter its OAuth details by hand",
                key="applinks.wizard.generic_two_way",
            )
        type_id = request.type_id or "generic"
        if type_id not in self.instance.types:
            raise InvalidInput(f"unknown application type {type_id!r}", key="applinks.type.unknown")
        link = Link(
            id=generic_application_id(check.url),
            type_id=type_id,
            name=(request.name or "").strip() or urlsplit(check.url).netloc,
            display_url=normalise_url(request.display_url) if request.display_url else check.url,
            rpc_url=check.url,
            is_primary=bool(request.is_primary),
        )
        from applinks.services.generic import configure_generic_oauth, validate_generic_oauth

        validate_generic_oauth(self.instance, link, request.incoming_oauth, request.outgoing_oauth)
        created = self.instance.links.create(link, actor=actor)
        local = SideReport(self.instance.base_url, link="created")
        configure_generic_oauth(self.instance, created, request.incoming_oauth, request.outgoing_oauth, actor, local)
        return CreateLinkResult(created, two_way=False, generic=True, local=local, warnings=[check.warning])

    # -- two-way -------------------------------------------------------------------------------------
    def _create_two_way(
        self, check: RemoteCheck, link: Link, request: CreateLinkRequest, actor: HostUser
    ) -> CreateLinkResult:
        username = (request.remote_username or "").strip()
        if not username or not request.remote_password:
            raise InvalidInput(
                "a two-way link needs the username and password of an administrator of the remote application",
                key="applinks.wizard.remote_credentials",
            )
        own_rpc = normalise_url(request.custom_rpc_url) if request.custom_rpc_url else self.instance.base_url
        self._check_remote_admin(check.url, username, request.remote_password)
        remote = SideReport(check.url)
        remote.link = self._put_reciprocal(check.url, own_rpc, username, request.remote_password, link.type_id)
        local = SideReport(self.instance.base_url)
        try:
            self._run_hook("after_remote_link", link)
            if check.existing is not None:
                created, local.link = check.existing, "existing"
            else:
                created = self.instance.links.create(link, actor=actor)
                local.link = "created"
        except AppLinksError as exc:
            raise PartialLinkCreation(
                f"the link to this application was {remote.link} on {check.url}, but the local link could not be "
                f"created: {exc.message}. Create the link again (the remote end is reused) or delete the link to "
                f"this application on {check.url}",
                remote={"url": check.url, "link": remote.link},
                local={"url": self.instance.base_url, "link": "not created"},
                cause=exc.key,
            ) from exc
        result = CreateLinkResult(
            created, two_way=True, generic=False, local=local, remote=remote, warnings=self._trust_warning(request)
        )
        if request.oauth2:
            configure_two_way_oauth2(self.instance, result, request, actor)
            return result
        from applinks.services.auth_levels import configure_two_way

        configure_two_way(self.instance, result, request, actor, own_rpc)
        return result

    def _run_hook(self, name: str, link: Link) -> None:
        hook = self.hooks.get(name)
        if hook is not None:
            hook(name, link)

    def _check_remote_admin(self, url: str, username: str, password: str) -> None:
        """``GET <remote>/rest/applinks/1.0/authenticationinfo`` with Basic: 200 iff an administrator."""
        response = self.instance.outbound.request(
            "GET",
            url + AUTHENTICATION_INFO,
            headers={**basic_headers(username, password), "Accept": "application/json"},
        )
        if response.status_code == 200:
            return
        if response.status_code in (401, 403):
            raise RemoteCredentialsRefused(
                f"{url} did not accept {username!r} as an administrator (wrong username or password, or not an "
                "administrator there); nothing was created",
                status_code=response.status_code,
            )
        raise UnexpectedStatus(
            f"{url + AUTHENTICATION_INFO} answered HTTP {response.status_code}: {remote_message(response)}; "
            "nothing was created",
            status_code=response.status_code,
        )

    def _put_reciprocal(self, url: str, own_rpc: str, username: str, password: str, remote_type: str) -> str:
        """The remote's link to us, made first: ``created`` or ``updated`` (when the remote already had one).
        An Atlassian product takes it as Atlassian's wizard sends it: ``PUT 1.0`` with an ``<applicationLink>``
        XML body (it has no ``PUT`` on 2.0, protocol.md §10); an applinks peer at 2.0 with JSON."""
        settings = self.instance.settings
        body: dict[str, Any] = {
            "id": self.instance.application_id,
            "name": settings.name,
            "displayUrl": self.instance.base_url,
            "rpcUrl": own_rpc,
            "isPrimary": False,
            "isSystem": False,
        }
        atlassian = is_atlassian(remote_type)
        # A type the remote may not know is left out: it reads our type from our manifest instead. Atlassian
        # requires the type (and refuses one it has not installed: embedding hosts present refapp).
        if atlassian or any(t.type_id == settings.application_type for t in BUILTIN_TYPES):
            body["typeId"] = settings.application_type
        version, media_type = ("1.0", "application/xml") if atlassian else ("2.0", "application/json")
        content = to_xml("applicationLink", body) if atlassian else json.dumps(body).encode()
        response = self.instance.outbound.request(
            "PUT",
            f"{url}/rest/applinks/{version}/applicationlink/{self.instance.application_id}",
            headers={
                **basic_headers(username, password),
                "Content-Type": media_type,
                "Accept": media_type,
                "X-Atlassian-Token": "no-check",
            },
            content=content,
            timeout=RECIPROCAL_TIMEOUT,
        )
        if response.status_code == 201:
            return "created"
        if response.status_code == 200:
            return "updated"
        if response.status_code in (401, 403):
            raise RemoteCredentialsRefused(
                f"{url} refused to create its link to this application (HTTP {response.status_code}): "
                f"{remote_message(response)}; nothing was created",
                status_code=response.status_code,
            )
        raise RemoteError(
            f"{url} could not create its link to this application (HTTP {response.status_code}): "
            f"{remote_message(response)}. If it reaches this application by another URL than {own_rpc}, give that "
            "URL as the custom RPC URL. Nothing was created",
            key="applinks.wizard.reciprocal_failed",
            status_code=response.status_code,
        )

    @staticmethod
    def _trust_warning(request: CreateLinkRequest) -> list[str]:
        if not request.trust_each_other:
            return []
        return [
            "Trusted Applications are legacy and never configured for new links; the servers trust each other "
            "through OAuth with impersonation when they have the same set of users"
        ]


def wizard_of(instance: Instance) -> WizardService:
    """The instance's wizard (created on first use)."""
    found = instance.extensions.get("wizard")
    if not isinstance(found, WizardService):
        found = WizardService(instance)
        instance.extensions["wizard"] = found
    return found


# -- ``make demo`` ---------------------------------------------------------------------------------------
DEMO_USER = "alice"
WHOAMI = "/plugins/servlet/applinks/whoami"


def link_and_call(
    local: Instance, remote_url: str, remote_admin: tuple[str, str], *, actor: HostUser, user: str = DEMO_USER
) -> tuple[CreateLinkResult | None, str]:
    """Link ``local`` two-way to ``remote_url`` with "the same set of users" (OAuth with impersonation), unless
    it is linked already, then call the remote's whoami as ``user`` by impersonation. Returns the create
    result (None when the link existed) and the name the remote saw."""
    manifest = fetch_manifest(local.outbound, remote_url)
    result = None
    if not local.links.exists(manifest.id):
        request = CreateLinkRequest(
            url=remote_url,
            two_way=True,
            remote_username=remote_admin[0],
            remote_password=remote_admin[1],
            same_users=True,
        )
        result = wizard_of(local).create(request, actor=actor)
        if not result.authentication_complete:
            problems = "; ".join(result.local.problems + (result.remote.problems if result.remote else []))
            raise AppLinksError(f"the link was made but its authentication was not: {problems}", key="applinks.demo")
    link = local.links.get(manifest.id)
    if link.rpc_url != normalise_url(remote_url):
        # The demo found a new port for the remote since the link was made: follow it (same application).
        from applinks.services.lifecycle import lifecycle_of

        link = lifecycle_of(local).relocate(link.id, remote_url, actor=actor).link
    answer = local.outgoing.request_factory(link, user).get(WHOAMI)
    if answer.status_code != 200:
        raise AppLinksError(f"{link.name} answered HTTP {answer.status_code} to a call as {user}", key="applinks.demo")
    return result, answer.text


def demo_link(demo: Demo) -> None:
    """The ``make demo`` step of this area (insert it before ``report`` in ``applinks.demo.STEPS``): Wiki links
    to Tracker two-way through the wizard, "same set of users" → OAuth with impersonation, and calls Tracker
    as the demo user by impersonation. ``alice`` is created on both instances (one password, kept in
    ``<demo data>/alice.json``)."""
    import os
    import secrets
    from json import dumps, loads

    from applinks.refapp.users import UserStore
    from applinks.settings import Settings

    tracker, wiki = demo.node("Tracker"), demo.node("Wiki")
    secret_file = demo.root / f"{DEMO_USER}.json"
    if secret_file.exists():
        password = str(loads(secret_file.read_text())["password"])
    else:
        password = secrets.token_urlsafe(9)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(dumps({"password": password}))
    instances: list[Instance] = []
    try:
        from applinks.instance import Instance as InstanceClass

        for node in (tracker, wiki):
            settings = Settings(
                data_dir=node.data_dir, base_url=node.url, name=node.name, application_type=node.app_type
            )
            instance = InstanceClass(settings)
            instances.append(instance)
            users = UserStore(instance.engine, node.url)
            instance.host = users
            if users.get_user(DEMO_USER) is None:
                users.add(DEMO_USER, password, full_name="Alice (on both instances)")
        local = instances[1]
        assert local.host is not None
        actor = local.host.get_user("admin")
        if actor is None:
            raise AppLinksError("the Wiki demo instance has no admin user", key="applinks.demo")
        result, seen = link_and_call(local, tracker.url, ("admin", tracker.password), actor=actor)
    finally:
        for instance in instances:
            instance.close()
    notes = demo.extras.setdefault("notes", [])
    made = "linked two-way just now" if result is not None else "already linked two-way"
    notes.append(f"Wiki and Tracker are {made}: OAuth with impersonation (the servers have the same set of users)")
    notes.append(f"Wiki called Tracker's whoami as {DEMO_USER} by impersonation; Tracker answered {seen!r}")
    notes.append(f"{DEMO_USER} exists on both; password {password}")
