"""Per-link outgoing authentication configuration: which providers are on, Basic credentials and generic
OAuth details (secrets encrypted with the instance box, never returned), and the OAuth level view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from applinks.crypto import SecretBox
from applinks.domain.link import Link
from applinks.errors import InvalidInput, PermissionDenied
from applinks.host import HostUser
from applinks.outbound.providers.names import (
    BASIC,
    OAUTH,
    TWO_LEGGED_OAUTH,
    TWO_LEGGED_OAUTH_IMPERSONATION,
    ProviderName,
)
from applinks.storage import outbound as repo
from applinks.transport.client import check_url

LEVELS = ("disabled", "oauth", "impersonation")
_URL_FIELDS = ("request_token_url", "access_token_url", "authorize_url")


@dataclass(frozen=True, slots=True)
class OutgoingConfig:
    """What a link may send. Secrets are represented only by whether they are set."""

    link_id: str
    three_lo: bool = False
    two_lo: bool = False
    two_lo_impersonation: bool = False
    basic_username: str | None = None
    basic_password_set: bool = False
    consumer_key: str | None = None
    shared_secret_set: bool = False
    request_token_url: str | None = None
    access_token_url: str | None = None
    authorize_url: str | None = None

    @property
    def basic(self) -> bool:
        return bool(self.basic_username) and self.basic_password_set

    def enabled(self, provider: ProviderName) -> bool:
        return {
            OAUTH: self.three_lo,
            TWO_LEGGED_OAUTH: self.two_lo,
            TWO_LEGGED_OAUTH_IMPERSONATION: self.two_lo_impersonation,
            BASIC: self.basic,
        }.get(provider, False)

    def level(self) -> dict[str, bool]:
        """``{enabled, twoLoEnabled, twoLoImpersonationEnabled}`` (protocol.md §5.3)."""
        return {
            "enabled": self.three_lo,
            "twoLoEnabled": self.two_lo,
            "twoLoImpersonationEnabled": self.two_lo_impersonation,
        }

    def level_name(self) -> str:
        if self.three_lo and self.two_lo and self.two_lo_impersonation:
            return "impersonation"
        if self.three_lo and self.two_lo and not self.two_lo_impersonation:
            return "oauth"
        if not (self.three_lo or self.two_lo or self.two_lo_impersonation):
            return "disabled"
        return "custom"

    def provider_config(self, provider: ProviderName) -> dict[str, Any]:
        """What GET …/authentication/provider shows for one provider (no secrets)."""
        if provider is BASIC:
            return {"username": self.basic_username or ""}
        config: dict[str, Any] = {}
        if self.consumer_key:
            config["consumerKey"] = self.consumer_key
        config["signatureMethod"] = "HMAC-SHA1" if self.shared_secret_set else "RSA-SHA1"
        for name, value in (
            ("requestTokenUrl", self.request_token_url),
            ("accessTokenUrl", self.access_token_url),
            ("authorizeUrl", self.authorize_url),
        ):
            if value:
                config[name] = value
        return config


class OutgoingConfigStore:
    """Reads and writes ``outbound_auth``; each change is one transaction."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self.engine = engine
        self.box = box

    def get(self, link_id: str) -> OutgoingConfig:
        with self.engine.connect() as conn:
            row = repo.get_config(conn, link_id)
        if row is None:
            return OutgoingConfig(link_id)
        return OutgoingConfig(
            link_id=link_id,
            three_lo=bool(row.three_lo),
            two_lo=bool(row.two_lo),
            two_lo_impersonation=bool(row.two_lo_impersonation),
            basic_username=row.basic_username,
            basic_password_set=row.basic_password is not None,
            consumer_key=row.consumer_key,
            shared_secret_set=row.shared_secret is not None,
            request_token_url=row.request_token_url,
            access_token_url=row.access_token_url,
            authorize_url=row.authorize_url,
        )

    def secrets(self, link_id: str) -> tuple[str | None, str | None]:
        """The decrypted (Basic password, shared secret) of a link, for signing only."""
        with self.engine.connect() as conn:
            row = repo.get_config(conn, link_id)
        if row is None:
            return None, None
        password = self.box.decrypt(row.basic_password) if row.basic_password else None
        secret = self.box.decrypt(row.shared_secret) if row.shared_secret else None
        return password, secret

    def _write(self, config: OutgoingConfig, *, password: str | None = None, secret: str | None = None) -> None:
        with self.engine.begin() as conn:
            old = repo.get_config(conn, config.link_id)
            values: dict[str, Any] = {
                "three_lo": config.three_lo,
                "two_lo": config.two_lo,
                "two_lo_impersonation": config.two_lo_impersonation,
                "basic_username": config.basic_username,
                "basic_password": None,
                "consumer_key": config.consumer_key,
                "shared_secret": None,
                **{name: getattr(config, name) for name in _URL_FIELDS},
            }
            if config.basic_password_set:
                values["basic_password"] = (
                    self.box.encrypt(password) if password else (old.basic_password if old else None)
                )
            if config.shared_secret_set:
                values["shared_secret"] = self.box.encrypt(secret) if secret else (old.shared_secret if old else None)
            repo.save_config(conn, config.link_id, values)

    def set_level(self, link: Link, level: str, actor: HostUser) -> OutgoingConfig:
        """``disabled``, ``oauth`` (3LO + 2LO) or ``impersonation`` (3LO + 2LO + 2LOi, sysadmin only)."""
        wanted = (level or "").strip().lower()
        if wanted not in LEVELS:
            raise InvalidInput(
                f"{level!r} is not an OAuth level; use one of {', '.join(LEVELS)}", key="applinks.level.unknown"
            )
        if wanted == "impersonation":
            _require_sysadmin(actor)
        on = wanted != "disabled"
        current = self.get(link.id)
        changed = replace(current, three_lo=on, two_lo=on, two_lo_impersonation=wanted == "impersonation")
        self._write(changed)
        return self.get(link.id)

    def set_provider(
        self,
        link: Link,
        provider: ProviderName,
        *,
        enabled: bool,
        config: Mapping[str, Any] | None,
        actor: HostUser,
    ) -> OutgoingConfig:
        """Turn one provider on (with its configuration) or off."""
        config = dict(config or {})
        current = self.get(link.id)
        password: str | None = None
        secret: str | None = None
        if provider is OAUTH or provider is TWO_LEGGED_OAUTH:
            changed = replace(current, three_lo=enabled) if provider is OAUTH else replace(current, two_lo=enabled)
            if enabled:
                changed, secret = _oauth_details(changed, config)
        elif provider is TWO_LEGGED_OAUTH_IMPERSONATION:
            if enabled:
                _require_sysadmin(actor)
            changed = replace(current, two_lo_impersonation=enabled)
        elif provider is BASIC:
            if enabled:
                username = _text(config.get("username"), "username", 255)
                password = _text(config.get("password"), "password", 1024, required=not current.basic_password_set)
                if not username:
                    raise InvalidInput("Basic authentication needs a username", key="applinks.basic.username")
                changed = replace(current, basic_username=username, basic_password_set=True)
            else:
                changed = replace(current, basic_username=None, basic_password_set=False)
        else:
            raise InvalidInput(
                f"{provider.short} is not configured through this resource", key="applinks.provider.unsupported"
            )
        self._write(changed, password=password or None, secret=secret)
        return self.get(link.id)


