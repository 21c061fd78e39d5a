"""Relocating a link (protocol.md §6.3) and its "moved" detection over REST."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse, Response

from applinks.services.lifecycle import moved_state
from applinks.web.deps import Principal, instance_of, require_admin

router = APIRouter(tags=["relocate"])
RELOCATE = "/rest/applinks/1.0/relocateApplicationlink"


@router.post(
    RELOCATE + "/{link_id}",
    summary="Relocate a link to newUrl: 204; 409 unreachable (nowarning=true forces), 400 other type, "
    "409 other application (force=true re-keys it; 200 with the new link)",
)
def relocate(
    link_id: str,
    new_url: Annotated[str, Query(alias="newUrl", max_length=2048)],
    request: Request,
    nowarning: bool = False,
    force: bool = False,
    who: Principal = Depends(require_admin),
) -> Response:
    assert who.user is not None
    service = instance_of(request).lifecycle
    result = service.relocate(link_id, new_url, actor=who.user, nowarning=nowarning, force=force)
    if result.application_changed:
        return JSONResponse(result.to_json())
    return Response(status_code=204)


@router.get(RELOCATE + "/{link_id}", summary="The last 'moved' finding for a link (no round trip)")
def moved(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    return moved_state(instance_of(request).links.get(link_id)).to_json()


@router.post(RELOCATE + "/{link_id}/check", summary="Probe the link's RPC URL now and flag it 'moved' if it has")
def check_moved(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    return instance_of(request).lifecycle.detect_moved(link_id).to_json()
