"""``create_app``: the ASGI application a host mounts to become linkable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI

from applinks.auth.oauth1 import endpoints as oauth1_endpoints
from applinks.auth.oauth1 import rest as oauth1_rest
from applinks.auth.oauth1.web import install as install_oauth1
from applinks.host import Host
from applinks.instance import Instance
from applinks.outbound import web as outbound_web
from applinks.settings import Settings
from applinks.transport.policy import Resolver
from applinks.web.api import authentication_info, entity_links, links, manifest, relocate, wizard
from applinks.web.api import migration as migration_api
from applinks.web.api import oauth2 as oauth2_api
from applinks.web.api import status as status_api
from applinks.web.api import trusted_apps as trusted_apps_api
from applinks.web.api.versions import install_versions
from applinks.web.auth.oauth2 import bearer_authenticator
from applinks.web.deps import Authenticator, basic_authenticator, session_authenticator
from applinks.web.errors import install_error_handlers
from applinks.web.protocol import oauth2 as oauth2_protocol
from applinks.web.response_headers import ResponseHeadersMiddleware
from applinks.web.trusted_apps import trusted_apps_authenticator
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
    chain: list[Authenticator] = [basic_authenticator, session_authenticator]
    app.state.authenticators = chain
    # Legacy Trusted Applications: after OAuth, before Basic (protocol.md §9.1).
    chain.insert(chain.index(basic_authenticator), trusted_apps_authenticator)
    app.add_middleware(ResponseHeadersMiddleware)
    app.include_router(trusted_apps_api.router)
    app.include_router(migration_api.router)
    install_error_handlers(app)
    app.include_router(manifest.router)
    app.include_router(links.router)
    for lifecycle_router in (wizard.router, relocate.router, entity_links.router):
        app.include_router(lifecycle_router)
    status_api.install(app, instance)
    install_oauth1(app)  # OAuth 1.0a provider routes; its authenticator goes first in the chain
    app.include_router(outbound_web.router)  # calling linked applications: login dance, grants, providers
    # OAuth 2.0 (issue 11): a bearer token decides the request, never a cookie beside it.
    chain.insert(0, bearer_authenticator)
    app.include_router(oauth2_protocol.router)
    app.include_router(oauth2_api.router)
    install_ui(app)  # administration pages, wizard, API docs page, static files
    app.include_router(authentication_info.router)
    # The 1.0 and latest paths Atlassian peers call (protocol.md §10), after every route they copy.
    install_versions(
        app,
        (
            trusted_apps_api.router,
            migration_api.router,
            manifest.router,
            links.router,
            wizard.router,
            relocate.router,
            entity_links.router,
            status_api.router,
            oauth1_endpoints.router,
            oauth1_rest.router,
            outbound_web.router,
            authentication_info.router,
        ),
    )
    return app
