"""``create_app``: the ASGI application a host mounts to become linkable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI

from applinks.host import Host
from applinks.instance import Instance
from applinks.settings import Settings
from applinks.transport.policy import Resolver
from applinks.web.api import (
    applicationlink,
    authentication_info,
    entity_links,
    manifest,
    oauth_consumers,
    outgoing,
    relocate,
    trusted_apps_config,
    wizard,
)
from applinks.web.api import migration as migration_api
from applinks.web.api import oauth2 as oauth2_api
from applinks.web.api import status as status_api
from applinks.web.api.versions import install_versions
from applinks.web.auth.oauth1 import oauth_authenticator
from applinks.web.auth.oauth2 import bearer_authenticator
from applinks.web.auth.trusted_apps import trusted_apps_authenticator
from applinks.web.deps import Authenticator, basic_authenticator, session_authenticator
from applinks.web.errors import install_error_handlers
from applinks.web.protocol import login_dance
from applinks.web.protocol import oauth1 as oauth1_protocol
from applinks.web.protocol import oauth2 as oauth2_protocol
from applinks.web.response_headers import ResponseHeadersMiddleware
from applinks.web.ui import install as install_ui


def create_app(
    settings: Settings | None = None,
    host: Host | None = None,
    *,
    instance: Instance | None = None,
    resolver: Resolver | None = None,
    transport: httpx2.BaseTransport | None = None,
) -> FastAPI:
    """Build the applinks ASGI app. The host mounts it at its base URL's path (``/`` for most hosts)."""
    if instance is None:
        instance = Instance(settings or Settings(), host, resolver=resolver, transport=transport)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        instance.close()

    app = FastAPI(
        title="applinks",
        version=instance.settings.version,
        description="Application Links: the REST API and protocol endpoints of this instance.",
        lifespan=lifespan,
        docs_url=None,  # served by web.ui.docs from local files (no CDN)
        openapi_url="/rest/applinks/openapi.json",
        redoc_url=None,
    )
    app.state.instance = instance
    # First: a request carrying OAuth credentials (an OAuth 2.0 bearer token, an OAuth 1.0a signature) is
    # decided by them, never by a session cookie beside them.
    # Legacy Trusted Applications: after OAuth, before Basic (protocol.md §9.1).
    chain: list[Authenticator] = [
        bearer_authenticator,
        oauth_authenticator,
        trusted_apps_authenticator,
        basic_authenticator,
        session_authenticator,
    ]
    app.state.authenticators = chain
    app.add_middleware(ResponseHeadersMiddleware)
    app.include_router(trusted_apps_config.router)
    app.include_router(migration_api.router)
    install_error_handlers(app)
    app.include_router(manifest.router)
    app.include_router(applicationlink.router)
    for lifecycle_router in (wizard.router, relocate.router, entity_links.router):
        app.include_router(lifecycle_router)
    status_api.install(app, instance)
    app.include_router(oauth1_protocol.router)  # OAuth 1.0a provider: request/authorize/access-token, pages
    app.include_router(oauth_consumers.router)
    app.include_router(login_dance.router)  # calling linked applications: login dance, authorised applications
    app.include_router(outgoing.router)  # per-link providers, the user's grants, the audit log
    app.include_router(oauth2_protocol.router)  # OAuth 2.0 provider: authorize, token, revoke, pages
    app.include_router(oauth2_api.router)
    install_ui(app)  # administration pages, wizard, API docs page, static files
    app.include_router(authentication_info.router)
    # The 1.0 and latest paths Atlassian peers call (protocol.md §10), after every route they copy.
    install_versions(
        app,
        (
            trusted_apps_config.router,
            migration_api.router,
            manifest.router,
            applicationlink.router,
            wizard.router,
            relocate.router,
            entity_links.router,
            status_api.router,
            oauth1_protocol.router,
            oauth_consumers.router,
            login_dance.router,
            outgoing.router,
            authentication_info.router,
        ),
    )
    return app
