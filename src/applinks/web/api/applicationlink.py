"""The link registry over REST: ``/rest/applinks/2.0/applicationlink`` (also served as ``1.0`` and ``latest``,
see ``versions``; JSON or Atlassian's XML, answered in the caller's ``Accept`` type) and
``/rest/applinks/3.0/applinks``."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from applinks.domain.link import Link
from applinks.errors import InvalidInput
from applinks.services.registry import LinkUpdate
from applinks.web.api.versions import api_version
from applinks.web.body import body_schema, read_model
from applinks.web.deps import (
    Principal,
    instance_of,
    limit_link_creation,
    require_admin,
    require_admin_or_link_itself,
)
from applinks.web.representation import link_xml, represent

router = APIRouter(tags=["links"])
V2 = "/rest/applinks/2.0/applicationlink"
V3 = "/rest/applinks/3.0/applinks"


class LinkBodyV2(BaseModel):
    """A link as ``PUT``/``POST /rest/applinks/2.0/applicationlink/{id}`` take it."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str | None = None
    type_id: str | None = Field(default=None, alias="typeId")
    name: str | None = Field(default=None, max_length=255)
    display_url: str | None = Field(default=None, alias="displayUrl", max_length=2048)
    rpc_url: str | None = Field(default=None, alias="rpcUrl", max_length=2048)
    is_primary: bool | None = Field(default=None, alias="isPrimary")
    is_system: bool | None = Field(default=None, alias="isSystem")


class LinkCreateV3(BaseModel):
    """Add a link to the application at ``url``; its manifest gives ID, name and type."""

    # An administrator's API (no remote application sends it): an unknown key is refused, naming it.
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    url: str = Field(max_length=2048)
    name: str | None = Field(default=None, max_length=255)
    display_url: str | None = Field(default=None, alias="displayUrl", max_length=2048)


class LinkUpdateV3(BaseModel):
    # An administrator's API (no remote application sends it): an unknown key is refused, naming it.
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    name: str | None = Field(default=None, max_length=255)
    display_url: str | None = Field(default=None, alias="displayUrl", max_length=2048)
    rpc_url: str | None = Field(default=None, alias="rpcUrl", max_length=2048)
    type: str | None = None
    primary: bool | None = None


def _v2_list(request: Request, links: list[Link]) -> Response:
    data = {"applicationLinks": [link.to_v2() for link in links]}
    return represent(request, data, root="applicationLinks")


def _one(request: Request, link: Link, status_code: int = 200) -> Response:
    """One link as JSON, or as Atlassian's ``<applicationLink>`` for an XML caller."""
    version = api_version(request) or "2.0"
    self_url = instance_of(request).url(f"/rest/applinks/{version}/applicationlink/{link.id}")
    data = link.to_v2()
    return represent(request, data, root="applicationLink", status_code=status_code, xml=link_xml(data, self_url))


# -- v2 (and 1.0, latest) -------------------------------------------------------------------------------
@router.get(V2, summary="List application links")
def list_links(request: Request, _: Principal = Depends(require_admin)) -> Response:
    return _v2_list(request, instance_of(request).links.list())


