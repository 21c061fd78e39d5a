"""``WizardService``: the create-link wizard (protocol.md §6.1-6.2) — check the remote, review, then a one-way,
two-way or generic link (over OAuth 1.0a, or OAuth 2.0 links)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import Engine

from applinks.discovery.manifest import fetch_manifest
from applinks.discovery.xml import to_xml
from applinks.domain.link import Link
from applinks.domain.manifest import Manifest
from applinks.domain.types import BUILTIN_TYPES, TypeRegistry, is_atlassian
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
from applinks.services.registry import MAX_NAME, LinkService, check_cloud_https, normalise_url, remote_display_url
from applinks.services.remote import basic_headers, remote_message
from applinks.services.wizard.generic import GenericAuth, validate_generic_oauth
from applinks.services.wizard.model import (
    APPLINKS,
    MOVED,
    NOT_APPLINKS,
    UNREACHABLE,
    CreateLinkRequest,
    CreateLinkResult,
    RemoteCheck,
    SideReport,
)
from applinks.services.wizard.oauth2 import OAuth2Links
from applinks.services.wizard.two_way import TwoWayAuth
from applinks.settings import Settings
from applinks.storage import links as repo
from applinks.transport.client import OutboundClient

AUTHENTICATION_INFO = "/rest/applinks/1.0/authenticationinfo"
RECIPROCAL_TIMEOUT = 60.0  # protocol.md §6.1 step 3

# Called between the reciprocal (remote) step and the local step; tests inject failures here.
StepHook = Callable[[str, Link], None]


def remote_name(manifest: Manifest, fallback: str) -> str:
    """A remote's own name made storable (it controls it): control characters dropped, shortened."""
    cleaned = "".join(c for c in manifest.name if c.isprintable()).strip()[:MAX_NAME].strip()
    return cleaned or fallback[:MAX_NAME]


class WizardService:
    """Creates links as the wizard does, for the REST API, the CLI and the UI."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        application_id: str,
        types: TypeRegistry,
        outbound: OutboundClient,
        links: LinkService,
        two_way: TwoWayAuth,
        generic: GenericAuth,
        oauth2: OAuth2Links,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.application_id = application_id
        self.base_url = settings.base_url
        self.types = types
        self.outbound = outbound
        self.links = links
        self.two_way = two_way
        self.generic = generic
        self.oauth2 = oauth2
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
        with self.engine.connect() as conn:
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
            manifest = fetch_manifest(self.outbound, base)
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
        if manifest.id == self.application_id:
            raise SelfLink(f"{base} is this application: an application cannot link to itself")
        with self.engine.connect() as conn:
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
        created = self.links.create(link, actor=actor)
        local = SideReport(self.base_url, link="created")
        if request.oauth2:
            steps = self.oauth2.guide_one_way(created, actor, local)
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
        display = normalise_url(request.display_url) if request.display_url else remote_display_url(manifest, check.url)
        if not request.display_url and check.display_url_differs and not request.confirm_urls:
            raise ConfirmationRequired(
                f"the application reports its URL as {manifest.url}, which differs from the URL you entered "
                f"({check.url}); {check.url} will be used for server-to-server calls and {manifest.url} for "
                "links shown to users. Confirm to continue",
                confirm="urls",
                applicationUrl=check.url,
                displayUrl=manifest.url,
            )
        types = self.types
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
        if type_id not in self.types:
            raise InvalidInput(f"unknown application type {type_id!r}", key="applinks.type.unknown")
        link = Link(
            id=generic_application_id(check.url),
            type_id=type_id,
            name=(request.name or "").strip() or urlsplit(check.url).netloc,
            display_url=normalise_url(request.display_url) if request.display_url else check.url,
            rpc_url=check.url,
            is_primary=bool(request.is_primary),
        )
        validate_generic_oauth(request.incoming_oauth, request.outgoing_oauth)
        created = self.links.create(link, actor=actor)
        local = SideReport(self.base_url, link="created")
        self.generic.configure(created, request.incoming_oauth, request.outgoing_oauth, actor, local)
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
        own_rpc = normalise_url(request.custom_rpc_url) if request.custom_rpc_url else self.base_url
        self._check_remote_admin(check.url, username, request.remote_password)
        remote = SideReport(check.url)
        remote.link = self._put_reciprocal(check.url, own_rpc, username, request.remote_password, link.type_id)
        local = SideReport(self.base_url)
        try:
            self._run_hook("after_remote_link", link)
            if check.existing is not None:
                created, local.link = check.existing, "existing"
            else:
                created = self.links.create(link, actor=actor)
                local.link = "created"
        except AppLinksError as exc:
            raise PartialLinkCreation(
                f"the link to this application was {remote.link} on {check.url}, but the local link could not be "
                f"created: {exc.message}. Create the link again (the remote end is reused) or delete the link to "
                f"this application on {check.url}",
                remote={"url": check.url, "link": remote.link},
                local={"url": self.base_url, "link": "not created"},
                cause=exc.key,
            ) from exc
        result = CreateLinkResult(
            created, two_way=True, generic=False, local=local, remote=remote, warnings=self._trust_warning(request)
        )
        if request.oauth2:
            self.oauth2.configure_two_way(result, request, actor)
            return result
        self.two_way.configure(result, request, actor)
        return result

    def _run_hook(self, name: str, link: Link) -> None:
        hook = self.hooks.get(name)
        if hook is not None:
            hook(name, link)

    def _check_remote_admin(self, url: str, username: str, password: str) -> None:
        """``GET <remote>/rest/applinks/1.0/authenticationinfo`` with Basic: 200 iff an administrator."""
        response = self.outbound.request(
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
        settings = self.settings
        body: dict[str, Any] = {
            "id": self.application_id,
            "name": settings.name,
            "displayUrl": self.base_url,
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
        response = self.outbound.request(
            "PUT",
            f"{url}/rest/applinks/{version}/applicationlink/{self.application_id}",
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
