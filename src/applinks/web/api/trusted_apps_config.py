"""Trusted Applications over HTTP: the published certificate, the auto-configuration endpoint a linked
peer calls, and the administrator's per-link switch (``/rest/applinks/3.0/applinks/{id}/trusted``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from applinks.auth.trusted_apps.protocol import AUTOCONFIG_PATH, CERTIFICATE_PATH
from applinks.auth.trusted_apps.service import RemoteAdmin
from applinks.crypto import secrets_equal
from applinks.domain.trusted_apps import DEFAULT_CERTIFICATE_TIMEOUT_MS
from applinks.errors import InvalidInput, PermissionDenied
from applinks.web.body import body_schema, read_model
from applinks.web.deps import Principal, instance_of, require_admin, require_sysadmin

router = APIRouter(tags=["trusted applications (legacy)"])
PER_LINK = "/rest/applinks/3.0/applinks/{link_id}/trusted"
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate"}


class RemoteAdminBody(BaseModel):
    """Credentials of an administrator of the remote application, to change its end too (never stored)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=1024)

    def remote(self) -> RemoteAdmin | None:
        if not self.username:
            return None
        if not self.password:
            raise InvalidInput("the remote administrator's password is missing", key="applinks.remote.password")
        return RemoteAdmin(self.username, self.password)


class EnableBody(RemoteAdminBody):
    certificate_timeout: int = Field(default=DEFAULT_CERTIFICATE_TIMEOUT_MS, alias="certificateTimeout")
    ip_patterns: list[str] = Field(default_factory=list, alias="ipPatterns", max_length=50)
    url_patterns: list[str] = Field(default_factory=list, alias="urlPatterns", max_length=50)


def require_no_check(request: Request) -> None:
    """Auto-configuration changes trust: the caller must opt out of XSRF explicitly, whatever its credentials."""
    if not secrets_equal(request.headers.get("x-atlassian-token", ""), "no-check"):
        raise PermissionDenied("send X-Atlassian-Token: no-check", key="applinks.xsrf")


@router.get(
    CERTIFICATE_PATH,
    response_class=PlainTextResponse,
    summary="This application's Trusted Applications certificate (anonymous, four lines)",
)
def certificate(request: Request) -> Response:
    text = instance_of(request).trusted_apps.certificate.render()
    return PlainTextResponse(text, media_type="text/plain", headers=NO_CACHE)


@router.put(
    AUTOCONFIG_PATH + "{link_id}",
    summary="Trust the application of this link and send as users to it (called by the linked peer)",
)
def autoconfig_put(link_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> dict[str, Any]:
    require_no_check(request)
    return instance_of(request).trusted_apps.configure_local(link_id).to_json()


@router.delete(
    AUTOCONFIG_PATH + "{link_id}",
    summary="Stop trusting the application of this link and stop sending as users to it",
)
def autoconfig_delete(link_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> dict[str, Any]:
    require_no_check(request)
    return instance_of(request).trusted_apps.unconfigure_local(link_id).to_json()


@router.get(PER_LINK, summary="Trusted Applications on a link (legacy)")
def get_trusted(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    return instance_of(request).trusted_apps.state(link_id).to_json()


@router.put(
    PER_LINK,
    summary="Enable Trusted Applications on an existing link, on the remote end too when its admin is given",
    openapi_extra=body_schema(EnableBody),
)
async def enable_trusted(link_id: str, request: Request, _: Principal = Depends(require_sysadmin)) -> dict[str, Any]:
    body = await read_model(request, EnableBody)
    service = instance_of(request).trusted_apps
    result = await run_in_threadpool(
        lambda: service.enable(
            link_id,
            remote=body.remote(),
            certificate_timeout_ms=body.certificate_timeout,
            ip_patterns=body.ip_patterns,
            url_patterns=body.url_patterns,
        )
    )
    return result.to_json()


@router.delete(
    PER_LINK,
    summary="Disable Trusted Applications on a link, on the remote end too when its admin is given",
    openapi_extra={"requestBody": {**body_schema(RemoteAdminBody)["requestBody"], "required": False}},
)
async def disable_trusted(link_id: str, request: Request, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    body = await read_model(request, RemoteAdminBody)
    service = instance_of(request).trusted_apps
    result = await run_in_threadpool(lambda: service.disable(link_id, remote=body.remote()))
    return result.to_json()
