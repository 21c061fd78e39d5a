"""The life of an existing link (protocol.md §6.3-6.4): relocate, "moved" detection, edit, delete both ends."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import ConsumerSettings, OAuthLevel
from applinks.discovery.manifest import fetch_manifest
from applinks.domain.link import Link, check_may_change
from applinks.domain.manifest import Manifest
from applinks.domain.types import TypeRegistry, is_atlassian
from applinks.errors import (
    AddressRefused,
    AppLinksError,
    CredentialsRequired,
    DifferentApplication,
    DuplicateLink,
    InvalidInput,
    LinkNotFound,
    PermissionDenied,
    RelocateUnreachable,
    RemoteDeleteFailed,
    RemoteError,
    RemoteMoved,
    SelfLink,
)
from applinks.host import HostUser
from applinks.outbound.service import OutgoingAuth
from applinks.services.calls import request_as
from applinks.services.registry import LinkService, LinkUpdate, check_cloud_https, normalise_url, remote_display_url
from applinks.services.remote import basic_headers, put_json, remote_message
from applinks.storage import links as repo
from applinks.transport.client import OutboundClient

MOVED_PROPERTY = "moved"
LINK_PATH = "/rest/applinks/2.0/applicationlink/"
# Atlassian products take the reciprocal delete at 1.0 (their ApplicationLinkClient's path, protocol.md §10).
ATLASSIAN_LINK_PATH = "/rest/applinks/1.0/applicationlink/"
STATUS_OAUTH_PATH = "/rest/applinks/3.0/status/{id}/oauth"
# Names an admin uses (CLI, REST) for the three authentication levels of a direction (protocol.md §5.3).
LEVELS = ("disabled", "oauth", "impersonation")


@dataclass(slots=True)
class RelocateResult:
    link: Link
    probed: bool  # the new URL answered with a manifest
    application_changed: bool = False  # forced onto a different application: its credentials were dropped
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "applicationLink": self.link.to_v2(),
            "probed": self.probed,
            "applicationChanged": self.application_changed,
            "warnings": list(self.warnings),
        }


@dataclass(slots=True)
class MovedState:
    """Whether a link's remote seems to have moved, and where to."""

    link_id: str
    moved: bool
    reason: str = ""
    suggested_url: str | None = None
    checked_at: str = ""
    name: str = ""
    # Why the probe got no answer (the remote is down, say): whether it moved is then not known.
    unreachable: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "linkId": self.link_id,
            "name": self.name or None,
            "moved": self.moved,
            "reason": self.reason or None,
            "suggestedUrl": self.suggested_url,
            "checkedAt": self.checked_at or None,
            "unreachable": self.unreachable,
        }


@dataclass(slots=True)
class DeleteResult:
    link: Link
    remote: str  # deleted | absent | not deleted | not asked
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"applicationLink": self.link.to_v2(), "remote": self.remote, "message": self.message}


def parse_level(name: str) -> str:
    value = (name or "").strip().lower().replace("-", "_")
    aliases = {"off": "disabled", "none": "disabled", "oauth_impersonation": "impersonation"}
    value = aliases.get(value, value)
    if value not in LEVELS:
        raise InvalidInput(
            f"{name!r} is not an authentication level; use one of {', '.join(LEVELS)}", key="applinks.level.unknown"
        )
    return value


def level_name(flags: dict[str, Any] | None) -> str:
    """The admin's name for a direction's flags: disabled, oauth, impersonation (or 3lo-only, deprecated)."""
    if not flags or not flags.get("enabled"):
        return "disabled"
    if flags.get("twoLoImpersonationEnabled"):
        return "impersonation"
    return "oauth" if flags.get("twoLoEnabled") else "3lo-only"


def _level_json(name: str) -> dict[str, bool]:
    on = name != "disabled"
    return {"enabled": on, "twoLoEnabled": on, "twoLoImpersonationEnabled": name == "impersonation"}


def _flags(data: object) -> dict[str, bool] | None:
    if not isinstance(data, dict):
        return None
    return {k: bool(data.get(k)) for k in ("enabled", "twoLoEnabled", "twoLoImpersonationEnabled")}


@dataclass(frozen=True, slots=True)
class EndLevels:
    """The levels one end of a link has after an edit."""

    url: str
    incoming: dict[str, bool] | None
    outgoing: dict[str, bool] | None


def level_of(name: str) -> OAuthLevel:
    """The incoming consumer flags of a level name."""
    on = name != "disabled"
    return OAuthLevel(on, on, name == "impersonation")


def moved_state(link: Link) -> MovedState:
    """The last "moved" finding stored on a link."""
    found = link.properties.get(MOVED_PROPERTY)
    if not isinstance(found, dict):
        return MovedState(link.id, moved=False, name=link.name)
    return MovedState(
        link.id,
        name=link.name,
        moved=True,
        reason=str(found.get("reason") or ""),
        suggested_url=found.get("suggestedUrl") or None,
        checked_at=str(found.get("checkedAt") or ""),
    )


