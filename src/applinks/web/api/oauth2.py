"""REST of OAuth 2.0 links: Atlassian's client registration (``/rest/oauth2/latest/client``, protocol.md
§10.1, system administrators), our own incoming links (``/rest/applinks-oauth2/latest/incoming``,
administrators, optionally tied to an application link; JWT bearer by system administrators) and their
impersonation audit, outgoing links (``…/outgoing/{link_id}``), and each user's authorised applications."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from applinks.auth.oauth2.incoming import client_json
from applinks.auth.oauth2.server import PREFIX
from applinks.errors import NotFound, PermissionDenied
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, require_admin, require_sysadmin, require_user

router = APIRouter(tags=["oauth2 clients"])
ATLASSIAN = PREFIX + "/client"
OURS = "/rest/applinks-oauth2/latest"
NO_STORE = {"Cache-Control": "no-store"}


class ClientBody(BaseModel):
    """An incoming OAuth 2.0 client as Atlassian's registration REST sends it (``scope``: one or several
    of READ, WRITE, ADMIN, SYSTEM_ADMIN, space-separated or a list)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    name: str | None = Field(default=None, max_length=255)
    redirects: list[str] | None = Field(default=None, max_length=20)
    scope: str | list[str] | None = None
    link_id: str | None = Field(default=None, alias="linkId", max_length=64)


def _created(body: dict[str, Any]) -> Response:
    # The secret is in this answer only: nothing may cache it.
    return JSONResponse(body, status_code=201, headers=NO_STORE)


async def _create(request: Request, principal: Principal) -> Response:
    body = await read_model(request, ClientBody)
    clients = instance_of(request).oauth2_clients
    if body.link_id is not None:
        instance_of(request).links.get(body.link_id)  # an unknown link is a 404
    issued = await run_in_threadpool(
        lambda: clients.create(
            body.name or "", body.redirects or [], body.scope or "", user_key=principal.name, link_id=body.link_id
        )
    )
    return _created(client_json(issued.client, issued.secret))


async def _update(request: Request, row_id: str) -> None:
    body = await read_model(request, ClientBody)
    clients = instance_of(request).oauth2_clients
    await run_in_threadpool(lambda: clients.update(row_id, name=body.name, redirects=body.redirects, scope=body.scope))


# -- Atlassian's client registration (system administrators) -------------------------------------------


@router.get(ATLASSIAN, summary="Incoming OAuth 2.0 clients (Atlassian)")
def atlassian_list(request: Request, _: Principal = Depends(require_sysadmin)) -> list[dict[str, Any]]:
    return [client_json(c) for c in instance_of(request).oauth2_clients.all()]


@router.post(
    ATLASSIAN, summary="Register an incoming OAuth 2.0 client (Atlassian)", openapi_extra=body_schema(ClientBody)
)
async def atlassian_create(request: Request, principal: Principal = Depends(require_sysadmin)) -> Response:
    return await _create(request, principal)


