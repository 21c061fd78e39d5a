"""``/rest/applinks/1.0/manifest`` (anonymous, XML or JSON) and ``/rest/applinks/3.0/capabilities``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from applinks.discovery.manifest import manifest_to_xml
from applinks.domain.manifest import Manifest
from applinks.web.deps import Principal, instance_of, require_admin

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
    return render_manifest(request, instance_of(request).manifest())


@router.get("/rest/applinks/1.0/manifest/{link_id}", summary="The manifest of a link's remote end")
def get_remote_manifest(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    instance = instance_of(request)
    link = instance.links.get(link_id)
    return render_manifest(request, instance.links.fetch_remote(link.rpc_url))


@router.get("/rest/applinks/3.0/capabilities", summary="Capabilities of this instance")
def capabilities() -> list[str]:
    return CAPABILITIES
