"""Resources an Atlassian peer's link wizard calls on us (protocol.md §4.1, §10):
``/rest/applinks/1.0/authenticationinfo`` (are these credentials an administrator's?), its custom-RPC-URL
check ``…/authenticationinfo/id/{id}/url/{url}``, and the OAuth auto-configuration servlet's ``DELETE``
(Atlassian's fallback for turning OAuth off on a link when the remote has no status API)."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from applinks.errors import AppLinksError, NotAuthenticated, NotFound
from applinks.instance import Instance
from applinks.web.deps import Principal, authenticate, instance_of, require_admin
from applinks.web.representation import represent

router = APIRouter(tags=["links"])
AUTHENTICATION_INFO = "/rest/applinks/1.0/authenticationinfo"
OAUTH_AUTOCONFIG = "/plugins/servlet/applinks/auth/conf/oauth/autoconfig/{link_id}"


def _administrator(request: Request) -> Principal:
    """An administrator acting for themself; anyone else is 401, as Atlassian's admin interceptor answers
    (a wizard reads it as "wrong remote credentials")."""
    principal = authenticate(request)
    if principal.user is None or not principal.user.is_administrator or principal.impersonated:
        raise NotAuthenticated("administrator credentials are required", key="applinks.admin.required")
    return principal


@router.get(AUTHENTICATION_INFO, summary="200 iff the caller is an administrator (checks remote admin credentials)")
def authentication_info(request: Request, who: Principal = Depends(_administrator)) -> Response:
    return represent(request, {"username": who.name}, root="authenticationInfo")


@router.get(
    AUTHENTICATION_INFO + "/id/{application_id}/url/{url:path}",
    summary="200 iff the application at the URL (or ?url=) serves the manifest with that ID, else 404",
)
async def rpc_url_check(
    application_id: str,
    url: str,
    request: Request,
    query_url: str | None = Query(default=None, alias="url", max_length=2048),
    _: Principal = Depends(_administrator),
) -> Response:
    """The wizard's custom RPC URL check: can this instance reach the caller at that URL?"""
    target = query_url or unquote(url)
    if not await run_in_threadpool(_serves, instance_of(request), target, application_id):
        message = f"no application with ID {application_id} answers at {target}"
        raise NotFound(message, key="applinks.rpcurl.unreachable")
    return Response(status_code=200)


def _serves(instance: Instance, url: str, application_id: str) -> bool:
    try:
        manifest = instance.links.fetch_remote(url)
    except AppLinksError:
        return False
    return manifest.id == application_id


@router.delete(OAUTH_AUTOCONFIG, status_code=204, summary="Turn OAuth off in both directions of a link")
def oauth_autoconfig_delete(link_id: str, request: Request, who: Principal = Depends(require_admin)) -> Response:
    assert who.user is not None
    instance = instance_of(request)
    link = instance.links.get(link_id)
    instance.lifecycle.set_levels(link, incoming="disabled", outgoing="disabled", actor=who.user)
    return Response(status_code=204)
