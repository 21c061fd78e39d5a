"""``ConsumerService``: this instance as a consumer (consumer-info) and the incoming consumer of each link.

Used by the REST API, the CLI, the link wizard (two-way auto-configuration) and diagnostics (levels)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from applinks.auth.oauth1.consumer_info import fetch_consumer_info
from applinks.auth.oauth1.keys import normalise_public_key
from applinks.auth.oauth1.model import (
    HMAC_SHA1,
    RSA_SHA1,
    SIGNATURE_METHODS,
    Consumer,
    ConsumerInfo,
    ConsumerSettings,
    OAuthLevel,
)
from applinks.cache import TtlCache
from applinks.crypto import SecretBox
from applinks.domain.link import Link, check_may_change
from applinks.errors import Conflict, InvalidInput, LinkNotFound, PermissionDenied
from applinks.host import Host, HostUser
from applinks.identity import Identity
from applinks.settings import Settings
from applinks.storage import links as links_repo
from applinks.storage import oauth_consumers as repo
from applinks.storage.properties import get_property, set_property_if_absent
from applinks.transport.client import OutboundClient

CONSUMER_KEY_PROPERTY = "oauth_consumer_key"
MIN_SHARED_SECRET = 8
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: str | None, what: str, limit: int, *, required: bool = False) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"the consumer {what} is required", key="applinks.oauth.consumer.invalid")
        return None
    if len(cleaned) > limit or _CONTROL.search(cleaned):
        raise InvalidInput(
            f"the consumer {what} is longer than {limit} characters or contains control characters",
            key="applinks.oauth.consumer.invalid",
        )
    return cleaned


def check_callback(url: str | None) -> str | None:
    """A registered callback: an absolute http(s) URL without user information or fragment, or None."""
    cleaned = _text(url, "callback", 2048)
    if cleaned is None:
        return None
    try:
        parts = urlsplit(cleaned)
        _ = parts.port
    except ValueError as exc:
        raise InvalidInput(f"the callback {cleaned!r} is not a valid URL", key="applinks.oauth.callback") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc or parts.fragment:
        raise InvalidInput(
            "the callback must be an absolute http(s) URL without user information or fragment",
            key="applinks.oauth.callback",
        )
    return cleaned


class ConsumerService:
    """The incoming OAuth consumers of links, and this instance's own consumer information."""

    def __init__(
        self,
        engine: Engine,
        box: SecretBox,
        outbound: OutboundClient,
        settings: Settings,
        identity: Identity,
        host: Callable[[], Host | None],
    ) -> None:
        self.engine = engine
        self.box = box
        self.outbound = outbound
        self.settings = settings
        self.identity = identity
        self._host = host
        self._own_key: str | None = None
        # The verifier's lookup by consumer key, every signed request: cached, dropped on every write here.
        self.cache: TtlCache[str, Consumer] = TtlCache(settings.cache_seconds)

    # -- this instance as a consumer -------------------------------------------------------------------
    def consumer_key(self) -> str:
        """``<name>:<digits>``, fixed the first time it is asked for (renaming the instance keeps it)."""
        if self._own_key is None:
            digest = hashlib.sha256(self.identity.server_id.encode("utf-8")).digest()
            name = _CONTROL.sub("", self.settings.name).replace(":", "").strip()[:200] or "applinks"
            wanted = f"{name}:{int.from_bytes(digest[:4], 'big')}"
            with self.engine.begin() as conn:
                stored = get_property(conn, CONSUMER_KEY_PROPERTY) or set_property_if_absent(
                    conn, CONSUMER_KEY_PROPERTY, wanted
                )
            self._own_key = stored
        return self._own_key

    def consumer_info(self) -> ConsumerInfo:
        """What ``/plugins/servlet/oauth/consumer-info`` publishes about this instance."""
        return ConsumerInfo(
            key=self.consumer_key(),
            name=self.settings.name,
            public_key=self.identity.key.public_key_der_b64,
            description=f"{self.settings.name} at {self.settings.base_url}",
        )

    def fetch_remote_consumer_info(self, url: str) -> ConsumerInfo:
        """A remote application's consumer information (hardened outbound client and XML parser)."""
        return fetch_consumer_info(self.outbound, url)

    # -- reads -----------------------------------------------------------------------------------------
    def get(self, key: str) -> Consumer | None:
        """The consumer with this consumer key (the verifier's lookup, served from the cache), or None."""
        if not key or len(key) > 255:
            return None
        return self.cache.get(key, self._load)

    def _load(self, key: str) -> Consumer | None:
        with self.engine.connect() as conn:
            row = repo.by_key(conn, key)
        return None if row is None else self._consumer(row)

    def invalidate(self, key: str | None = None) -> None:
        """Drop cached consumers (every one by default) after a change this service did not make itself,
        such as a link deleted with its consumer."""
        self.cache.invalidate(key)

    def get_by_id(self, consumer_id: int) -> Consumer | None:
        with self.engine.connect() as conn:
            row = repo.by_id(conn, consumer_id)
        return None if row is None else self._consumer(row)

    def for_link(self, link_id: str) -> Consumer | None:
        if not link_id or len(link_id) > 64:
            return None
        with self.engine.connect() as conn:
            row = repo.by_link(conn, link_id)
        return None if row is None else self._consumer(row)

    def level(self, link_id: str) -> OAuthLevel:
        """The link's incoming OAuth level ``{enabled, twoLoEnabled, twoLoImpersonationEnabled}``."""
        return OAuthLevel.of(self.for_link(link_id))

    # -- writes ----------------------------------------------------------------------------------------
    def set(self, link_id: str, wanted: ConsumerSettings, *, actor: HostUser) -> tuple[Consumer, bool]:
        """Register or replace the link's incoming consumer; returns it and whether it was created.

        One transaction; nothing is stored when any field is refused. A changed consumer key drops the
        tokens issued to the old one."""
        _require_admin(actor)
        try:
            return self._set(link_id, wanted, actor)
        finally:
            self.cache.invalidate()  # after the commit, so that no lookup can cache the old row again

    def _set(self, link_id: str, wanted: ConsumerSettings, actor: HostUser) -> tuple[Consumer, bool]:
        with self.engine.begin() as conn:
            link = _writable_link(conn, link_id, actor)
            existing_row = repo.by_link(conn, link.id)
            existing = None if existing_row is None else self._consumer(existing_row)
            values = self._validated(wanted, existing, actor)
            other = repo.by_key(conn, values["consumer_key"])
            if other is not None and other.link_id != link.id:
                raise Conflict(
                    f"the consumer key {values['consumer_key']!r} is already registered on another link",
                    key="applinks.oauth.consumer.duplicate",
                )
            try:
                with conn.begin_nested():
                    if existing is not None and existing.key == values["consumer_key"]:
                        assert existing.id is not None
                        repo.update(conn, existing.id, values)
                    else:
                        repo.delete_for_link(conn, link.id)
                        repo.insert(conn, {**values, "link_id": link.id})
            except IntegrityError as exc:
                raise Conflict(
                    "the consumer changed concurrently or its key is registered on another link; try again",
                    key="applinks.oauth.consumer.duplicate",
                ) from exc
            row = repo.by_link(conn, link.id)
            assert row is not None
            return self._consumer(row), existing is None

    def configure_from_remote(
        self,
        link_id: str,
        *,
        actor: HostUser,
        three_lo_allowed: bool = True,
        two_lo_allowed: bool = True,
        executing_two_lo_user: str | None = None,
        two_lo_impersonation_allowed: bool = False,
        url: str | None = None,
    ) -> Consumer:
        """Fetch the remote's consumer-info (from the link's RPC URL unless ``url``) and register it as the
        link's incoming RSA-SHA1 consumer (``autoConfigure=true``, two-way link creation)."""
        _require_admin(actor)
        link = self._link(link_id)
        info = self.fetch_remote_consumer_info(url or link.rpc_url)
        consumer, _created = self.set(
            link.id,
            ConsumerSettings(
                key=info.key,
                name=info.name,
                description=info.description,
                signature_method=RSA_SHA1,
                public_key=info.public_key,
                callback=info.callback,
                three_lo_allowed=three_lo_allowed,
                two_lo_allowed=two_lo_allowed,
                executing_two_lo_user=executing_two_lo_user,
                two_lo_impersonation_allowed=two_lo_impersonation_allowed,
            ),
            actor=actor,
        )
        return consumer

    def set_level(self, link_id: str, level: OAuthLevel, *, actor: HostUser) -> OAuthLevel:
        """Set the incoming level: disabled removes the consumer; enabling on a link without one fetches the
        remote's consumer-info first. Impersonation needs a system administrator."""
        _require_admin(actor)
        if level.two_lo_impersonation_enabled and not actor.is_sysadmin:
            raise PermissionDenied("only a system administrator can enable impersonation", key="applinks.sysadmin")
        if not (level.enabled or level.two_lo_enabled or level.two_lo_impersonation_enabled):
            self.delete(link_id, actor=actor)
            return OAuthLevel()
        current = self.for_link(link_id)
        if current is None:
            self.configure_from_remote(
                link_id,
                actor=actor,
                three_lo_allowed=level.enabled,
                two_lo_allowed=level.two_lo_enabled,
                two_lo_impersonation_allowed=level.two_lo_impersonation_enabled,
            )
        else:
            self.set(
                link_id,
                ConsumerSettings(
                    key=current.key,
                    name=current.name,
                    description=current.description,
                    signature_method=current.signature_method,
                    public_key=current.public_key,
                    shared_secret=current.shared_secret,
                    callback=current.callback,
                    three_lo_allowed=level.enabled,
                    two_lo_allowed=level.two_lo_enabled,
                    executing_two_lo_user=current.executing_two_lo_user,
                    two_lo_impersonation_allowed=level.two_lo_impersonation_enabled,
                ),
                actor=actor,
            )
        return self.level(link_id)

    def delete(self, link_id: str, *, actor: HostUser) -> bool:
        """Remove the link's incoming consumer (and every token issued to it); False when there was none."""
        _require_admin(actor)
        try:
            with self.engine.begin() as conn:
                link = _writable_link(conn, link_id, actor)
                return repo.delete_for_link(conn, link.id)
        finally:
            self.cache.invalidate()

    # -- helpers ---------------------------------------------------------------------------------------
    def _link(self, link_id: str) -> Link:
        with self.engine.connect() as conn:
            link = links_repo.get_link(conn, link_id) if 0 < len(link_id) <= 64 else None
        if link is None:
            raise LinkNotFound(f"no application link with ID {link_id!r}", link_id=link_id)
        return link

    def _consumer(self, row: Row[Any]) -> Consumer:
        return Consumer(
            id=int(row.id),
            link_id=row.link_id,
            key=row.consumer_key,
            name=row.name,
            description=row.description or "",
            signature_method=row.signature_method,
            public_key=row.public_key,
            shared_secret=self.box.decrypt(row.shared_secret) if row.shared_secret else None,
            callback=row.callback,
            three_lo_allowed=bool(row.three_lo_allowed),
            two_lo_allowed=bool(row.two_lo_allowed),
            executing_two_lo_user=row.executing_two_lo_user,
            two_lo_impersonation_allowed=bool(row.two_lo_impersonation_allowed),
        )

    def _validated(self, wanted: ConsumerSettings, existing: Consumer | None, actor: HostUser) -> dict[str, Any]:
        key = _text(wanted.key, "key", 255, required=True)
        assert key is not None
        method = (wanted.signature_method or RSA_SHA1).strip().upper()
        if method not in SIGNATURE_METHODS:
            raise InvalidInput(
                f"the signature method {wanted.signature_method!r} is not supported; use one of "
                + ", ".join(sorted(SIGNATURE_METHODS)),
                key="applinks.oauth.signature_method",
            )
        public_key: str | None = None
        secret: str | None = None
        if method == HMAC_SHA1:
            secret = wanted.shared_secret or None
            if secret is None and existing is not None and existing.key == key and existing.shared_secret:
                secret = existing.shared_secret  # an update that does not repeat the (never shown) secret
            if secret is None or len(secret) < MIN_SHARED_SECRET or len(secret) > 1024:
                raise InvalidInput(
                    f"HMAC-SHA1 needs a shared secret of {MIN_SHARED_SECRET} to 1024 characters",
                    key="applinks.oauth.shared_secret",
                )
        else:
            if not (wanted.public_key or "").strip():
                raise InvalidInput(f"{method} needs the consumer's public key", key="applinks.oauth.public_key")
            public_key = normalise_public_key(wanted.public_key or "")
        user = _text(wanted.executing_two_lo_user, "executing 2LO user", 255)
        if user is not None:
            self._check_executing_user(user, actor)
        if wanted.two_lo_impersonation_allowed and not actor.is_sysadmin:
            raise PermissionDenied(
                "only a system administrator can allow impersonation (2-legged OAuth with impersonation)",
                key="applinks.sysadmin",
            )
        return {
            "consumer_key": key,
            "name": _text(wanted.name, "name", 255) or key,
            "description": _text(wanted.description, "description", 4000) or "",
            "signature_method": method,
            "public_key": public_key,
            "shared_secret": self.box.encrypt(secret) if secret is not None else None,
            "callback": check_callback(wanted.callback),
            "three_lo_allowed": bool(wanted.three_lo_allowed),
            "two_lo_allowed": bool(wanted.two_lo_allowed),
            "executing_two_lo_user": user,
            "two_lo_impersonation_allowed": bool(wanted.two_lo_impersonation_allowed),
        }

    def _check_executing_user(self, name: str, actor: HostUser) -> None:
        host = self._host()
        if host is None:
            return
        user = host.get_user(name)
        if user is None:
            raise InvalidInput(f"there is no user called {name!r}", key="applinks.oauth.executing_user")
        if user.is_administrator and not actor.is_sysadmin:
            raise PermissionDenied(
                "only a system administrator can let 2-legged requests run as an administrator",
                key="applinks.sysadmin",
            )


def _require_admin(actor: HostUser) -> None:
    if not actor.is_administrator:
        raise PermissionDenied("only administrators can configure OAuth consumers")


def _writable_link(conn: Connection, link_id: str, actor: HostUser) -> Link:
    link = links_repo.get_link(conn, link_id) if 0 < len(link_id) <= 64 else None
    if link is None:
        raise LinkNotFound(f"no application link with ID {link_id!r}", link_id=link_id)
    check_may_change(link, actor)
    return link