class LifecycleService:
    """Relocate, detect moved remotes, edit and delete links; each local change is one transaction."""

    def __init__(
        self,
        engine: Engine,
        types: TypeRegistry,
        outbound: OutboundClient,
        links: LinkService,
        application_id: str,
        consumers: ConsumerService,
        outgoing: OutgoingAuth,
        *,
        base_url: str,
    ) -> None:
        self.engine = engine
        self.base_url = base_url
        self.types = types
        self.outbound = outbound
        self.links = links
        self.application_id = application_id
        self.consumers = consumers
        self.outgoing = outgoing

    # -- relocate (§6.3) -----------------------------------------------------------------------------
    def relocate(
        self, link_id: str, new_url: str, *, actor: HostUser, nowarning: bool = False, force: bool = False
    ) -> RelocateResult:
        """Point a link at ``new_url``. Unreachable → 409 unless ``nowarning``; another type → 400;
        another application ID → 409 unless ``force`` (its credentials and entity links are then dropped)."""
        link = self.links.get(link_id)
        check_may_change(link, actor)
        target = normalise_url(new_url)
        check_cloud_https(target)
        try:
            manifest: Manifest | None = fetch_manifest(self.outbound, target)
        except AddressRefused:
            raise
        except RemoteError as exc:
            if not nowarning:
                raise RelocateUnreachable(
                    f"no application answers at {target} ({exc.message}); relocate anyway to make {target} the "
                    "link's URLs without checking (nowarning=true, or --force on the command line)",
                    url=target,
                    cause=exc.key,
                ) from exc
            manifest = None
        if manifest is None:
            moved = replace(link, rpc_url=target, display_url=target)
            return RelocateResult(self._store_relocated(link, moved), probed=False, warnings=["not checked"])
        types = self.types
        found_type = manifest.type_id if manifest.type_id in types else "generic"
        if found_type != link.type_id:
            raise InvalidInput(
                f"the application at {target} is of type {manifest.type_id!r}, not {link.type_id!r}; a link "
                "cannot change its application type",
                key="applinks.relocate.type",
            )
        display = remote_display_url(manifest, target)
        if manifest.id == link.id:
            moved = replace(link, rpc_url=target, display_url=display)
            return RelocateResult(self._store_relocated(link, moved), probed=True)
        if manifest.id == self.application_id:
            raise SelfLink(f"{target} is this application: a link cannot point at itself")
        if not force:
            raise DifferentApplication(
                f"a different application ({manifest.name!r}, ID {manifest.id}) answers at {target}, not the one "
                f"this link was made for (ID {link.id}); its tokens and consumers would not be valid there. "
                "Create a new link instead, or force the relocation",
                url=target,
                found_id=manifest.id,
            )
        rekeyed = replace(link, id=manifest.id, rpc_url=target, display_url=display, properties={})
        stored = self._rekey(link, rekeyed)
        return RelocateResult(
            stored,
            probed=True,
            application_changed=True,
            warnings=[
                f"the link now points at a different application (ID {manifest.id}); its authentication, tokens "
                "and entity links were removed: configure authentication again"
            ],
        )

    def _store_relocated(self, old: Link, moved: Link) -> Link:
        moved.properties = {k: v for k, v in moved.properties.items() if k != MOVED_PROPERTY}
        try:
            with self.engine.begin() as conn:
                repo.lock_links(conn)
                self._check_free_url(conn, moved.rpc_url, old.id)
                if repo.get_link(conn, old.id) is None:
                    raise LinkNotFound(f"no application link with ID {old.id!r}", link_id=old.id)
                repo.update_link(conn, moved)
        except IntegrityError as exc:
            raise DuplicateLink(f"another link already uses the URL {moved.rpc_url}") from exc
        return moved

    def _rekey(self, old: Link, new: Link) -> Link:
        """Replace the link by one for another application, in one transaction: the old one's dependent rows
        (consumers, tokens, entity links) go with it through the delete hooks and foreign keys."""
        try:
            with self.engine.begin() as conn:
                repo.lock_links(conn)
                self._check_free_url(conn, new.rpc_url, old.id)
                existing = repo.get_link(conn, new.id)
                if existing is not None:
                    raise DuplicateLink(
                        f"a link to the application at {new.rpc_url} already exists ({existing.name!r})",
                        link_id=existing.id,
                    )
                for hook in self.links.delete_hooks:
                    hook(conn, old)
                repo.delete_link(conn, old.id)
                repo.insert_link(conn, new)
        except IntegrityError as exc:
            raise DuplicateLink(f"the link could not be moved to {new.rpc_url}: it changed meanwhile") from exc
        return new

    @staticmethod
    def _check_free_url(conn: Connection, rpc_url: str, own_id: str) -> None:
        other = repo.find_by_rpc_url(conn, rpc_url)
        if other is not None and other.id != own_id:
            raise DuplicateLink(f"another link already uses the URL {rpc_url} ({other.name!r})", link_id=other.id)

    # -- moved detection -----------------------------------------------------------------------------
    def detect_moved(self, link_id: str) -> MovedState:
        """Probe the link's RPC URL: a redirect, or a different application answering there, flags the link
        "moved" (with the suggested URL when there is one); the right application answering clears the flag.
        Other failures leave the flag as it was (a remote that is down has not moved)."""
        link = self.links.get(link_id)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        finding: dict[str, Any] | None
        try:
            manifest = fetch_manifest(self.outbound, link.rpc_url)
        except RemoteMoved as exc:
            suggested = urljoin(link.rpc_url + "/", exc.location).rstrip("/") if exc.location else None
            finding = {
                "reason": f"{link.rpc_url} redirects to {suggested}",
                "suggestedUrl": suggested,
                "checkedAt": now,
            }
        except AppLinksError as exc:
            state = moved_state(link)
            state.unreachable = exc.message
            return state
        else:
            if manifest.id == link.id:
                finding = None
            else:
                finding = {
                    "reason": f"a different application ({manifest.name!r}, ID {manifest.id}) now answers at "
                    f"{link.rpc_url}",
                    "suggestedUrl": None,
                    "checkedAt": now,
                }
        with self.engine.begin() as conn:
            current = repo.get_link(conn, link.id)
            if current is None:
                raise LinkNotFound(f"no application link with ID {link.id!r}", link_id=link.id)
            properties = {k: v for k, v in current.properties.items() if k != MOVED_PROPERTY}
            if finding is not None:
                properties[MOVED_PROPERTY] = finding
            current.properties = properties
            repo.update_link(conn, current)
        if finding is None:
            return MovedState(link.id, moved=False, checked_at=now, name=link.name)
        return moved_state(current)

    # -- edit ----------------------------------------------------------------------------------------
    def edit(
        self,
        link_id: str,
        *,
        actor: HostUser,
        name: str | None = None,
        display_url: str | None = None,
        primary: bool | None = None,
        incoming: str | None = None,
        outgoing: str | None = None,
    ) -> Link:
        """Name, display URL, primary, and the incoming / outgoing authentication level of a link."""
        if primary is False:
            raise InvalidInput(
                "a link stops being primary when another link of its type is made primary",
                key="applinks.primary.unset",
            )
        link = self.links.get(link_id)
        if name is not None or display_url is not None or primary:
            link = self.links.update(
                link_id, LinkUpdate(name=name, display_url=display_url, is_primary=primary or None), actor=actor
            )
        if incoming is not None or outgoing is not None:
            check_may_change(link, actor)
            self.set_levels(
                link,
                incoming=parse_level(incoming) if incoming is not None else None,
                outgoing=parse_level(outgoing) if outgoing is not None else None,
                actor=actor,
            )
        return self.links.get(link_id)

    def set_levels(self, link: Link, *, incoming: str | None, outgoing: str | None, actor: HostUser) -> None:
        """Set this end's incoming and/or outgoing level (impersonation needs a system administrator). Enabling
        incoming OAuth on a link without a consumer fetches the remote's consumer-info."""
        if incoming is not None:
            self.consumers.set_level(link.id, level_of(incoming), actor=actor)
        if outgoing is not None:
            self.outgoing.set_level(link, outgoing, actor)

    def levels(self, link: Link) -> tuple[dict[str, bool], dict[str, bool]]:
        """(incoming, outgoing) of this end, as ``{enabled, twoLoEnabled, twoLoImpersonationEnabled}``."""
        return self.consumers.level(link.id).to_json(), self.outgoing.level(link)

    def set_levels_both_ends(
        self,
        link: Link,
        *,
        incoming: str,
        outgoing: str,
        actor: HostUser,
        remote_admin: tuple[str, str] | None,
    ) -> tuple[EndLevels, EndLevels | None]:
        """Edit a link's levels here and, given a remote administrator's credentials, the mirror levels there
        (our incoming is its outgoing). The remote goes first so that a refusal there changes nothing here."""
        incoming, outgoing = parse_level(incoming), parse_level(outgoing)
        remote: EndLevels | None = None
        if remote_admin is not None:
            body = {"incoming": _level_json(outgoing), "outgoing": _level_json(incoming)}
            path = STATUS_OAUTH_PATH.format(id=self.application_id)
            answer = put_json(self.outbound, link.rpc_url, basic_headers(*remote_admin), path, body)
            remote = EndLevels(link.rpc_url, _flags(answer.get("incoming")), _flags(answer.get("outgoing")))
        self.set_levels(link, incoming=incoming, outgoing=outgoing, actor=actor)
        local_in, local_out = self.levels(link)
        return EndLevels(self.base_url, local_in, local_out), remote

    def set_executing_user(self, link: Link, name: str | None, *, actor: HostUser) -> str | None:
        """The local user that 2-legged requests from the link's application run as (None: 2-legged requests
        run as nobody, only public data); every other consumer setting stays as it is."""
        consumer = self.consumers.for_link(link.id)
        if consumer is None:
            raise InvalidInput(
                f"{link.name} has no incoming OAuth consumer here: enable incoming authentication first",
                key="applinks.oauth.consumer.missing",
            )
        wanted = ConsumerSettings(
            key=consumer.key,
            name=consumer.name,
            description=consumer.description or None,
            signature_method=consumer.signature_method,
            public_key=consumer.public_key,
            shared_secret=consumer.shared_secret,
            callback=consumer.callback,
            three_lo_allowed=consumer.three_lo_allowed,
            two_lo_allowed=consumer.two_lo_allowed,
            executing_two_lo_user=(name or "").strip() or None,
            two_lo_impersonation_allowed=consumer.two_lo_impersonation_allowed,
        )
        changed, _created = self.consumers.set(link.id, wanted, actor=actor)
        return changed.executing_two_lo_user

    # -- delete (§6.4) -------------------------------------------------------------------------------
    def delete(
        self,
        link_id: str,
        *,
        actor: HostUser,
        both_ends: bool = False,
        local_if_remote_fails: bool = False,
        caller: HostUser | None = None,
    ) -> DeleteResult:
        """Delete the local end, or both ends: the remote end first, through the link's authenticated
        request factory as ``caller`` (default ``actor``, the current user). Credentials required → 401 with
        the authorisation URI, nothing deleted; another failure → ``RemoteDeleteFailed``, nothing deleted,
        unless ``local_if_remote_fails`` (then the local end goes and the message says to remove the other)."""
        link = self.links.get(link_id)
        check_may_change(link, actor)
        if not both_ends:
            self.links.delete(link_id, actor=actor)
            return DeleteResult(link, "not asked", f"deleted the link to {link.name}; its remote end was not changed")
        remote, failure = self._delete_remote_end(link, caller or actor)
        if failure is not None:
            by_hand = (
                f"remove the link to this application on {link.name} ({link.display_url}) by hand, as an "
                "administrator there"
            )
            if not local_if_remote_fails:
                raise RemoteDeleteFailed(
                    f"the remote end of the link to {link.name} could not be deleted: {failure}. Nothing was "
                    f"deleted. To delete only this end, delete again without reciprocation and then {by_hand}",
                    link_id=link.id,
                    remote_url=link.rpc_url,
                )
            self.links.delete(link_id, actor=actor)
            return DeleteResult(
                link,
                "not deleted",
                f"deleted the link to {link.name} here, but its remote end could not be deleted ({failure}): {by_hand}",
            )
        self.links.delete(link_id, actor=actor)
        said = "deleted on both ends" if remote == "deleted" else "deleted here; the remote had no link back to us"
        return DeleteResult(link, remote, f"link to {link.name} {said}")

    def _delete_remote_end(self, link: Link, actor: HostUser) -> tuple[str, str | None]:
        """``DELETE <remote>/rest/applinks/2.0/applicationlink/<ourId>?reciprocate=false`` as ``actor`` (1.0 for an
        Atlassian product)."""
        base = ATLASSIAN_LINK_PATH if is_atlassian(link.type_id) else LINK_PATH
        path = f"{base}{self.application_id}?reciprocate=false"
        try:
            response = request_as(self.outgoing, link, actor, "DELETE", path)
        except CredentialsRequired as exc:
            exc.message = (
                f"authenticate with {link.name} first (follow the authorisation URI), then delete both ends again; "
                "nothing was deleted"
            )
            exc.args = (exc.message,)
            raise
        except AppLinksError as exc:
            return "not deleted", exc.message
        if response.status_code in (200, 204):
            return "deleted", None
        if response.status_code == 404:
            return "absent", None
        return "not deleted", f"{link.rpc_url} answered HTTP {response.status_code}: {remote_message(response)}"

    def delete_both_ends(self, link_id: str, user: HostUser, *, impersonated: bool) -> DeleteResult:
        """``DELETE …/applicationlink/{id}?reciprocate=true``: only an administrator acting for themself may
        start it (a request arriving by impersonation may delete its own link, never reach further)."""
        if impersonated:
            raise PermissionDenied(
                "requests made by impersonation cannot delete the remote end of a link", key="applinks.impersonation"
            )
        return self.delete(link_id, actor=user, both_ends=True)
