"""The link registry: every rule of protocol.md §4 (names, primaries, system links, immutable RPC URL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from applinks.discovery.manifest import fetch_manifest
from applinks.domain.link import Link, check_may_change, check_may_create
from applinks.domain.manifest import Manifest
from applinks.domain.types import TypeRegistry
from applinks.errors import (
    DuplicateLink,
    InvalidInput,
    LinkNotFound,
    NameTaken,
    RemoteError,
    SelfLink,
)
from applinks.host import HostUser
from applinks.identity import is_valid_application_id
from applinks.storage import links as repo
from applinks.transport.client import OutboundClient, check_url

# Called inside the deleting transaction so that dependent rows (consumers, tokens, entity links) go too.
DeleteHook = Callable[[Connection, Link], None]

# Column sizes of storage/tables.py: longer values are refused here rather than failing in the database.
MAX_ID, MAX_NAME, MAX_URL, MAX_TYPE = 64, 255, 2048, 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_key(value: str, limit: int) -> bool:
    """A value that can be looked up at all (PostgreSQL refuses NUL characters in text)."""
    return 0 < len(value) <= limit and not _CONTROL.search(value)


def normalise_url(url: str | None) -> str:
    """A link URL as stored: trimmed, checked (http(s), host, no user info), without trailing slash."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("the URL is blank", key="applinks.url.blank")
    if len(url) > MAX_URL:
        raise InvalidInput(f"the URL is longer than {MAX_URL} characters", key="applinks.url.invalid")
    if _CONTROL.search(url) or " " in url:
        raise InvalidInput(f"{url!r} contains spaces or control characters", key="applinks.url.invalid")
    check_url(url)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise InvalidInput(f"{url!r} must not carry a query or fragment", key="applinks.url.invalid")
    return url.rstrip("/")


