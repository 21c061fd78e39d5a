"""``/rest/applinks-oauth/1.0/applicationlink/{id}/authentication``: a link's incoming OAuth consumer over REST."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from applinks.auth.oauth1.model import RSA_SHA1, ConsumerSettings
from applinks.errors import NotFound
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, require_admin, require_admin_or_own_link_read

router = APIRouter(tags=["oauth"])
PREFIX = "/rest/applinks-oauth/1.0/applicationlink/{link_id}/authentication"


class ConsumerBody(BaseModel):
    """The consumer fields of protocol.md §4.1 (JSON, or flat XML from Atlassian remotes)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    key: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=4000)
    signature_method: str | None = Field(default=None, alias="signatureMethod", max_length=32)
    public_key: str | None = Field(default=None, alias="publicKey", max_length=16384)
    callback: str | None = Field(default=None, max_length=2048)
    shared_secret: str | None = Field(default=None, alias="sharedSecret", max_length=1024)
    outgoing: bool = False
    three_lo_allowed: bool = Field(default=True, alias="threeLOAllowed")
    two_lo_allowed: bool = Field(default=False, alias="twoLOAllowed")
    executing_two_lo_user: str | None = Field(default=None, alias="executingTwoLOUser", max_length=255)
    two_lo_impersonation_allowed: bool = Field(default=False, alias="twoLOImpersonationAllowed")


@router.get(
    PREFIX,
    summary="The link's incoming consumers and configured (outgoing) providers (admins, and the linked "
    "application itself through the link's OAuth)",
)
def get_authentication(
    link_id: str, request: Request, _: Principal = Depends(require_admin_or_own_link_read)
) -> dict[str, Any]:
    instance = instance_of(request)
    link = instance.links.get(link_id)
    consumer = instance.oauth_consumers.for_link(link.id)
    return {
        "consumers": [consumer.to_json()] if consumer else [],
        "configuredAuthProviders": instance.outgoing.configured_json(link),
    }


@router.get(PREFIX + "/consumer", summary="The link's incoming consumer")
def get_consumer(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    instance = instance_of(request)
    link = instance.links.get(link_id)
    consumer = instance.oauth_consumers.for_link(link.id)
    if consumer is None:
        raise NotFound(f"the link {link.name!r} has no incoming OAuth consumer", key="applinks.oauth.consumer.none")
    return consumer.to_json()


@router.put(
    PREFIX + "/consumer",
    summary="Register the link's incoming consumer (autoConfigure=true fetches the remote's consumer-info)",
    openapi_extra=body_schema(ConsumerBody),
)
async def put_consumer(
    link_id: str, request: Request, autoConfigure: bool = False, who: Principal = Depends(require_admin)
) -> Response:
    assert who.user is not None
    body = await read_model(request, ConsumerBody)
    instance = instance_of(request)
    return await run_in_threadpool(_put_consumer, instance, link_id, body, autoConfigure, who.user)


def _put_consumer(
    instance: Instance, link_id: str, body: ConsumerBody, auto_configure: bool, actor: HostUser
) -> Response:
    service = instance.oauth_consumers
    if body.outgoing:
        link = instance.links.get(link_id)
        return JSONResponse(instance.outgoing.outgoing_consumer(link, body.model_dump(by_alias=True), actor))
    existed = service.for_link(link_id) is not None
    if auto_configure:
        consumer = service.configure_from_remote(
            link_id,
            actor=actor,
            three_lo_allowed=body.three_lo_allowed,
            two_lo_allowed=body.two_lo_allowed,
            executing_two_lo_user=body.executing_two_lo_user,
            two_lo_impersonation_allowed=body.two_lo_impersonation_allowed,
        )
    else:
        consumer, _created = service.set(
            link_id,
            ConsumerSettings(
                key=body.key or "",
                name=body.name,
                description=body.description,
                signature_method=body.signature_method or RSA_SHA1,
                public_key=body.public_key,
                shared_secret=body.shared_secret,
                callback=body.callback,
                three_lo_allowed=body.three_lo_allowed,
                two_lo_allowed=body.two_lo_allowed,
                executing_two_lo_user=body.executing_two_lo_user,
                two_lo_impersonation_allowed=body.two_lo_impersonation_allowed,
            ),
            actor=actor,
        )
    return JSONResponse(consumer.to_json(), status_code=200 if existed else 201)


@router.delete(PREFIX + "/consumer", status_code=204, summary="Remove the link's incoming consumer and its tokens")
def delete_consumer(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> Response:
    assert who.user is not None
    if not instance_of(request).oauth_consumers.delete(link_id, actor=who.user):
        raise NotFound("the link has no incoming OAuth consumer", key="applinks.oauth.consumer.none")
    return Response(status_code=204)
