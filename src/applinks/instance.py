"""The composition root: one running instance — settings, storage, key file, identity — and every service,
built once with explicit collaborators into typed attributes. Nothing below this module imports it."""

from __future__ import annotations

import httpx2
from sqlalchemy import Engine

from applinks.auth.legacy import LegacyConfiguration
from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import INBOUND_AUTH_TYPES as OAUTH1_INBOUND
from applinks.auth.oauth1.verify import OAuthProvider
from applinks.auth.oauth2.incoming import IncomingClients
from applinks.auth.oauth2.resource import BearerResolver
from applinks.auth.oauth2.server import Lifetimes, OAuth2Server
from applinks.auth.trusted_apps.service import TrustedAppsService
from applinks.crypto import SecretBox, create_key_file, read_key_file
from applinks.diagnostics.adapters import OAuth2Probes, OAuthLevels
from applinks.diagnostics.checks import Diagnoser
from applinks.diagnostics.metrics import Metrics
from applinks.diagnostics.service import DiagnosticsService
from applinks.diagnostics.status import LinkStatus
from applinks.discovery.manifest import icon_path
from applinks.domain.link import Link
from applinks.domain.manifest import APPLINKS_VERSION, TRUSTED_APPS, Manifest
from applinks.domain.types import ApplicationType, TypeRegistry
from applinks.errors import ConfigurationError
from applinks.host import EntityDirectory, Host, HostUser, entity_directory
from applinks.identity import Identity, InstanceKey, new_private_key, new_server_id
from applinks.outbound.application_links import ApplicationLinks
from applinks.outbound.calls import SignedCalls
from applinks.outbound.providers.oauth2 import OutgoingOAuth2
from applinks.outbound.service import SENDABLE, OutgoingAuth
from applinks.redaction import install as install_log_redaction
from applinks.services.entity_links import EntityLinkService
from applinks.services.lifecycle import LifecycleService
from applinks.services.migration import LegacyMigration
from applinks.services.rate_limits import RateLimiter, rules_from
from applinks.services.registry import LinkService
from applinks.services.wizard.generic import GenericAuth
from applinks.services.wizard.oauth2 import OAuth2Links
from applinks.services.wizard.service import WizardService
from applinks.services.wizard.two_way import TwoWayAuth
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
    """One applinks instance. Faces (web, CLI) hold one and call its services.

    ``host`` may be attached after construction (a host that stores its users in the instance's database
    needs the engine first); the services that need it ask for it on use."""

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
        engine, box, identity, own_id = self.engine, self.box, self.identity, self.identity.application_id
        self.types = TypeRegistry()
        if settings.application_type not in self.types:
            self.types.register(ApplicationType(settings.application_type, settings.application_type.title()))
        self.outbound = OutboundClient(TransportOptions.from_settings(settings), resolver=resolver, transport=transport)
        # Rate limits (security.md): counters in Redis when configured, else per node; the web layer applies them.
        self.rate_limits = RateLimiter(
            rules_from(settings), redis_url=settings.redis_url, key_prefix=settings.redis_prefix
        )
        self.links = LinkService(engine, self.types, self.outbound, lambda: own_id)

        # Protocols: the OAuth 1.0a service provider (incoming consumers per link, request verification) and
        # Trusted Applications (legacy, protocol.md §9.1: understood both ways, enabled per link by an admin).
        self.oauth_consumers = ConsumerService(engine, box, self.outbound, settings, identity, host=lambda: self.host)
        # The one replay store (OAuth 1.0a nonces, Trusted Applications certificates, JWT-bearer jti): Redis
        # SET NX in front of the database's unique insert when Redis is configured, the database alone otherwise.
        # Its database engine commits without waiting for the disk (storage/oauth_nonces.py: the guarantee).
        self._nonce_engine = db.make_engine(settings.resolved_database_url, durable=False)
        self._nonces = SqlNonceStore(self._nonce_engine)
        nonces: NonceStore = self._nonces
        if settings.redis_url:
            nonces = RedisNonceStore.from_url(settings.redis_url, nonces, settings.redis_prefix)
        self.oauth_provider = OAuthProvider(engine, box, settings, self.oauth_consumers, nonces=nonces)
        # A deleted link takes its consumer with it (ON DELETE CASCADE): no cached copy may outlive it.
        self.links.delete_hooks.append(lambda _conn, _link: self.oauth_consumers.invalidate())
        self.trusted_apps = TrustedAppsService(
            engine,
            self.outbound,
            application_type=settings.application_type,
            server_id=identity.server_id,
            private_key=identity.key.private_key,
            own_link_id=lambda: own_id,
            nonces=self.oauth_provider.nonces,
        )
        # The OAuth 2.0 authorization server: incoming clients, Authlib's grants, bearer tokens.
        oauth2_repository = OAuth2Repository(engine)
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
        # Outgoing OAuth 2.0 links: client configuration, users' tokens, JWT bearer impersonation.
        self.oauth2_outgoing = OutgoingOAuth2(
            OAuth2OutgoingRepository(engine),
            box,
            self.outbound,
            url=self.url,
            application_id=lambda: own_id,
            private_pem=identity.key.private_pem,
            allow_http=settings.oauth2_allow_http,
        )
        # Provider class names (protocol.md §5.1) this instance accepts / sends, as its manifest lists them.
        self.inbound_auth_types: list[str] = [*OAUTH1_INBOUND, TRUSTED_APPS]
        self.outbound_auth_types: list[str] = [TRUSTED_APPS, *(p.class_name for p in SENDABLE)]

        # Calling linked applications: outgoing providers, 3LO tokens held, audit, request factories.
        self.outgoing = OutgoingAuth(
            engine,
            box,
            settings,
            identity,
            self.outbound,
            self.links,
            self.trusted_apps,
            self.oauth2_outgoing,
            consumer_key=self.oauth_consumers.consumer_key,
        )
        self.application_links = ApplicationLinks(self.links, self.outgoing)

        # Use cases.
        self.wizard = WizardService(
            engine,
            settings,
            own_id,
            self.types,
            self.outbound,
            self.links,
            TwoWayAuth(self.outbound, self.oauth_consumers, self.outgoing, own_id),
            GenericAuth(self.links, self.oauth_consumers, self.outgoing),
            OAuth2Links(
                self.outbound, self.oauth2_clients, self.oauth2_outgoing, self.oauth_consumers, settings, identity
            ),
        )
        self.lifecycle = LifecycleService(
            engine,
            self.types,
            self.outbound,
            self.links,
            own_id,
            self.oauth_consumers,
            self.outgoing,
            base_url=settings.base_url,
        )
        self.entity_links = EntityLinkService(
            engine, self.types, self.links, self.outgoing, own_id, directory=self._entity_directory
        )
        self.migration = LegacyMigration(
            engine, self.links, self.outbound, own_id, self.oauth_consumers, self.outgoing, self.trusted_apps
        )

        # Diagnostics: link checks through the auth areas' ports, stored results, metrics of calls and checks.
        diagnoser = Diagnoser(
            outbound=self.outbound,
            own_id=lambda: own_id,
            base_url=settings.base_url,
            levels=OAuthLevels(self.oauth_consumers, self.outgoing),
            legacy=LegacyConfiguration(engine, self.trusted_apps),
            signed=SignedCalls(self.outgoing),
            oauth2=OAuth2Probes(self.oauth2_outgoing),
        )
        self.diagnostics = DiagnosticsService(engine, self.links, diagnoser, monitor_interval=settings.monitor_interval)
        self.metrics = Metrics(engine)
        self.outgoing.observers.append(self._count_outgoing)
        self.diagnostics.listeners.append(self._count_check)

    def _entity_directory(self) -> EntityDirectory:
        return entity_directory(self.host)

    def _count_outgoing(self, link: Link, provider: str, outcome: int | str, seconds: float) -> None:
        self.metrics.record_outgoing(link.id, provider, outcome, seconds)

    def _count_check(self, status: LinkStatus) -> None:
        self.metrics.record_check(status.error.type if status.error else None)

    def start_background(self, *, self_check: bool = True) -> None:
        """What a serving instance runs besides requests: the base-URL self-check and the link monitor."""
        self.diagnostics.start_background(self.outbound, self.application_id, self_check=self_check)

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

    def close(self) -> None:
        self.diagnostics.stop()
        self.outgoing.close()
        self.outbound.close()
        self._nonces.close()
        self._nonce_engine.dispose()
        self.engine.dispose()
