"""``OutgoingAuth``: everything an instance needs to call its linked applications — per-link provider
configuration, the 3LO tokens it holds, the audit log, the provider choice and the request factories.

The instance holds it as ``instance.outgoing``; the host-facing handles are in ``outbound.application_links``.
A request goes one way: ``choose`` the provider here, then the factory prepares it and the ``Sender`` signs
(``Credentials``) and sends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine

from applinks.auth.trusted_apps.service import TrustedAppsService
from applinks.crypto import SecretBox
from applinks.domain.link import Link
from applinks.errors import CredentialsRequired, ImpersonationNotAllowed, InvalidInput
from applinks.host import HostUser
from applinks.identity import Identity
from applinks.outbound.audit import AuditLog
from applinks.outbound.choice import Available, choose
from applinks.outbound.config import OutgoingConfig, OutgoingConfigStore
from applinks.outbound.credentials import Credentials
from applinks.outbound.factory import AsyncRequestFactory, RequestFactory
from applinks.outbound.providers.names import (
    ALL,
    ANONYMOUS,
    BASIC,
    OAUTH,
    OAUTH2,
    OAUTH2_IMPERSONATION,
    TRUSTED_APPS,
    TWO_LEGGED_OAUTH,
    TWO_LEGGED_OAUTH_IMPERSONATION,
    ProviderName,
    parse_provider,
)
from applinks.outbound.providers.oauth1 import ConsumerCredentials
from applinks.outbound.providers.oauth2 import OutgoingOAuth2
from applinks.outbound.sender import Call, Observer, Sender
from applinks.outbound.tokens import TokenStore
from applinks.settings import Settings
from applinks.transport.client import OutboundClient

# The providers this instance can send (listed in its manifest's outbound authentication types).
SENDABLE = (OAUTH, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION, BASIC)

User = HostUser | str | None


class LinkSource(Protocol):
    """How the outbound area finds a link by ID (the link registry); ``LinkNotFound`` when there is none."""

    def get(self, link_id: str) -> Link: ...


def user_name(user: User) -> str | None:
    if user is None:
        return None
    name = user.name if isinstance(user, HostUser) else str(user)
    return name or None


class OutgoingAuth:
    def __init__(
        self,
        engine: Engine,
        box: SecretBox,
        settings: Settings,
        identity: Identity,
        client: OutboundClient,
        links: LinkSource,
        trusted_apps: TrustedAppsService,
        oauth2: OutgoingOAuth2,
        consumer_key: Callable[[], str],
    ) -> None:
        """``consumer_key``: the key our consumer-info publishes (the OAuth provider area owns it)."""
        self.links = links
        self.base_url = settings.base_url
        self.client = client
        self.trusted_apps = trusted_apps
        self.oauth2 = oauth2
        self.config = OutgoingConfigStore(engine, box)
        self.tokens = TokenStore(engine, box, settings.request_token_ttl)
        self.audit = AuditLog(engine)
        self.observers: list[Observer] = []
        self.credentials = Credentials(
            self.config,
            self.tokens,
            trusted_apps,
            oauth2,
            private_key=identity.key.private_key,
            consumer_key=consumer_key,
            base_url=settings.base_url,
        )
        self.sender = Sender(client, self.credentials, self.audit, self.observers)

    # -- who we are to a remote ------------------------------------------------------------------------
    def consumer(self, link: Link, config: OutgoingConfig | None = None) -> ConsumerCredentials:
        return self.credentials.consumer(link, config)

    # -- levels and providers --------------------------------------------------------------------------
    def level(self, link: Link) -> dict[str, bool]:
        return self.config.get(link.id).level()

    def set_level(self, link: Link, level: str, actor: HostUser) -> dict[str, bool]:
        return self.config.set_level(link, level, actor).level()

    def enable_oauth(self, link: Link, *, impersonation: bool = False, actor: HostUser) -> dict[str, bool]:
        """What the link wizard calls: outgoing OAuth (3LO + 2LO), with 2LOi when the users are shared."""
        return self.set_level(link, "impersonation" if impersonation else "oauth", actor)

    def trusted_apps_enabled(self, link: Link) -> bool:
        return self.trusted_apps.outgoing_enabled(link.id)

    def _oauth2_flags(self, link: Link) -> tuple[bool, bool]:
        """(OAuth 2.0 configured, with JWT bearer impersonation) on this link."""
        found = self.oauth2.get(link.id)
        return (found is not None, bool(found and found.impersonation))

    def configured(self, link: Link) -> list[ProviderName]:
        config = self.config.get(link.id)
        oauth2, oauth2_impersonation = self._oauth2_flags(link)
        available = Available(
            config,
            trusted_apps=self.trusted_apps_enabled(link),
            oauth2=oauth2,
            oauth2_impersonation=oauth2_impersonation,
        )
        return [p for p in ALL if p is not ANONYMOUS and available.configured(p)]

    def configured_json(self, link: Link) -> list[dict[str, Any]]:
        """``configuredAuthProviders`` of GET …/authentication: the link's outgoing providers."""
        return [{"provider": p.class_name} for p in self.configured(link)]

    def outgoing_consumer(self, link: Link, body: dict[str, Any], actor: HostUser) -> dict[str, Any]:
        """PUT …/authentication/consumer with ``outgoing: true`` (Atlassian's form for a generic remote): our
        consumer key and shared secret there; turns on 3LO, and 2LO when ``twoLOAllowed``."""
        config: dict[str, Any] = {}
        if body.get("key"):
            config["consumerKey"] = body["key"]
        if body.get("sharedSecret"):
            config["sharedSecret"] = body["sharedSecret"]
        self.config.set_provider(link, OAUTH, enabled=True, config=config, actor=actor)
        if body.get("twoLOAllowed"):
            self.config.set_provider(link, TWO_LEGGED_OAUTH, enabled=True, config=None, actor=actor)
        return self.providers_json(link)

    def providers_json(self, link: Link) -> dict[str, Any]:
        """GET …/applicationlink/{id}/authentication/provider: configured providers (no secrets) and level."""
        config = self.config.get(link.id)
        providers = [
            {"provider": p.class_name, "module": p.short, "config": config.provider_config(p)}
            if p not in (TRUSTED_APPS, OAUTH2, OAUTH2_IMPERSONATION)
            else {"provider": p.class_name, "module": p.short, "config": {}}
            for p in self.configured(link)
        ]
        return {"providers": providers, "outgoing": config.level(), "level": config.level_name()}

    # -- choosing --------------------------------------------------------------------------------------
    def choose(
        self, link: Link, user: User, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> ProviderName:
        name = user_name(user)
        requested = parse_provider(provider) if provider is not None else None
        oauth2, oauth2_impersonation = self._oauth2_flags(link)
        available = Available(
            self.config.get(link.id),
            trusted_apps=self.trusted_apps_enabled(link),
            has_token=bool(name) and self.tokens.has(link.id, name or ""),
            oauth2=oauth2,
            oauth2_impersonation=oauth2_impersonation,
            has_oauth2_token=oauth2 and bool(name) and self.oauth2.has_token(link.id, name or ""),
        )
        return choose(available, name, requested, allow_anonymous=allow_anonymous, link_name=link.name)

    def authorisation_uri(self, link: Link) -> str:
        return self.credentials.authorisation_uri(link)

    def credentials_required(self, link: Link, message: str) -> CredentialsRequired:
        return self.credentials.credentials_required(link, message)

    # -- factories -------------------------------------------------------------------------------------
    def _call(self, link: Link, user: User, provider: str | ProviderName | None, allow_anonymous: bool) -> Call:
        chosen = self.choose(link, user, provider, allow_anonymous=allow_anonymous)
        # A user's own 3LO grant is not impersonation by this instance: only 2LOi and Trusted Apps are audited.
        return Call(link, chosen, user_name(user), audited=chosen.impersonating and chosen is not OAUTH)

    def request_factory(
        self, link: Link, user: User = None, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> RequestFactory:
        return RequestFactory(self.sender, self._call(link, user, provider, allow_anonymous))

    def async_request_factory(
        self, link: Link, user: User = None, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> AsyncRequestFactory:
        return AsyncRequestFactory(self.sender, self._call(link, user, provider, allow_anonymous))

    def probe_factory(self, link: Link, provider: ProviderName) -> RequestFactory:
        """Requests with ``provider`` and no user, whatever the link's configuration (diagnostic probes)."""
        return RequestFactory(self.sender, Call(link, provider, None))

    def _acting(self, link: Link, username: str) -> str:
        name = (username or "").strip()
        if not name or len(name) > 255 or any(ord(c) < 0x20 for c in name):
            raise InvalidInput("give the name of the user to act as", key="applinks.impersonation.user")
        if not self.config.get(link.id).two_lo_impersonation:
            raise ImpersonationNotAllowed(
                f"{link.name} does not allow acting as another user: enable OAuth with impersonation on the link "
                "(only for applications that share their users)",
                link_id=link.id,
            )
        return name

    def _acting_call(self, link: Link, username: str, local_user: User) -> Call:
        name = self._acting(link, username)
        return Call(link, TWO_LEGGED_OAUTH_IMPERSONATION, user_name(local_user), acting_as=name, audited=True)

    def act_as(self, link: Link, username: str, *, local_user: User = None) -> RequestFactory:
        """Requests as ``username`` over 2LOi, for trusted server code; every request is audited."""
        return RequestFactory(self.sender, self._acting_call(link, username, local_user))

    def async_act_as(self, link: Link, username: str, *, local_user: User = None) -> AsyncRequestFactory:
        return AsyncRequestFactory(self.sender, self._acting_call(link, username, local_user))

    def close(self) -> None:
        self.sender.close()
