"""``/rest/applinks/1.0/manifest`` (anonymous, XML or JSON), ``/rest/applinks/3.0/capabilities`` and the
application-type icons the manifest points at."""

from __future__ import annotations

from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from applinks.discovery.manifest import ICONS_PATH, manifest_to_xml
from applinks.domain.manifest import Manifest
from applinks.errors import NotFound
from applinks.web.deps import Principal, authenticate, instance_of, require_admin

router = APIRouter(tags=["manifest"])
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate"}
CAPABILITIES = ["STATUS_API", "MIGRATION_API"]


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    if "json" not in accept:
        return False
    if "xml" not in accept:
        return True
    return accept.find("json") < accept.find("xml")


def render_manifest(request: Request, manifest: Manifest) -> Response:
    if wants_json(request):
        return JSONResponse(manifest.to_json(), headers=NO_CACHE)
    return Response(manifest_to_xml(manifest), media_type="application/xml", headers=NO_CACHE)


@router.get("/rest/applinks/1.0/manifest", summary="This instance's manifest (XML by default, JSON on request)")
def get_manifest(request: Request) -> Response:
    # Anonymous, but credentials that are presented are verified: Atlassian's diagnostics test a link with a
    # 2LO-signed GET of this resource and expect a 401 OAuth challenge when the signature fails (§10).
    authenticate(request)
    return render_manifest(request, instance_of(request).manifest())


@router.get("/rest/applinks/1.0/manifest/{link_id}", summary="The manifest of a link's remote end")
def get_remote_manifest(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    instance = instance_of(request)
    link = instance.links.get(link_id)
    return render_manifest(request, instance.links.fetch_remote(link.rpc_url))


@router.get("/rest/applinks/3.0/capabilities", summary="Capabilities of this instance")
def capabilities() -> list[str]:
    return CAPABILITIES


_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#0052cc"/>'
    '<text x="16" y="22" font-family="sans-serif" font-size="18" text-anchor="middle" fill="#fff">{letter}</text>'
    "</svg>"
)
# An SVG opened directly is a document: forbid scripts in it whatever it contains.
_ICON_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cache-Control": "max-age=86400",
}


@router.get(ICONS_PATH + "/{file_name}", summary="The icon of an application type (SVG)", include_in_schema=False)
def type_icon(file_name: str, request: Request) -> Response:
    type_id = file_name.removesuffix(".svg")
    app_type = instance_of(request).types.get(type_id) if file_name.endswith(".svg") else None
    if app_type is None:
        raise NotFound(f"no icon called {file_name!r}", key="applinks.icon.notfound")
    letter = escape((app_type.name or app_type.type_id)[:1].upper())
    return Response(_ICON.format(letter=letter), media_type="image/svg+xml", headers=_ICON_HEADERS)
