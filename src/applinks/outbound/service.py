"""``OutgoingAuth``: everything an instance needs to call its linked applications — per-link provider
configuration, the 3LO tokens it holds, the audit log, the provider choice and the request factories.

Attached to the instance as ``instance.outgoing``; the host-facing handles are in ``outbound.links``."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx2

from applinks.domain.links import Link
from applinks.errors import ConfigurationError, CredentialsRequired, ImpersonationNotAllowed, InvalidInput
from applinks.host import HostUser
from applinks.outbound.audit import AuditLog
from applinks.outbound.choice import Available, choose
from applinks.outbound.config import OutgoingConfig, OutgoingConfigStore
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
from applinks.outbound.providers.oauth1 import ConsumerCredentials, OAuth1Auth, OAuthSigner
from applinks.outbound.providers.oauth2 import BearerAuth
from applinks.outbound.tokens import AccessToken, TokenStore
from applinks.transport.client import AsyncOutboundClient, OutboundClient

if TYPE_CHECKING:
    from applinks.instance import Instance

AUTHORIZE_PATH = "/plugins/servlet/applinks/oauth/login-dance/authorize"
ACCESS_PATH = "/plugins/servlet/applinks/oauth/login-dance/access"
SENDABLE = (OAUTH, TWO_LEGGED_OAUTH, TWO_LEGGED_OAUTH_IMPERSONATION, BASIC)

User = HostUser | str | None


def user_name(user: User) -> str | None:
    if user is None:
        return None
    name = user.name if isinstance(user, HostUser) else str(user)
    return name or None


class OutgoingAuth:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.config = OutgoingConfigStore(instance.engine, instance.box)
        self.tokens = TokenStore(instance.engine, instance.box, instance.settings.request_token_ttl)
        self.audit = AuditLog(instance.engine)
        # Told of every request made through a link: (link, provider short name, HTTP status or error key,
        # seconds). Diagnostics' metrics listen here; an observer must not raise.
        self.observers: list[Callable[[Link, str, int | str, float], None]] = []
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOutboundClient] = (
            weakref.WeakKeyDictionary()
        )
        for provider in SENDABLE:
            if provider.class_name not in instance.outbound_auth_types:
                instance.outbound_auth_types.append(provider.class_name)
        consumers: Any = getattr(instance, "oauth_consumers", None)
        if consumers is not None:
            # GET …/authentication lists ``configuredAuthProviders``: the provider area asks us.
            consumers.outgoing_providers = self.configured_json
            consumers.outgoing_consumer = self.outgoing_consumer

    # -- transport -------------------------------------------------------------------------------------
    @property
    def client(self) -> OutboundClient:
        return self.instance.outbound

    def async_client(self) -> AsyncOutboundClient:
        """One async client per event loop (connections belong to the loop that opened them)."""
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            if not self._async_clients:
                self.instance.on_close(self.close)
            client = AsyncOutboundClient(self.client.options, resolver=self.client.resolver)
            self._async_clients[loop] = client
        return client

    # -- who we are to a remote ------------------------------------------------------------------------
    def consumer_key(self) -> str:
        """The consumer key our consumer-info publishes (the OAuth provider area owns it)."""
        consumers: Any = getattr(self.instance, "oauth_consumers", None)
        if consumers is None:
            raise ConfigurationError("OAuth 1.0a is not installed on this instance", key="applinks.oauth.missing")
        return str(consumers.consumer_key())

    def consumer(self, link: Link, config: OutgoingConfig | None = None) -> ConsumerCredentials:
        config = config or self.config.get(link.id)
        _password, secret = self.config.secrets(link.id) if config.shared_secret_set else (None, None)
        key = config.consumer_key or self.consumer_key()
        if secret:
            return ConsumerCredentials(key, shared_secret=secret)
        return ConsumerCredentials(key, rsa_key=self.instance.identity.key.private_key)

    # -- levels and providers --------------------------------------------------------------------------
    def level(self, link: Link) -> dict[str, bool]:
        return self.config.get(link.id).level()

    def set_level(self, link: Link, level: str, actor: HostUser) -> dict[str, bool]:
        return self.config.set_level(link, level, actor).level()

    def enable_oauth(self, link: Link, *, impersonation: bool = False, actor: HostUser) -> dict[str, bool]:
        """What the link wizard calls: outgoing OAuth (3LO + 2LO), with 2LOi when the users are shared."""
        return self.set_level(link, "impersonation" if impersonation else "oauth", actor)

    def trusted_apps_enabled(self, link: Link) -> bool:
        trusted = getattr(self.instance, "trusted_apps", None)
        check = getattr(trusted, "outgoing_enabled", None)
        return bool(check(link.id)) if callable(check) else False

    def _oauth2_flags(self, link: Link) -> tuple[bool, bool]:
        """(OAuth 2.0 configured, with JWT bearer impersonation) on this link."""
        outgoing: Any = getattr(self.instance, "oauth2_outgoing", None)
        found = outgoing.get(link.id) if outgoing is not None else None
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
        return [{"provider": p.class_name} for p in self.configured(link)]

    def outgoing_consumer(self, link_id: str, body: dict[str, Any], actor: HostUser) -> dict[str, Any]:
        """PUT …/authentication/consumer with ``outgoing: true`` (Atlassian's form for a generic remote): our
        consumer key and shared secret there; turns on 3LO, and 2LO when ``twoLOAllowed``."""
        link = self.instance.links.get(link_id)
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

    # -- choosing and signing --------------------------------------------------------------------------
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
            has_oauth2_token=oauth2 and bool(name) and self.instance.oauth2_outgoing.has_token(link.id, name or ""),
        )
        return choose(available, name, requested, allow_anonymous=allow_anonymous, link_name=link.name)

    def auth_for(
        self, link: Link, provider: ProviderName, name: str | None, acting_as: str | None = None
    ) -> tuple[httpx2.Auth | None, AccessToken | None]:
        """The ``httpx2.Auth`` for one request (looked up now: a token may have been revoked meanwhile)."""
        if provider is ANONYMOUS:
            return None, None
        if provider is BASIC:
            config = self.config.get(link.id)
            password, _secret = self.config.secrets(link.id)
            return httpx2.BasicAuth(config.basic_username or "", password or ""), None
        if provider is TRUSTED_APPS:
            trusted: Any = getattr(self.instance, "trusted_apps", None)
            auth: httpx2.Auth = trusted.auth(link.id, acting_as or name or "")
            return auth, None
        if provider is OAUTH2:
            return BearerAuth(self.instance.oauth2_outgoing.access_token(link, name or "")), None
        if provider is OAUTH2_IMPERSONATION:
            return BearerAuth(self.instance.oauth2_outgoing.impersonation_token(link, acting_as or name or "")), None
        consumer = self.consumer(link)
        if provider is TWO_LEGGED_OAUTH:
            return OAuth1Auth(OAuthSigner(consumer, two_legged=True)), None
        if provider is TWO_LEGGED_OAUTH_IMPERSONATION:
            return OAuth1Auth(OAuthSigner(consumer, two_legged=True), requestor=acting_as or name or ""), None
        token = self.tokens.get(link.id, name or "")
        if token is None:
            raise self.credentials_required(link, f"{name} has not authorised this application at {link.name} yet")
        return OAuth1Auth(OAuthSigner(consumer, token=token.token, token_secret=token.secret)), token

    def authorisation_uri(self, link: Link) -> str:
        return self.instance.url(AUTHORIZE_PATH) + "?" + urlencode({"applicationLinkID": link.id})

    def credentials_required(self, link: Link, message: str) -> CredentialsRequired:
        return CredentialsRequired(
            f"{message}; send the user to the authorisation URI",
            authorisation_base=self.authorisation_uri(link),
            link_id=link.id,
        )

    # -- factories -------------------------------------------------------------------------------------
    def request_factory(
        self, link: Link, user: User = None, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> RequestFactory:
        chosen = self.choose(link, user, provider, allow_anonymous=allow_anonymous)
        return RequestFactory(self, link, chosen, user_name(user), audited=chosen.impersonating and chosen is not OAUTH)

    def async_request_factory(
        self, link: Link, user: User = None, provider: str | ProviderName | None = None, *, allow_anonymous: bool = True
    ) -> AsyncRequestFactory:
        chosen = self.choose(link, user, provider, allow_anonymous=allow_anonymous)
        return AsyncRequestFactory(
            self, link, chosen, user_name(user), audited=chosen.impersonating and chosen is not OAUTH
        )

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

    def act_as(self, link: Link, username: str, *, local_user: User = None) -> RequestFactory:
        """Requests as ``username`` over 2LOi, for trusted server code; every request is audited."""
        name = self._acting(link, username)
        return RequestFactory(
            self, link, TWO_LEGGED_OAUTH_IMPERSONATION, user_name(local_user), acting_as=name, audited=True
        )

    def async_act_as(self, link: Link, username: str, *, local_user: User = None) -> AsyncRequestFactory:
        name = self._acting(link, username)
        return AsyncRequestFactory(
            self, link, TWO_LEGGED_OAUTH_IMPERSONATION, user_name(local_user), acting_as=name, audited=True
        )

    def close(self) -> None:
        self._async_clients.clear()
