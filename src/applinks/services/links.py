"""The link registry: every rule of protocol.md §4 (names, primaries, system links, immutable RPC URL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from applinks.discovery.manifest import fetch_manifest
from applinks.domain.links import Link
from applinks.domain.manifest import Manifest
from applinks.domain.types import TypeRegistry
from applinks.errors import (
    DuplicateLink,
    InvalidInput,
    LinkNotFound,
    NameTaken,
    PermissionDenied,
    RemoteError,
    SelfLink,
)
from applinks.host import HostUser
from applinks.outbound.transport import OutboundClient, check_url
from applinks.storage import links as repo

# Called inside the deleting transaction so that dependent rows (consumers, tokens, entity links) go too.
DeleteHook = Callable[[Connection, Link], None]


def normalise_url(url: str) -> str:
    """A link URL as stored: trimmed, checked (http(s), host, no user info), without trailing slash."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("the URL is blank", key="applinks.url.blank")
    check_url(url)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise InvalidInput(f"{url!r} must not carry a query or fragment", key="applinks.url.invalid")
    return url.rstrip("/")


def next_free_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted - 2``, ``wanted - 3``, ... — the first that is not taken."""
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted} - {n}" in taken:
        n += 1
    return f"{wanted} - {n}"


@dataclass(frozen=True, slots=True)
class LinkUpdate:
    name: str | None = None
    display_url: str | None = None
    rpc_url: str | None = None
    type_id: str | None = None
    is_primary: bool | None = None


class LinkService:
    """Reads and writes links; each change is one transaction."""

    def __init__(
        self,
        engine: Engine,
        types: TypeRegistry,
        outbound: OutboundClient,
        own_application_id: Callable[[], str],
    ) -> None:
        self.engine = engine
        self.types = types
        self.outbound = outbound
        self._own_id = own_application_id
        self.delete_hooks: list[DeleteHook] = []

    # -- reads ---------------------------------------------------------------------------------------
    def list(self, type_id: str | None = None) -> list[Link]:
        with self.engine.connect() as conn:
            return repo.list_links(conn, type_id)

    def get(self, link_id: str) -> Link:
        with self.engine.connect() as conn:
            link = repo.get_link(conn, link_id)
        if link is None:
            raise LinkNotFound(f"no application link with ID {link_id}", link_id=link_id)
        return link

    def primary(self, type_id: str) -> Link:
        with self.engine.connect() as conn:
            link = repo.primary_of(conn, type_id)
        if link is None:
            raise LinkNotFound(f"no primary application link of type {type_id!r}", type_id=type_id)
        return link

    # -- discovery -----------------------------------------------------------------------------------
    def fetch_remote(self, url: str) -> Manifest:
        """The manifest at ``url``; a clear 400 for anything but a manifest."""
        base = normalise_url(url)
        try:
            return fetch_manifest(self.outbound, base)
        except RemoteError as exc:
            exc.message = f"cannot link to {base}: {exc.message}"
            exc.args = (exc.message,)
            raise

    # -- writes --------------------------------------------------------------------------------------
    def add_from_url(
        self, url: str, *, actor: HostUser, name: str | None = None, display_url: str | None = None
    ) -> Link:
        """Add a link to the application at ``url``: its manifest says its ID, name and type."""
        rpc_url = normalise_url(url)
        manifest = self.fetch_remote(rpc_url)
        link = Link(
            id=manifest.id,
            type_id=manifest.type_id if manifest.type_id in self.types else "generic",
            name=(name or manifest.name).strip() or rpc_url,
            display_url=normalise_url(display_url) if display_url else manifest.url or rpc_url,
            rpc_url=rpc_url,
        )
        return self.create(link, actor=actor)

    def create(self, link: Link, *, actor: HostUser) -> Link:
        """Store a new link (name de-duplicated, first of its type primary). 409 on a duplicate."""
        if link.is_system and not actor.is_sysadmin:
            raise PermissionDenied("only a system administrator can create a system link")
        if link.id == self._own_id():
            raise SelfLink("that is this application: an application cannot link to itself")
        if link.type_id not in self.types:
            raise InvalidInput(f"unknown application type {link.type_id!r}", key="applinks.type.unknown")
        link = replace(link, rpc_url=normalise_url(link.rpc_url), display_url=normalise_url(link.display_url))
        name = link.name.strip()
        if not name:
            raise InvalidInput("the link name is blank", key="applinks.name.blank")
        for _attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    self._check_duplicate(conn, link)
                    stored = replace(link, name=next_free_name(name, repo.names(conn)))
                    if link.is_primary:
                        repo.clear_primary(conn, link.type_id)
                    elif repo.primary_of(conn, link.type_id) is None:
                        stored.is_primary = True
                    repo.insert_link(conn, stored)
                    return stored
            except IntegrityError:
                # A concurrent create won a race on id, rpc_url, name or primary: re-check and retry.
                with self.engine.connect() as conn:
                    self._check_duplicate(conn, link)
        raise DuplicateLink("the link could not be stored: concurrent changes kept conflicting")

    @staticmethod
    def _check_duplicate(conn: Connection, link: Link) -> None:
        existing = repo.get_link(conn, link.id)
        if existing is not None:
            raise DuplicateLink(
                f"a link to this application already exists ({existing.name!r}, {existing.rpc_url})",
                link_id=existing.id,
            )
        same_url = repo.find_by_rpc_url(conn, link.rpc_url)
        if same_url is not None:
            raise DuplicateLink(
                f"a link with the URL {link.rpc_url} already exists ({same_url.name!r})", link_id=same_url.id
            )

    def update(self, link_id: str, change: LinkUpdate, *, actor: HostUser) -> Link:
        with self.engine.begin() as conn:
            link = self._writable(conn, link_id, actor)
            if change.rpc_url is not None and normalise_url(change.rpc_url) != link.rpc_url:
                raise InvalidInput(
                    "the RPC URL cannot be changed by an update; relocate the link instead",
                    key="applinks.rpcurl.immutable",
                )
            if change.type_id is not None and change.type_id != link.type_id:
                raise InvalidInput("the application type of a link cannot be changed", key="applinks.type.fixed")
            if change.name is not None:
                new_name = change.name.strip()
                if not new_name:
                    raise InvalidInput("the link name is blank", key="applinks.name.blank")
                if new_name != link.name and new_name in repo.names(conn):
                    raise NameTaken(f"another link is already called {new_name!r}")
                link.name = new_name
            if change.display_url is not None:
                link.display_url = normalise_url(change.display_url)
            if change.is_primary and not link.is_primary:
                repo.clear_primary(conn, link.type_id)
                link.is_primary = True
            try:
                repo.update_link(conn, link)
            except IntegrityError as exc:
                raise NameTaken(f"another link is already called {link.name!r}") from exc
            return link

    def save_properties(self, link: Link) -> None:
        """Persist a link's property set (authentication configuration lives there)."""
        with self.engine.begin() as conn:
            if repo.get_link(conn, link.id) is None:
                raise LinkNotFound(f"no application link with ID {link.id}", link_id=link.id)
            repo.update_link(conn, link)

    def make_primary(self, link_id: str, *, actor: HostUser) -> Link:
        return self.update(link_id, LinkUpdate(is_primary=True), actor=actor)

    def delete(self, link_id: str, *, actor: HostUser) -> Link:
        """Delete the local end; the next link of the same type becomes primary."""
        with self.engine.begin() as conn:
            link = self._writable(conn, link_id, actor)
            for hook in self.delete_hooks:
                hook(conn, link)
            repo.delete_link(conn, link.id)
            if link.is_primary:
                remaining = repo.list_links(conn, link.type_id)
                if remaining:
                    repo.set_primary(conn, remaining[0].id)
            return link

    @staticmethod
    def _writable(conn: Connection, link_id: str, actor: HostUser) -> Link:
        link = repo.get_link(conn, link_id)
        if link is None:
            raise LinkNotFound(f"no application link with ID {link_id}", link_id=link_id)
        if link.is_system and not actor.is_sysadmin:
            raise PermissionDenied("only a system administrator can change or delete a system link")
        return link
