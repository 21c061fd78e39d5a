"""Entity links (protocol.md §6.5): local entities linked to entities of linked applications, reciprocated
through the link's authenticated request factory."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from urllib.parse import quote, urlencode

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from applinks.discovery.xml import to_xml
from applinks.domain.entity_links import EntityLink, EntityRef
from applinks.domain.types import TypeRegistry, is_atlassian
from applinks.errors import (
    AppLinksError,
    Conflict,
    CredentialsRequired,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RemoteError,
)
from applinks.host import EntityDirectory, HostUser
from applinks.outbound.service import OutgoingAuth
from applinks.services.calls import request_as
from applinks.services.registry import LinkService
from applinks.services.remote import remote_message
from applinks.storage import entity_links as repo
from applinks.storage import links as links_repo

ENTITY_LINK_PATH = "/rest/applinks/2.0/entitylink"
# Atlassian products take reciprocation at 1.0 with an <entityLink> XML body (protocol.md §10).
ATLASSIAN_ENTITY_LINK_PATH = "/rest/applinks/1.0/entitylink"
_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_KEY = re.compile(r"^[A-Za-z0-9~_.@-]{1,255}$")
MAX_NAME = 255


class EntityNotFound(NotFound):
    default_key = "applinks.entity.notfound"


def check_type(type_id: str, what: str) -> str:
    value = (type_id or "").strip()
    if not _TYPE.match(value):
        raise InvalidInput(f"{what} {type_id!r} is not a valid entity type", key="applinks.entity.type")
    return value


def check_key(key: str, what: str) -> str:
    value = (key or "").strip()
    if not _KEY.match(value):
        raise InvalidInput(f"{what} {key!r} is not a valid entity key", key="applinks.entity.key")
    return value


class EntityLinkService:
    """Manages entity links. Every call needs permission to administer the local entity."""

    def __init__(
        self,
        engine: Engine,
        types: TypeRegistry,
        links: LinkService,
        outgoing: OutgoingAuth,
        application_id: str,
        directory: Callable[[], EntityDirectory],
    ) -> None:
        """``directory``: the host's entity directory, asked for on each use (a host may be attached after
        the services are built)."""
        self.engine = engine
        self.types = types
        self.links = links
        self.outgoing = outgoing
        self.application_id = application_id
        self._directory = directory

    @property
    def directory(self) -> EntityDirectory:
        return self._directory()

    def _local(self, user: HostUser, local_type: str, local_key: str) -> str:
        """Check the local entity exists and ``user`` may administer it; its name."""
        local_type = check_type(local_type, "the local entity type")
        local_key = check_key(local_key, "the local entity key")
        directory = self.directory
        name = directory.entity_name(local_type, local_key) if local_type in directory.entity_types() else None
        if name is None:
            raise EntityNotFound(f"there is no {local_type} with the key {local_key!r} here")
        if not directory.can_administer(user, local_type, local_key):
            raise PermissionDenied(f"you may not administer the links of {local_type} {local_key!r}")
        return name

    # -- reads ---------------------------------------------------------------------------------------
    def list(self, user: HostUser, local_type: str, local_key: str, type_id: str | None = None) -> list[EntityLink]:
        self._local(user, local_type, local_key)
        with self.engine.connect() as conn:
            return repo.list_for(conn, local_type.strip(), local_key.strip(), type_id)

    def of_application(self, user: HostUser, link_id: str) -> Sequence[EntityLink]:
        """Every entity link into the application of one link (administrators: the link's page)."""
        if not user.is_administrator:
            raise PermissionDenied("only administrators can see all entity links of an application link")
        with self.engine.connect() as conn:
            return repo.list_for_application(conn, link_id)

    def primary(self, user: HostUser, local_type: str, local_key: str, type_id: str) -> EntityLink:
        self._local(user, local_type, local_key)
        with self.engine.connect() as conn:
            found = repo.primary_of(conn, local_type.strip(), local_key.strip(), type_id)
        if found is None:
            raise EntityNotFound(f"{local_type} {local_key!r} has no primary link to a {type_id}")
        return found

    # -- writes --------------------------------------------------------------------------------------
    def add(
        self, user: HostUser, local_type: str, local_key: str, target: EntityRef, *, reciprocate: bool = False
    ) -> tuple[EntityLink, bool]:
        """Link a local entity to ``target`` (or rename an existing link): the link and whether it is new. The
        first link of its type is primary. With ``reciprocate`` the remote entity is linked back first; if that
        fails nothing changes."""
        local_name = self._local(user, local_type, local_key)
        local_type, local_key = local_type.strip(), local_key.strip()
        link = self.links.get(target.application_id)
        type_id = check_type(target.type_id, "the remote entity type")
        key = check_key(target.key, "the remote entity key")
        app_type = self.types.get(link.type_id)
        if app_type is not None and app_type.entity_types and type_id not in app_type.entity_types:
            raise InvalidInput(
                f"{link.name} is a {app_type.name}; its entity types are {', '.join(app_type.entity_types)}",
                key="applinks.entity.type",
            )
        name = (target.name or "").strip()[:MAX_NAME] or key
        if reciprocate:
            self._remote_put(link.id, user, type_id, key, local_type, local_key, local_name)
        for _attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    if links_repo.get_link(conn, link.id) is None:
                        raise NotFound(f"the link {link.id} was deleted meanwhile", key="applinks.link.notfound")
                    existing = repo.get(conn, local_type, local_key, link.id, type_id, key)
                    if existing is not None:
                        if existing.name != name:
                            repo.rename(conn, existing, name)
                        kept = EntityLink(local_type, local_key, link.id, type_id, key, name, existing.is_primary)
                        return kept, False
                    primary = repo.primary_of(conn, local_type, local_key, type_id) is None
                    created = EntityLink(local_type, local_key, link.id, type_id, key, name, is_primary=primary)
                    repo.insert(conn, created)
                    return created, True
            except IntegrityError:
                continue  # a concurrent add of the same link or primary: read again
        raise Conflict("the entity link could not be stored: concurrent changes kept conflicting")

    def make_primary(self, user: HostUser, local_type: str, local_key: str, target: EntityRef) -> EntityLink:
        self._local(user, local_type, local_key)
        local_type, local_key = local_type.strip(), local_key.strip()
        with self.engine.begin() as conn:
            found = repo.get(conn, local_type, local_key, target.application_id, target.type_id, target.key)
            if found is None:
                raise EntityNotFound(f"{local_type} {local_key!r} has no link to {target.type_id} {target.key!r}")
            repo.clear_primary(conn, local_type, local_key, found.type_id)
            repo.set_primary(conn, found)
        return EntityLink(
            found.local_type, found.local_key, found.application_id, found.type_id, found.key, found.name, True
        )

    def delete(
        self, user: HostUser, local_type: str, local_key: str, target: EntityRef, *, reciprocate: bool = False
    ) -> EntityLink:
        """Delete an entity link (with ``reciprocate``, the remote's link back first); the next link of the
        same type becomes primary."""
        self._local(user, local_type, local_key)
        local_type, local_key = local_type.strip(), local_key.strip()
        with self.engine.connect() as conn:
            found = repo.get(conn, local_type, local_key, target.application_id, target.type_id, target.key)
        if found is None:
            raise EntityNotFound(f"{local_type} {local_key!r} has no link to {target.type_id} {target.key!r}")
        if reciprocate:
            self._remote_delete(found, user)
        with self.engine.begin() as conn:
            repo.delete(conn, found)
            if found.is_primary:
                remaining = repo.list_for(conn, local_type, local_key, found.type_id)
                if remaining:
                    repo.set_primary(conn, remaining[0])
        return found

    # -- reciprocation -------------------------------------------------------------------------------
    def _remote_put(
        self,
        link_id: str,
        user: HostUser,
        type_id: str,
        key: str,
        local_type: str,
        local_key: str,
        local_name: str,
    ) -> None:
        body = {
            "applicationId": self.application_id,
            "typeId": local_type,
            "key": local_key,
            "name": local_name,
        }
        atlassian = is_atlassian(self.links.get(link_id).type_id)
        base = ATLASSIAN_ENTITY_LINK_PATH if atlassian else ENTITY_LINK_PATH
        path = f"{base}/{quote(type_id, safe='')}/{quote(key, safe='')}?reciprocate=false"
        content = to_xml("entityLink", {**body, "isPrimary": False}) if atlassian else json.dumps(body).encode()
        self._call(link_id, user, "PUT", path, content, "link back to this entity")

    def _remote_delete(self, found: EntityLink, user: HostUser) -> None:
        query = urlencode(
            {
                "typeId": found.local_type,
                "key": found.local_key,
                "applicationId": self.application_id,
                "reciprocate": "false",
            }
        )
        atlassian = is_atlassian(self.links.get(found.application_id).type_id)
        base = ATLASSIAN_ENTITY_LINK_PATH if atlassian else ENTITY_LINK_PATH
        path = f"{base}/{quote(found.type_id, safe='')}/{quote(found.key, safe='')}?{query}"
        self._call(found.application_id, user, "DELETE", path, None, "delete its link back to this entity")

    def _call(self, link_id: str, user: HostUser, method: str, path: str, body: bytes | None, what: str) -> None:
        link = self.links.get(link_id)
        media_type = "application/xml" if is_atlassian(link.type_id) else "application/json"
        headers = {"Accept": media_type} | ({"Content-Type": media_type} if body is not None else {})
        try:
            response = request_as(self.outgoing, link, user, method, path, content=body, headers=headers)
        except CredentialsRequired:
            raise
        except AppLinksError as exc:
            raise RemoteError(
                f"{link.name} could not be asked to {what}: {exc.message}; nothing was changed here",
                key="applinks.entity.reciprocate",
            ) from exc
        if response.status_code in (200, 201, 204) or (method == "DELETE" and response.status_code == 404):
            return
        raise RemoteError(
            f"{link.name} refused to {what} (HTTP {response.status_code}: {remote_message(response)}); nothing was "
            "changed here",
            key="applinks.entity.reciprocate",
            status_code=response.status_code,
        )
