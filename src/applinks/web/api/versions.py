"""REST versions: every applinks resource under the versions Atlassian serves it at, and under ``latest``.

Atlassian peers call ``/rest/applinks/latest/…`` and ``/rest/applinks-oauth/latest/…`` by default, and
``/rest/applinks/1.0/…`` for the reciprocal link, reciprocal delete and entity-link reciprocation
(protocol.md §10). The routers declare each resource once, at its own version; ``install_versions`` adds the
same endpoint at the other paths, so they are in the OpenAPI document too. ``latest`` is the highest version
serving a path."""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute

_VERSIONED = re.compile(r"^/rest/(applinks|applinks-oauth)/(\d+\.\d+)(/.*)$")
LATEST = "latest"
# Resources Atlassian also serves at 1.0 (its v1 ApplicationLinkResource and EntityLinkResource), declared here
# at 2.0. A link's outgoing providers stay at 2.0 (and latest), as Atlassian has them.
_ALSO_V1 = re.compile(r"^/rest/applinks/2\.0(/(applicationlink|entitylink)(/.*)?)$")
_NOT_V1 = re.compile(r"/authentication/provider$")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def api_version(request: Request) -> str:
    """The version in the path this request was routed by (``1.0``, ``2.0``, ``3.0`` or ``latest``)."""
    route = request.scope.get("route")
    match = _VERSIONED.match(getattr(route, "path", "") or request.url.path)
    return match.group(2) if match else (LATEST if "/latest/" in request.url.path else "")


def _copy(router: APIRouter, route: APIRoute, path: str, methods: Iterable[str]) -> None:
    router.add_api_route(
        path,
        route.endpoint,
        methods=sorted(methods),
        response_model=route.response_model,
        status_code=route.status_code,
        tags=list(route.tags or ()),
        summary=route.summary,
        description=route.description,
        response_class=route.response_class,
        include_in_schema=route.include_in_schema,
        name=route.name,
        openapi_extra=route.openapi_extra,
        dependencies=list(route.dependencies or ()),
    )


def install_versions(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the 1.0 and ``latest`` paths of the versioned routes in ``routers`` to ``app``."""
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    existing = {(route.path, method) for route in routes for method in route.methods or ()}
    aliases = APIRouter()
    # (api, path below the version) → method → (version, route); insertion order keeps the routers' order.
    served: dict[tuple[str, str], dict[str, tuple[str, APIRoute]]] = {}

    def offer(api: str, version: str, rest: str, route: APIRoute) -> None:
        methods = served.setdefault((api, rest), {})
        for method in route.methods or ():
            if method not in methods or _version_key(version) > _version_key(methods[method][0]):
                methods[method] = (version, route)

    for route in routes:
        match = _VERSIONED.match(route.path)
        if match is None:
            continue
        api, version, rest = match.groups()
        offer(api, version, rest, route)
        v1 = _ALSO_V1.match(route.path)
        if v1 is None or _NOT_V1.search(route.path):
            continue
        path = "/rest/applinks/1.0" + v1.group(1)
        if not any((path, method) in existing for method in route.methods or ()):
            _copy(aliases, route, path, route.methods or ())
            offer("applinks", "1.0", v1.group(1), route)
    for (api, rest), methods in served.items():
        by_route: dict[int, tuple[APIRoute, set[str]]] = {}
        for method, (_version, route) in methods.items():
            by_route.setdefault(id(route), (route, set()))[1].add(method)
        for route, route_methods in by_route.values():
            _copy(aliases, route, f"/rest/{api}/{LATEST}{rest}", route_methods)
    app.include_router(aliases)