@router.get(V2 + "/type/{type_id}", summary="Links of one application type, primary first")
def links_of_type(type_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    found = instance_of(request).links.list(type_id)
    return _v2_list(request, sorted(found, key=lambda link: not link.is_primary))


@router.get(V2 + "/primary/{type_id}", summary="The primary link of an application type")
def primary_link(type_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    return _one(request, instance_of(request).links.primary(type_id))


@router.post(V2 + "/primary/{link_id}", summary="Make a link the primary of its type")
def make_primary(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> Response:
    assert who.user is not None
    return _one(request, instance_of(request).links.make_primary(link_id, actor=who.user))


@router.get(V2 + "/{link_id}", summary="One application link")
def get_link(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    return _one(request, instance_of(request).links.get(link_id))


def _update_from_v2(body: LinkBodyV2) -> LinkUpdate:
    return LinkUpdate(
        name=body.name,
        display_url=body.display_url,
        rpc_url=body.rpc_url,
        type_id=body.type_id,
        is_primary=body.is_primary,
    )


@router.put(
    V2 + "/{link_id}",
    summary="Create the link if absent (201), else update it (JSON or XML <applicationLink> body)",
    openapi_extra=body_schema(LinkBodyV2),
)
async def put_link(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> Response:
    assert who.user is not None
    body = await read_model(request, LinkBodyV2)
    if body.id is not None and body.id != link_id:
        raise InvalidInput("the id in the body differs from the id in the path", key="applinks.id.mismatch")
    service = instance_of(request).links
    if not await run_in_threadpool(service.exists, link_id):
        created = await run_in_threadpool(
            partial(
                service.add_with_id,
                link_id,
                body.rpc_url,
                actor=who.user,
                type_id=body.type_id,
                name=body.name,
                display_url=body.display_url,
                is_primary=bool(body.is_primary),
                is_system=bool(body.is_system),
            )
        )
        return _one(request, created, 201)
    updated = await run_in_threadpool(service.update, link_id, _update_from_v2(body), actor=who.user)
    return _one(request, updated)


@router.post(V2 + "/{link_id}", summary="Update a link", openapi_extra=body_schema(LinkBodyV2))
async def post_link(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> Response:
    assert who.user is not None
    body = await read_model(request, LinkBodyV2)
    service = instance_of(request).links
    updated = await run_in_threadpool(service.update, link_id, _update_from_v2(body), actor=who.user)
    return _one(request, updated)


@router.delete(V2 + "/{link_id}", summary="Delete a link (locally)")
def delete_link(
    link_id: str,
    request: Request,
    reciprocate: bool = False,
    who: Principal = Depends(require_admin_or_link_itself),  # the remote half of "delete both ends"
) -> Response:
    assert who.user is not None
    if reciprocate:
        # Both ends (protocol.md §6.4): the remote end first, as the calling administrator (not by impersonation).
        lifecycle = instance_of(request).lifecycle
        result = lifecycle.delete_both_ends(link_id, who.user, impersonated=who.impersonated)
        return JSONResponse(result.to_json())
    instance_of(request).links.delete(link_id, actor=who.user)
    return Response(status_code=200)


# -- v3 -------------------------------------------------------------------------------------------------
@router.get(V3, summary="List application links (v3)")
def list_v3(request: Request, _: Principal = Depends(require_admin)) -> list[dict[str, Any]]:
    return [link.to_v3() for link in instance_of(request).links.list()]


@router.post(V3, summary="Add a link to the application at a URL", openapi_extra=body_schema(LinkCreateV3))
async def create_v3(request: Request, who: Principal = Depends(require_admin)) -> Response:
    assert who.user is not None
    limit_link_creation(request, who)
    body = await read_model(request, LinkCreateV3)
    service = instance_of(request).links
    link = await run_in_threadpool(
        service.add_from_url, body.url, actor=who.user, name=body.name, display_url=body.display_url
    )
    return JSONResponse(link.to_v3(), status_code=201)


@router.get(V3 + "/{link_id}", summary="One application link (v3)")
def get_v3(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    return instance_of(request).links.get(link_id).to_v3()


@router.put(V3 + "/{link_id}", summary="Update a link (v3)", openapi_extra=body_schema(LinkUpdateV3))
async def put_v3(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> dict[str, Any]:
    assert who.user is not None
    body = await read_model(request, LinkUpdateV3)
    change = LinkUpdate(
        name=body.name,
        display_url=body.display_url,
        rpc_url=body.rpc_url,
        type_id=body.type,
        is_primary=body.primary,
    )
    service = instance_of(request).links
    updated = await run_in_threadpool(service.update, link_id, change, actor=who.user)
    return updated.to_v3()


@router.delete(V3 + "/{link_id}", status_code=204, summary="Delete a link locally (v3)")
def delete_v3(link_id: str, request: Request, who: Principal = Depends(require_admin_or_link_itself)) -> Response:
    assert who.user is not None
    instance_of(request).links.delete(link_id, actor=who.user)
    return Response(status_code=204)
