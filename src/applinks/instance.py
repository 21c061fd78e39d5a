"""The running instance: settings, storage, identity, encryption and services, wired once at start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
from sqlalchemy import Engine

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import INBOUND_AUTH_TYPES as OAUTH1_INBOUND
from applinks.auth.oauth1.verify import OAuthProvider
from applinks.auth.oauth2.incoming import IncomingClients
from applinks.auth.oauth2.resource import BearerResolver
from applinks.auth.oauth2.server import Lifetimes, OAuth2Server
from applinks.auth.trusted_apps.service import TrustedAppsService
from applinks.crypto import SecretBox, create_key_file, read_key_file
from applinks.discovery.manifest import icon_path
from applinks.domain.manifest import APPLINKS_VERSION, TRUSTED_APPS, Manifest
from applinks.domain.types import ApplicationType, TypeRegistry
from applinks.errors import ConfigurationError
from applinks.host import Host, HostUser
from applinks.identity import Identity, InstanceKey, new_private_key, new_server_id
from applinks.outbound.links import ApplicationLinks
from applinks.outbound.providers.oauth2 import OutgoingOAuth2
from applinks.outbound.service import OutgoingAuth
from applinks.redaction import install as install_log_redaction
from applinks.services.links import LinkService
from applinks.services.rate_limits import RateLimiter, rules_from
from applinks.settings import Settings
from applinks.storage import db
from applinks.storage.oauth2 import OAuth2Repository
from applinks.storage.oauth2_outgoing import OAuth2OutgoingRepository
from applinks.storage.oauth_nonces import NonceStore, RedisNonceStore, SqlNonceStore
from applinks.storage.properties import get_property, set_property_if_absent
from applinks.storage.public_settings import read_public_settings, write_public_settings
from applinks.transport.client import OutboundClient, TransportOptions
from applinks.transport.policy import Resolver

SERVER_ID = "server_id"
PRIVATE_KEY = "instance_private_key"


def _open_secret_box(settings: Settings, engine: Engine) -> SecretBox:
    """Read the key file; create it (mode 0600) only for a database that holds no secrets yet."""
    path = settings.resolved_key_file
    if not path.exists():
        with engine.connect() as conn:
            has_identity = get_property(conn, PRIVATE_KEY) is not None
        if not has_identity:
            create_key_file(path)
    return SecretBox(read_key_file(path), path)


def _load_identity(engine: Engine, box: SecretBox) -> Identity:
    """The server ID and key pair, created once; every node of a cluster ends up with the same ones."""
    with engine.begin() as conn:
        server_id = get_property(conn, SERVER_ID) or set_property_if_absent(conn, SERVER_ID, new_server_id())
        sealed = get_property(conn, PRIVATE_KEY)
        if sealed is None:
            pem = InstanceKey(new_private_key()).private_pem()
            sealed = set_property_if_absent(conn, PRIVATE_KEY, box.encrypt(pem))
    try:
        key = InstanceKey.from_pem(box.decrypt_bytes(sealed))
    except ValueError as exc:
        raise ConfigurationError("the stored instance key is damaged", key="applinks.identity.key") from exc
    return Identity(server_id=server_id, key=key)


class Instance:
    """One applinks instance. Faces (web, CLI) hold one and call its services."""

    def __init__(
        self,
        settings: Settings,
        host: Host | None = None,
        *,
        resolver: Resolver | None = None,
        transport: httpx2.BaseTransport | None = None,
        migrate: bool = True,
    ) -> None:
        self.settings = settings
        self.host = host
        install_log_redaction()  # before anything logs: no secret reaches a log line (security.md)
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"the data directory {settings.data_dir} cannot be used: {exc.strerror or exc}",
                key="applinks.datadir.unusable",
            ) from exc
        self.engine = db.make_engine(settings.resolved_database_url)
        try:
            if migrate:
                db.upgrade(self.engine)
            self.box = _open_secret_box(settings, self.engine)
            self.identity = _load_identity(self.engine, self.box)
            # One home for the public settings: what serve/init stored, unless the environment or a flag says
            # otherwise, so every command and every node agree with the running server.
            with self.engine.connect() as conn:
                settings = self.settings = settings.with_stored(read_public_settings(conn))
        except BaseException:
            self.engine.dispose()  # a refused start must not keep database connections open
            raise
        self.types = TypeRegistry()
        if settings.application_type not in self.types:
            self.types.register(ApplicationType(settings.application_type, settings.application_type.title()))
        self.outbound = OutboundClient(TransportOptions.from_settings(settings), resolver=resolver, transport=transport)
        # Rate limits (security.md): counters in Redis when configured, else per node; the web layer applies them.
        self.rate_limits = RateLimiter(
            rules_from(settings), redis_url=settings.redis_url, key_prefix=settings.redis_prefix
        )
        self.links = LinkService(self.engine, self.types, self.outbound, lambda: self.identity.application_id)
        # Provider class names (protocol.md §5.1) this instance accepts / sends; auth modules add theirs.
        self.inbound_auth_types: list[str] = []
        self.outbound_auth_types: list[str] = []
        # OAuth 1.0a service provider (issue 3): incoming consumers per link, and request verification.
        self.oauth_consumers = ConsumerService(
            self.engine, self.box, self.outbound, settings, self.identity, host=lambda: self.host
        )
        # The one replay store (OAuth 1.0a nonces, Trusted Applications certificates, JWT-bearer jti): Redis
        # SET NX in front of the database's unique insert when Redis is configured, the database alone otherwise.
        # Its database engine commits without waiting for the disk (storage/oauth_nonces.py: the guarantee).
        self._nonce_engine = db.make_engine(settings.resolved_database_url, durable=False)
        self._nonces = SqlNonceStore(self._nonce_engine)
        nonces: NonceStore = self._nonces
        if settings.redis_url:
            nonces = RedisNonceStore.from_url(settings.redis_url, nonces, settings.redis_prefix)
        self.oauth_provider = OAuthProvider(self.engine, self.box, settings, self.oauth_consumers, nonces=nonces)
        # A deleted link takes its consumer with it (ON DELETE CASCADE): no cached copy may outlive it.
        self.links.delete_hooks.append(lambda _conn, _link: self.oauth_consumers.invalidate())
        self.inbound_auth_types.extend(OAUTH1_INBOUND)
        # Trusted Applications (legacy, protocol.md §9.1): understood both ways, enabled per link by an admin.
        self.trusted_apps = TrustedAppsService(
            self.engine,
            self.outbound,
            application_type=settings.application_type,
            server_id=self.identity.server_id,
            private_key=self.identity.key.private_key,
            own_link_id=lambda: self.identity.application_id,
            nonces=self.oauth_provider.nonces,
        )
        self.inbound_auth_types.append(TRUSTED_APPS)
        # OAuth 2.0 authorization server (issue 11): incoming clients, Authlib's grants, bearer tokens.
        oauth2_repository = OAuth2Repository(self.engine)
        self.oauth2_clients = IncomingClients(
            oauth2_repository, base_url=lambda: self.base_url, allow_http=settings.oauth2_allow_http
        )
        self.oauth2_server = OAuth2Server(
            oauth2_repository,
            self._user,
            base_url=lambda: self.base_url,
            lifetimes=Lifetimes(
                settings.oauth2_access_token_ttl, settings.oauth2_refresh_token_ttl, settings.oauth2_code_ttl
            ),
            allow_http=settings.oauth2_allow_http,
            nonces=nonces,
        )
        self.oauth2_resource = BearerResolver(oauth2_repository, self.oauth2_server.now, lambda: self.base_url)
        self.outbound_auth_types.append(TRUSTED_APPS)
        # Outgoing OAuth 2.0 links (issue 11): client configuration, users' tokens, JWT bearer impersonation.
        self.oauth2_outgoing = OutgoingOAuth2(
            OAuth2OutgoingRepository(self.engine),
            self.box,
            self.outbound,
            url=self.url,
            application_id=lambda: self.application_id,
            private_pem=self.identity.key.private_pem,
            allow_http=settings.oauth2_allow_http,
        )
        # Calling linked applications (issue 4): outgoing providers, 3LO tokens held, audit, request factories.
        self.outgoing = OutgoingAuth(self)
        self.application_links = ApplicationLinks(self)
        self.extensions: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    def publish_settings(self) -> None:
        """Store the public settings this instance runs with (``serve`` and ``init``), for every command and
        node that opens the same database without being told them."""
        with self.engine.begin() as conn:
            write_public_settings(
                conn,
                {
                    "base_url": self.settings.base_url,
                    "name": self.settings.name,
                    "application_type": self.settings.application_type,
                },
            )

    def _user(self, name: str) -> HostUser | None:
        return self.host.get_user(name) if self.host is not None else None

    @property
    def application_id(self) -> str:
        return self.identity.application_id

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def url(self, path: str) -> str:
        """An absolute URL of this instance: always from the configured base URL, never a Host header."""
        return self.settings.base_url + path

    def manifest(self) -> Manifest:
        app_type = self.types.get(self.settings.application_type)
        icon = icon_path(app_type.type_id) if app_type else ""
        return Manifest(
            id=self.application_id,
            name=self.settings.name,
            type_id=self.settings.application_type,
            url=self.base_url,
            version=self.settings.version,
            build_number=self.settings.build_number,
            applinks_version=APPLINKS_VERSION,
            inbound_authentication_types=list(self.inbound_auth_types),
            outbound_authentication_types=list(self.outbound_auth_types),
            public_signup=False,
            icon_url=self.url(icon) if icon else "",
            icon_uri=self.url(icon) if icon else "",
        )

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self.outbound.close()
        self._nonces.close()
        self._nonce_engine.dispose()
        self.engine.dispose()
