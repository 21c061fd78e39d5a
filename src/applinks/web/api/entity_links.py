"""Entity links over REST (protocol.md §6.5): ``/rest/applinks/2.0/entitylink``, also served as ``1.0`` and
``latest`` (``versions``), where Atlassian peers send ``<entityLink>`` XML and expect 200 for a delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from applinks.domain.entity_links import EntityRef
from applinks.host import HostUser
from applinks.web.api.versions import api_version
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, require_user
from applinks.web.representation import represent

router = APIRouter(tags=["entity links"])
BASE = "/rest/applinks/2.0/entitylink"


class EntityLinkBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    application_id: str = Field(alias="applicationId", max_length=64)
    type_id: str = Field(alias="typeId", max_length=100)
    key: str = Field(max_length=255)
    name: str | None = Field(default=None, max_length=255)


def _user(who: Principal) -> HostUser:
    # Entity administration is not link management: an administrator impersonated by a linked application
    # (the remote half of a reciprocal entity link) may do it; the entity's own permission check decides.
    assert who.user is not None
    return who.user


@router.get(BASE + "/list/{local_type}/{local_key}", summary="The entity links of a local entity")
def list_entity_links(
    local_type: str,
    local_key: str,
    request: Request,
    type_id: Annotated[str | None, Query(alias="typeId", max_length=100)] = None,
    who: Principal = Depends(require_user),
) -> dict[str, Any]:
    found = instance_of(request).entity_links.list(_user(who), local_type, local_key, type_id)
    return {"entityLinks": [link.to_json() for link in found]}


@router.get(BASE + "/primary/{local_type}/{local_key}", summary="The primary entity link of a type")
def primary_entity_link(
    local_type: str,
    local_key: str,
    type_id: Annotated[str, Query(alias="typeId", max_length=100)],
    request: Request,
    who: Principal = Depends(require_user),
) -> dict[str, Any]:
    return instance_of(request).entity_links.primary(_user(who), local_type, local_key, type_id).to_json()


@router.put(
    BASE + "/{local_type}/{local_key}",
    summary="Link a local entity to a remote one (201; 200 when it existed); reciprocate=true links back first",
    openapi_extra=body_schema(EntityLinkBody),
)
async def put_entity_link(
    local_type: str,
    local_key: str,
    request: Request,
    reciprocate: bool = False,
    who: Principal = Depends(require_user),
) -> Response:
    body = await read_model(request, EntityLinkBody)
    target = EntityRef(body.application_id, body.type_id, body.key, body.name or "")
    service = instance_of(request).entity_links
    link, created = await run_in_threadpool(
        service.add, _user(who), local_type, local_key, target, reciprocate=reciprocate
    )
    return represent(request, link.to_json(), root="entityLink", status_code=201 if created else 200)


@router.post(BASE + "/primary/{local_type}/{local_key}", summary="Make an entity link the primary of its type")
def make_primary_entity_link(
    local_type: str,
    local_key: str,
    type_id: Annotated[str, Query(alias="typeId", max_length=100)],
    key: Annotated[str, Query(max_length=255)],
    application_id: Annotated[str, Query(alias="applicationId", max_length=64)],
    request: Request,
    who: Principal = Depends(require_user),
) -> dict[str, Any]:
    service = instance_of(request).entity_links
    target = EntityRef(application_id, type_id, key)
    return service.make_primary(_user(who), local_type, local_key, target).to_json()


@router.delete(
    BASE + "/{local_type}/{local_key}",
    status_code=204,
    summary="Delete an entity link; reciprocate=true deletes the remote's link back first",
)
def delete_entity_link(
    local_type: str,
    local_key: str,
    type_id: Annotated[str, Query(alias="typeId", max_length=100)],
    key: Annotated[str, Query(max_length=255)],
    application_id: Annotated[str, Query(alias="applicationId", max_length=64)],
    request: Request,
    reciprocate: bool = False,
    who: Principal = Depends(require_user),
) -> Response:
    service = instance_of(request).entity_links
    service.delete(_user(who), local_type, local_key, EntityRef(application_id, type_id, key), reciprocate=reciprocate)
    # Atlassian's EntityLinkClient counts only 200 as deleted; it calls 1.0 (our own 2.0 answers 204).
    return Response(status_code=204 if api_version(request) == "2.0" else 200)
