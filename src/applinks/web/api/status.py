"""Link status over REST (protocol.md §7): ``/rest/applinks/3.0/status/{id}``, its ``/oauth`` levels, ``/metrics``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from applinks.diagnostics.metrics import CONTENT_TYPE
from applinks.diagnostics.status import AuthLevels, overview
from applinks.errors import NotFound
from applinks.instance import Instance
from applinks.web.body import body_schema, read_mapping
from applinks.web.deps import Principal, authenticate, instance_of, require_admin

router = APIRouter(tags=["status"])
STATUS = "/rest/applinks/3.0/status"


class _Level(BaseModel):
    enabled: bool = False
    twoLoEnabled: bool = False  # wire name
    twoLoImpersonationEnabled: bool = False  # wire name


class OAuthStatusBody(BaseModel):
    """``{incoming:{enabled,twoLoEnabled,twoLoImpersonationEnabled}, outgoing:{…}}``."""

    model_config = ConfigDict(extra="ignore")

    incoming: _Level
    outgoing: _Level


@router.get(STATUS, summary="Every link's last stored status and its age, never-checked links too (no round trips)")
def list_status(request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    """The shape of ``applinks doctor --json``: this instance, then one entry per link (``ageSeconds`` of the
    stored result; ``NOT CHECKED`` with nulls for a link never checked)."""
    instance = instance_of(request)
    stored = instance.diagnostics.all_last()
    return {
        "instance": {"id": instance.application_id, "baseUrl": instance.base_url},
        "links": overview(instance.links.list(), stored, datetime.now(UTC)),
    }


@router.get(STATUS + "/{link_id}", summary="Check a link now (or, with cached=true, its last stored status)")
def link_status(
    link_id: str, request: Request, cached: bool = False, who: Principal = Depends(require_admin)
) -> dict[str, Any]:
    service = instance_of(request).diagnostics
    if cached:
        stored = service.last(link_id)
        if stored is None:
            raise NotFound(f"link {link_id} has not been checked yet", key="applinks.status.unchecked")
        return stored
    return service.check(link_id, who.user).to_json()


@router.get(
    STATUS + "/{link_id}/oauth",
    summary="The OAuth level of each direction of a link (anonymous: remotes call it while diagnosing)",
)
def oauth_status(link_id: str, request: Request) -> dict[str, Any]:
    # Anonymous on purpose (protocol.md §7): nothing but the three flags per direction is revealed. Credentials
    # that are presented are still verified: a remote's diagnostics sign this request to test the link.
    principal = authenticate(request)
    service = instance_of(request).diagnostics
    body: dict[str, Any] = dict(service.oauth_levels(link_id).to_json())
    if principal.link_id == link_id and principal.method.startswith("oauth"):
        # The linked application itself, proven by its signature, learns the URL we call it at: its
        # diagnostics compare it with its base URL (a mismatch breaks the signatures it verifies).
        body["link"] = {"rpcUrl": service.links.get(link_id).rpc_url}
    return body


@router.put(
    STATUS + "/{link_id}/oauth",
    summary="Set the OAuth level of each direction of a link",
    openapi_extra=body_schema(OAuthStatusBody),
)
async def set_oauth_status(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> dict[str, Any]:
    assert who.user is not None
    levels = AuthLevels.from_json(await read_mapping(request))
    service = instance_of(request).diagnostics
    stored = await run_in_threadpool(service.set_oauth_levels, link_id, levels, who.user)
    return stored.to_json()


@router.get("/metrics", summary="Prometheus metrics (administrators; scrape with basic_auth)")
def metrics(request: Request, _: Principal = Depends(require_admin)) -> Response:
    return Response(instance_of(request).metrics.render(), media_type=CONTENT_TYPE)


def install(app: FastAPI, instance: Instance) -> None:
    """Mount the status routes and start the self-check and monitor of ``instance``."""
    app.include_router(router)
    instance.start_background()
