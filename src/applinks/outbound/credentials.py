"""The credentials of one outgoing request: the chosen provider's ``httpx2.Auth`` (OAuth 1.0a with our consumer
and the user's 3LO token, 2LO, 2LOi, OAuth 2.0 bearer tokens, Basic, Trusted Applications), and
``CredentialsRequired`` when a user has not authorised this application at the remote yet."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import httpx2
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from applinks.auth.trusted_apps.service import TrustedAppsService
from applinks.domain.link import Link
from applinks.errors import CredentialsRequired
from applinks.outbound.config import OutgoingConfig, OutgoingConfigStore
from applinks.outbound.providers.names import (
    ANONYMOUS,
    BASIC,
    OAUTH2,
    OAUTH2_IMPERSONATION,
    TRUSTED_APPS,
    TWO_LEGGED_OAUTH,
    TWO_LEGGED_OAUTH_IMPERSONATION,
    ProviderName,
)
from applinks.outbound.providers.oauth1 import ConsumerCredentials, OAuth1Auth, OAuthSigner
from applinks.outbound.providers.oauth2 import BearerAuth, OutgoingOAuth2
from applinks.outbound.tokens import AccessToken, TokenStore

AUTHORIZE_PATH = "/plugins/servlet/applinks/oauth/login-dance/authorize"
ACCESS_PATH = "/plugins/servlet/applinks/oauth/login-dance/access"


class Credentials:
    """Builds the ``httpx2.Auth`` of each request (looked up per request: a token may have been revoked)."""

    def __init__(
        self,
        config: OutgoingConfigStore,
        tokens: TokenStore,
        trusted_apps: TrustedAppsService,
        oauth2: OutgoingOAuth2,
        *,
        private_key: RSAPrivateKey,
        consumer_key: Callable[[], str],
        base_url: str,
    ) -> None:
        self.config = config
        self.tokens = tokens
        self.trusted_apps = trusted_apps
        self.oauth2 = oauth2
        self._private_key = private_key
        self._consumer_key = consumer_key
        self._base_url = base_url

    def consumer(self, link: Link, config: OutgoingConfig | None = None) -> ConsumerCredentials:
        """Our consumer at the remote: the link's generic consumer key and shared secret when configured,
        else the consumer key our consumer-info publishes, signing with the instance's RSA key."""
        config = config or self.config.get(link.id)
        _password, secret = self.config.secrets(link.id) if config.shared_secret_set else (None, None)
        key = config.consumer_key or self._consumer_key()
        if secret:
            return ConsumerCredentials(key, shared_secret=secret)
        return ConsumerCredentials(key, rsa_key=self._private_key)

    def auth_for(
        self, link: Link, provider: ProviderName, name: str | None, acting_as: str | None = None
    ) -> tuple[httpx2.Auth | None, AccessToken | None]:
        """The ``httpx2.Auth`` for one request, and the 3LO token it uses (None for other providers)."""
        if provider is ANONYMOUS:
            return None, None
        if provider is BASIC:
            config = self.config.get(link.id)
            password, _secret = self.config.secrets(link.id)
            return httpx2.BasicAuth(config.basic_username or "", password or ""), None
        if provider is TRUSTED_APPS:
            return self.trusted_apps.auth(link.id, acting_as or name or ""), None
        if provider is OAUTH2:
            return BearerAuth(self.oauth2.access_token(link, name or "")), None
        if provider is OAUTH2_IMPERSONATION:
            return BearerAuth(self.oauth2.impersonation_token(link, acting_as or name or "")), None
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
        return self._base_url + AUTHORIZE_PATH + "?" + urlencode({"applicationLinkID": link.id})

    def credentials_required(self, link: Link, message: str) -> CredentialsRequired:
        return CredentialsRequired(
            f"{message}; send the user to the authorisation URI",
            authorisation_base=self.authorisation_uri(link),
            link_id=link.id,
        )
