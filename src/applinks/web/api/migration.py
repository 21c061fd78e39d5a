"""``/rest/applinks/3.0/migration/{id}``: what legacy authentication a link uses (GET) and its migration to
OAuth (POST, protocol.md §9), on the remote end too when its administrator's credentials are given."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from applinks.services.migration import target_level
from applinks.web.api.trusted_apps_config import RemoteAdminBody
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, require_admin

router = APIRouter(tags=["trusted applications (legacy)"])
MIGRATION = "/rest/applinks/3.0/migration/{link_id}"


@router.get(MIGRATION, summary="The legacy authentication a link uses and the OAuth level it would migrate to")
def legacy_state(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    state = instance_of(request).migration.state(link_id)
    return {**state.to_json(), "targetLevel": target_level(state.names) if state.names else None}


@router.post(
    MIGRATION,
    summary="Migrate legacy authentication to OAuth: Trusted Applications → OAuth with impersonation, Basic → OAuth",
    openapi_extra={"requestBody": {**body_schema(RemoteAdminBody)["requestBody"], "required": False}},
)
async def migrate(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> dict[str, Any]:
    assert who.user is not None
    actor = who.user
    body = await read_model(request, RemoteAdminBody)
    migration = instance_of(request).migration
    result = await run_in_threadpool(lambda: migration.migrate(link_id, actor=actor, remote=body.remote()))
    return result.to_json()
