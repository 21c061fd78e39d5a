"""Outgoing authentication over REST: the providers configured on a link, the calling user's grants
(applications they authorised us to use for them) and the audit log of impersonated calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from applinks.domain.link import check_may_change
from applinks.errors import PermissionDenied
from applinks.instance import Instance
from applinks.outbound.grants import grants_of, revoke
from applinks.outbound.providers.names import parse_provider
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, require_admin, require_user

router = APIRouter(tags=["outgoing authentication"])
PROVIDER_PATH = "/rest/applinks/2.0/applicationlink/{link_id}/authentication/provider"
GRANTS_PATH = "/rest/applinks/2.0/authorised-applications"
AUDIT_PATH = "/rest/applinks/2.0/outgoing/audit"


class ProviderBody(BaseModel):
    """Turn one outgoing provider of a link on (with its configuration) or off."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    provider: str = Field(max_length=255)
    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)


@router.get(PROVIDER_PATH, summary="The outgoing authentication providers configured on a link")
def get_providers(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    instance = instance_of(request)
    return instance.outgoing.providers_json(instance.links.get(link_id))


@router.put(
    PROVIDER_PATH,
    summary="Enable, configure or disable one outgoing provider of a link",
    openapi_extra=body_schema(ProviderBody),
)
async def put_provider(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> dict[str, Any]:
    body = await read_model(request, ProviderBody)
    return await run_in_threadpool(_put_provider, instance_of(request), link_id, body, who)


def _put_provider(instance: Instance, link_id: str, body: ProviderBody, who: Principal) -> dict[str, Any]:
    assert who.user is not None
    link = instance.links.get(link_id)
    check_may_change(link, who.user)
    provider = parse_provider(body.provider)
    instance.outgoing.config.set_provider(link, provider, enabled=body.enabled, config=body.config, actor=who.user)
    return instance.outgoing.providers_json(link)


@router.get(GRANTS_PATH, summary="Applications the calling user has authorised this instance to use for them")
def list_grants(request: Request, who: Principal = Depends(require_user)) -> dict[str, Any]:
    return {"applications": [g.to_json() for g in grants_of(instance_of(request).outgoing, who.name)]}


@router.delete(GRANTS_PATH + "/{link_id}", summary="Revoke the calling user's authorisation at a linked application")
def delete_grant(link_id: str, request: Request, who: Principal = Depends(require_user)) -> dict[str, Any]:
    if who.impersonated:
        raise PermissionDenied("impersonated requests cannot revoke authorisations", key="applinks.impersonation")
    return revoke(instance_of(request).outgoing, link_id, who.name)


@router.get(AUDIT_PATH, summary="Outgoing requests made by impersonation or on behalf of another user")
def audit_log(
    request: Request,
    link_id: str | None = Query(default=None, alias="linkId", max_length=64),
    limit: int = Query(default=100, ge=1, le=1000),
    _: Principal = Depends(require_admin),
) -> dict[str, Any]:
    entries = instance_of(request).outgoing.audit.entries(link_id, limit)
    return {"entries": [e.to_json() for e in entries]}