def clean_name(name: str | None) -> str:
    """A link name as stored: trimmed, not blank, no control characters, at most ``MAX_NAME`` characters."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput("the link name is blank", key="applinks.name.blank")
    if _CONTROL.search(cleaned):
        raise InvalidInput("the link name contains control characters", key="applinks.name.invalid")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"the link name is longer than {MAX_NAME} characters", key="applinks.name.invalid")
    return cleaned


def next_free_name(wanted: str, taken: set[str], limit: int = MAX_NAME) -> str:
    """``wanted``, or ``wanted - 2``, ``wanted - 3``, ... — the first that is not taken (shortened to fit)."""
    if wanted not in taken:
        return wanted
    n = 2
    while True:
        suffix = f" - {n}"
        candidate = wanted[: limit - len(suffix)].rstrip() + suffix
        if candidate not in taken:
            return candidate
        n += 1


def remote_display_url(manifest: Manifest, rpc_url: str) -> str:
    """The display URL a remote's manifest offers, or ``rpc_url`` when that is not a usable http(s) URL
    (a remote controls its manifest: a ``javascript:`` URL must never become a link in a page)."""
    try:
        return normalise_url(manifest.url)
    except InvalidInput:
        return rpc_url


def check_cloud_https(url: str) -> None:
    """Links to Atlassian cloud sites must use https (protocol.md §6.1 step 5)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if (host == "atlassian.net" or host.endswith(".atlassian.net")) and parts.scheme != "https":
        raise InvalidInput(
            f"links to Atlassian cloud sites must use https://: use https://{parts.netloc}{parts.path}",
            key="applinks.url.cloud_https",
        )


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
        if type_id is not None and not _is_key(type_id, MAX_TYPE):
            return []
        with self.engine.connect() as conn:
            return repo.list_links(conn, type_id)

    def get(self, link_id: str) -> Link:
        link = None
        if _is_key(link_id, MAX_ID):
            with self.engine.connect() as conn:
                link = repo.get_link(conn, link_id)
        if link is None:
            raise LinkNotFound(f"no application link with ID {link_id!r}", link_id=link_id)
        return link

    def exists(self, link_id: str) -> bool:
        if not _is_key(link_id, MAX_ID):
            return False
        with self.engine.connect() as conn:
            return repo.get_link(conn, link_id) is not None

    def primary(self, type_id: str) -> Link:
        link = None
        if _is_key(type_id, MAX_TYPE):
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
        given_display = normalise_url(display_url) if display_url else None
        given_name = clean_name(name) if name else None
        self._precheck(rpc_url=rpc_url)
        manifest = self.fetch_remote(rpc_url)
        link = Link(
            id=manifest.id,
            type_id=manifest.type_id if manifest.type_id in self.types else "generic",
            name=given_name or _fitting_name(manifest.name, rpc_url),
            display_url=given_display or remote_display_url(manifest, rpc_url),
            rpc_url=rpc_url,
        )
        return self.create(link, actor=actor)

    def add_with_id(
        self,
        link_id: str,
        rpc_url: str | None,
        *,
        actor: HostUser,
        type_id: str | None = None,
        name: str | None = None,
        display_url: str | None = None,
        is_primary: bool = False,
        is_system: bool = False,
    ) -> Link:
        """``PUT /applicationlink/{id}`` of an absent link: the manifest at ``rpc_url`` is fetched first and
        must carry ``link_id`` (400 if unreachable or different)."""
        check_may_create(is_system, actor)
        if not is_valid_application_id(link_id):
            raise InvalidInput(f"{link_id!r} is not a valid application ID", key="applinks.id.invalid")
        if not rpc_url:
            raise InvalidInput("rpcUrl is required to create a link", key="applinks.rpcurl.missing")
        rpc = normalise_url(rpc_url)
        given_display = normalise_url(display_url) if display_url else None
        given_name = clean_name(name) if name else None
        if type_id is not None and type_id not in self.types:
            raise InvalidInput(f"unknown application type {type_id!r}", key="applinks.type.unknown")
        self._precheck(link_id=link_id, rpc_url=rpc)
        manifest = self.fetch_remote(rpc)
        if manifest.id != link_id:
            raise InvalidInput(
                f"the application at {rpc} has the ID {manifest.id}, not {link_id}", key="applinks.id.mismatch"
            )
        link = Link(
            id=link_id,
            type_id=type_id or (manifest.type_id if manifest.type_id in self.types else "generic"),
            name=given_name or _fitting_name(manifest.name, rpc),
            display_url=given_display or remote_display_url(manifest, rpc),
            rpc_url=rpc,
            is_primary=is_primary,
            is_system=is_system,
        )
        return self.create(link, actor=actor)

    def _precheck(self, *, link_id: str | None = None, rpc_url: str | None = None) -> None:
        """Refuse obvious self-links and duplicates before calling the remote (re-checked when storing)."""
        if link_id is not None and link_id == self._own_id():
            raise SelfLink("that is this application: an application cannot link to itself")
        with self.engine.connect() as conn:
            if link_id is not None:
                self._check_duplicate(conn, link_id, None)
            if rpc_url is not None:
                self._check_duplicate(conn, None, rpc_url)

    def create(self, link: Link, *, actor: HostUser) -> Link:
        """Store a new link (name de-duplicated, first of its type primary). 409 on a duplicate."""
        check_may_create(link.is_system, actor)
        if not is_valid_application_id(link.id):
            raise InvalidInput(f"{link.id!r} is not a valid application ID", key="applinks.id.invalid")
        if link.id == self._own_id():
            raise SelfLink("that is this application: an application cannot link to itself")
        if link.type_id not in self.types:
            raise InvalidInput(f"unknown application type {link.type_id!r}", key="applinks.type.unknown")
        link = replace(link, rpc_url=normalise_url(link.rpc_url), display_url=normalise_url(link.display_url))
        name = clean_name(link.name)
        for _attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    repo.lock_links(conn)
                    self._check_duplicate(conn, link.id, link.rpc_url)
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
                    self._check_duplicate(conn, link.id, link.rpc_url)
        raise DuplicateLink("the link could not be stored: concurrent changes kept conflicting")

    @staticmethod
    def _check_duplicate(conn: Connection, link_id: str | None, rpc_url: str | None) -> None:
        existing = repo.get_link(conn, link_id) if link_id is not None else None
        if existing is not None:
            raise DuplicateLink(
                f"a link to this application already exists ({existing.name!r}, {existing.rpc_url})",
                link_id=existing.id,
            )
        same_url = repo.find_by_rpc_url(conn, rpc_url) if rpc_url is not None else None
        if same_url is not None:
            raise DuplicateLink(
                f"a link with the URL {rpc_url} already exists ({same_url.name!r})", link_id=same_url.id
            )

    def update(self, link_id: str, change: LinkUpdate, *, actor: HostUser) -> Link:
        with self.engine.begin() as conn:
            repo.lock_links(conn)
            link = self._writable(conn, link_id, actor)
            if change.rpc_url is not None and normalise_url(change.rpc_url) != link.rpc_url:
                raise InvalidInput(
                    "the RPC URL cannot be changed by an update; relocate the link instead",
                    key="applinks.rpcurl.immutable",
                )
            if change.type_id is not None and change.type_id != link.type_id:
                raise InvalidInput("the application type of a link cannot be changed", key="applinks.type.fixed")
            if change.name is not None:
                new_name = clean_name(change.name)
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
            repo.lock_links(conn)
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
        link = repo.get_link(conn, link_id) if _is_key(link_id, MAX_ID) else None
        if link is None:
            raise LinkNotFound(f"no application link with ID {link_id!r}", link_id=link_id)
        check_may_change(link, actor)
        return link


def _fitting_name(remote_name: str, fallback: str) -> str:
    """A remote's name made storable: control characters dropped, shortened; ``fallback`` when blank."""
    cleaned = _CONTROL.sub("", remote_name or "").strip()[:MAX_NAME].strip()
    return cleaned or fallback[:MAX_NAME]
