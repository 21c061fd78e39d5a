"""The create-link wizard over REST: ``applicationlinkForm/manifest?url=`` (step 1) and ``…/createAppLink``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from applinks.errors import InvalidInput
from applinks.services.wizard.model import CreateLinkRequest
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, limit_link_creation, require_admin

router = APIRouter(tags=["wizard"])
FORM = "/rest/applinks/1.0/applicationlinkForm"


class ApplicationLinkBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str | None = Field(default=None, max_length=64)
    type_id: str | None = Field(default=None, alias="typeId", max_length=100)
    name: str | None = Field(default=None, max_length=255)
    rpc_url: str = Field(alias="rpcUrl", max_length=2048)
    display_url: str | None = Field(default=None, alias="displayUrl", max_length=2048)
    is_primary: bool | None = Field(default=None, alias="isPrimary")


class ConfigFormValues(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    share_userbase: bool = Field(default=False, alias="shareUserbase")
    trust_each_other: bool = Field(default=False, alias="trustEachOther")


class CreateAppLinkBody(BaseModel):
    """Atlassian's wizard body, plus ``confirmUrls`` and (generic links, §6.2) ``incomingOAuth``/``outgoingOAuth``.

    Only administrators' clients send it (no remote application does), so an unknown key is a mistake that must
    not pass silently: a misspelt option (``confirmGeneric``) would otherwise change nothing, unnoticed."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    application_link: ApplicationLinkBody = Field(alias="applicationLink")
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=1024)
    custom_rpc_url: bool = Field(default=False, alias="customRpcURL")
    rpc_url: str | None = Field(default=None, alias="rpcUrl", max_length=2048)
    create_two_way_link: bool = Field(default=False, alias="createTwoWayLink")
    config_form_values: ConfigFormValues = Field(default_factory=ConfigFormValues, alias="configFormValues")
    confirm_urls: bool = Field(default=False, alias="confirmUrls")
    incoming_oauth: dict[str, Any] | None = Field(default=None, alias="incomingOAuth")
    outgoing_oauth: dict[str, Any] | None = Field(default=None, alias="outgoingOAuth")
    oauth2: bool = False  # our extension: link over OAuth 2.0 (seed 003) instead of OAuth 1.0a


def to_request(body: CreateAppLinkBody) -> CreateLinkRequest:
    link = body.application_link
    if body.custom_rpc_url and not (body.rpc_url or "").strip():
        raise InvalidInput("customRpcURL is set but rpcUrl is empty", key="applinks.wizard.custom_rpc")
    return CreateLinkRequest(
        url=link.rpc_url,
        name=link.name,
        display_url=link.display_url,
        type_id=link.type_id,
        is_primary=link.is_primary,
        # A body that names the display URL has made its choice; one that names a type for an application
        # that does not answer has confirmed a generic link (the wizard's "continue anyway").
        confirm_urls=body.confirm_urls,
        allow_generic=bool(link.type_id),
        two_way=body.create_two_way_link,
        remote_username=body.username,
        remote_password=body.password,
        same_users=body.config_form_values.share_userbase,
        oauth2=body.oauth2,
        trust_each_other=body.config_form_values.trust_each_other,
        custom_rpc_url=body.rpc_url if body.custom_rpc_url else None,
        incoming_oauth=body.incoming_oauth,
        outgoing_oauth=body.outgoing_oauth,
        expected_id=link.id,
    )


@router.get(FORM + "/manifest", summary="Wizard step 1: what answers at a URL (moved, unreachable, generic, ...)")
def check_url(url: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    return instance_of(request).wizard.check(url).to_json()


@router.post(
    FORM + "/createAppLink",
    summary="Create a one-way, two-way or generic link as the wizard does",
    openapi_extra=body_schema(CreateAppLinkBody),
)
async def create_app_link(request: Request, who: Principal = Depends(require_admin)) -> JSONResponse:
    assert who.user is not None
    limit_link_creation(request, who)
    body = await read_model(request, CreateAppLinkBody)
    wizard = instance_of(request).wizard
    result = await run_in_threadpool(wizard.create, to_request(body), actor=who.user)
    # 200 when a two-way create finished a link that existed here already (``local.link`` is "existing").
    return JSONResponse(result.to_json(), status_code=200 if result.local.link == "existing" else 201)