@router.get(ATLASSIAN + "/{row_id}", summary="One incoming OAuth 2.0 client (Atlassian)")
def atlassian_get(row_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> dict[str, Any]:
    return client_json(instance_of(request).oauth2_clients.get(row_id))


@router.put(
    ATLASSIAN + "/{row_id}",
    status_code=204,
    summary="Change an incoming OAuth 2.0 client (Atlassian)",
    openapi_extra=body_schema(ClientBody),
)
async def atlassian_update(row_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> Response:
    await _update(request, row_id)
    return Response(status_code=204)


@router.delete(ATLASSIAN + "/{row_id}", status_code=204, summary="Delete an incoming OAuth 2.0 client (Atlassian)")
def atlassian_delete(row_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> Response:
    instance_of(request).oauth2_clients.delete(row_id)
    return Response(status_code=204)


@router.put(ATLASSIAN + "/reset/{client_id}", summary="A new client secret (Atlassian); the old one stops working")
def atlassian_reset(client_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> Response:
    issued = instance_of(request).oauth2_clients.reset_secret(client_id)
    return JSONResponse(client_json(issued.client, issued.secret), headers=NO_STORE)


# -- ours (administrators) ---------------------------------------------------------------------------------


@router.get(OURS + "/incoming", summary="Incoming OAuth 2.0 links")
def incoming_list(request: Request, _: Principal = Depends(require_admin)) -> list[dict[str, Any]]:
    return [client_json(c) for c in instance_of(request).oauth2_clients.all()]


@router.post(OURS + "/incoming", summary="Create an incoming OAuth 2.0 link", openapi_extra=body_schema(ClientBody))
async def incoming_create(request: Request, principal: Principal = Depends(require_admin)) -> Response:
    return await _create(request, principal)


@router.get(OURS + "/incoming/{row_id}", summary="One incoming OAuth 2.0 link")
def incoming_get(row_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    return client_json(instance_of(request).oauth2_clients.get(row_id))


@router.put(
    OURS + "/incoming/{row_id}", summary="Change an incoming OAuth 2.0 link", openapi_extra=body_schema(ClientBody)
)
async def incoming_update(row_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    await _update(request, row_id)
    return client_json(instance_of(request).oauth2_clients.get(row_id))


@router.delete(OURS + "/incoming/{row_id}", status_code=204, summary="Delete an incoming OAuth 2.0 link")
def incoming_delete(row_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    instance_of(request).oauth2_clients.delete(row_id)
    return Response(status_code=204)


@router.post(OURS + "/incoming/{row_id}/secret", summary="Reset the client secret of an incoming OAuth 2.0 link")
def incoming_reset(row_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    clients = instance_of(request).oauth2_clients
    issued = clients.reset_secret(clients.get(row_id).client_id)
    return JSONResponse(client_json(issued.client, issued.secret), headers=NO_STORE)


class JwtBearerBody(BaseModel):
    """JWT bearer impersonation for an incoming client: the calling application's ID (``iss``), the PEM
    public key its assertions verify with, and whether the link shares our set of users."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    issuer: str | None = Field(default=None, max_length=255)
    public_key: str | None = Field(default=None, alias="publicKey", max_length=16 * 1024)
    same_users: bool = Field(default=False, alias="sameUsers")


@router.put(
    OURS + "/incoming/{row_id}/jwt-bearer",
    summary="Allow (or with no issuer, stop) JWT bearer impersonation by the application of this link",
    openapi_extra=body_schema(JwtBearerBody),
)
async def incoming_jwt_bearer(
    row_id: str, request: Request, _: Principal = Depends(require_sysadmin)
) -> dict[str, Any]:
    body = await read_model(request, JwtBearerBody)
    clients = instance_of(request).oauth2_clients
    changed = await run_in_threadpool(
        lambda: clients.set_jwt_bearer(
            row_id, issuer=body.issuer, public_key_pem=body.public_key, same_users=body.same_users
        )
    )
    return client_json(changed)


@router.get(OURS + "/impersonations", summary="The audit log of JWT bearer impersonations, newest first")
def impersonations(request: Request, limit: int = 100, _: Principal = Depends(require_admin)) -> list[dict[str, Any]]:
    return instance_of(request).oauth2_clients.impersonations(limit)


class OutgoingBody(BaseModel):
    """An outgoing OAuth 2.0 link: provider ``kind`` (custom, atlassian, google, microsoft), the client ID
    and secret the provider issued, scopes, endpoints (custom only), impersonation (JWT bearer)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    kind: str = Field(default="atlassian", max_length=16)
    client_id: str = Field(default="", alias="clientId", max_length=255)
    client_secret: str | None = Field(default=None, alias="clientSecret", max_length=1024)
    scope: str = Field(default="", max_length=1024)
    authorization_endpoint: str | None = Field(default=None, alias="authorizationEndpoint", max_length=2048)
    token_endpoint: str | None = Field(default=None, alias="tokenEndpoint", max_length=2048)
    impersonation: bool = False


@router.get(OURS + "/outgoing/{link_id}", summary="The outgoing OAuth 2.0 link of an application link")
def outgoing_get(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    instance = instance_of(request)
    link = instance.links.get(link_id)
    found = instance.oauth2_outgoing.get(link.id)
    if found is None:
        # Nothing yet: what to register at an Atlassian Data Center remote.
        return {"linkId": link.id, "configured": False, "redirectUrl": instance.oauth2_outgoing.redirect_url_for(link)}
    return {**found.to_json(), "configured": True}


@router.put(
    OURS + "/outgoing/{link_id}",
    summary="Configure outgoing OAuth 2.0 on an application link (the secret is stored encrypted)",
    openapi_extra=body_schema(OutgoingBody),
)
async def outgoing_put(link_id: str, request: Request, principal: Principal = Depends(require_admin)) -> dict[str, Any]:
    body = await read_model(request, OutgoingBody)
    instance = instance_of(request)
    link = instance.links.get(link_id)
    assert principal.user is not None
    user = principal.user
    changed = await run_in_threadpool(
        lambda: instance.oauth2_outgoing.configure(
            link,
            kind=body.kind,
            client_id=body.client_id,
            client_secret=body.client_secret,
            scope=body.scope,
            authorize_url=body.authorization_endpoint,
            token_url=body.token_endpoint,
            impersonation=body.impersonation,
            actor=user,
        )
    )
    return {**changed.to_json(), "configured": True}


@router.delete(OURS + "/outgoing/{link_id}", status_code=204, summary="Remove outgoing OAuth 2.0 from a link")
def outgoing_delete(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> Response:
    instance = instance_of(request)
    if not instance.oauth2_outgoing.remove(instance.links.get(link_id).id):
        raise NotFound("the link has no outgoing OAuth 2.0", key="applinks.oauth2.outgoing.notfound")
    return Response(status_code=204)


# -- the current user's authorised applications ---------------------------------------------------------


def _own(request: Request) -> Principal:
    principal = require_user(request)
    if principal.impersonated:
        raise PermissionDenied("impersonated requests cannot see or revoke grants", key="applinks.impersonation")
    return principal


@router.get(OURS + "/authorized", summary="The applications you authorised over OAuth 2.0")
def authorized(request: Request, principal: Principal = Depends(_own)) -> list[dict[str, Any]]:
    return instance_of(request).oauth2_clients.authorized(principal.name)


@router.delete(OURS + "/authorized/{client_id}", status_code=204, summary="Revoke an application you authorised")
def revoke_authorized(client_id: str, request: Request, principal: Principal = Depends(_own)) -> Response:
    instance_of(request).oauth2_clients.revoke_authorization(principal.name, client_id)
    return Response(status_code=204)