def _require_sysadmin(actor: HostUser) -> None:
    if not actor.is_sysadmin:
        raise PermissionDenied(
            "only a system administrator can enable OAuth with impersonation", key="applinks.sysadmin"
        )


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{name} is required", key=f"applinks.provider.{name}")
        return ""
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 0x20 for c in value):
        raise InvalidInput(f"{name} must be text of at most {limit} characters", key=f"applinks.provider.{name}")
    return value


def _oauth_details(config: OutgoingConfig, given: Mapping[str, Any]) -> tuple[OutgoingConfig, str | None]:
    """Generic-remote OAuth details (protocol.md §6.2): consumer key, shared secret, endpoint URLs."""
    changes: dict[str, Any] = {}
    if "consumerKey" in given:
        changes["consumer_key"] = _text(given.get("consumerKey"), "consumerKey", 255) or None
    secret = _text(given.get("sharedSecret"), "sharedSecret", 1024) or None
    if secret:
        changes["shared_secret_set"] = True
    for name, field_name in (
        ("requestTokenUrl", "request_token_url"),
        ("accessTokenUrl", "access_token_url"),
        ("authorizeUrl", "authorize_url"),
    ):
        if name in given:
            value = _text(given.get(name), name, 2048) or None
            if value and "://" in value:
                check_url(value)
            elif value and not value.startswith("/"):
                raise InvalidInput(f"{name} must be an absolute URL or a path", key="applinks.provider.url")
            changes[field_name] = value
    return replace(config, **changes), secret
