"""OAuth 2.0 administration. Incoming: the clients allowed to ask this instance's users for access; the
client secret is shown once, on the answer to the post that created or reset it (never stored in the
session, never in a redirect), with copy buttons. Outgoing: a link's provider preset, client credentials
and the redirect URL to register at the provider (on the link's page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from applinks.auth.oauth2.client import ATLASSIAN
from applinks.auth.oauth2.incoming import IssuedClient
from applinks.auth.oauth2.models import SCOPES
from applinks.domain.link import Link
from applinks.errors import AppLinksError, InvalidInput
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.web.deps import instance_of
from applinks.web.pages import LINK_PAGE_PATH, OAUTH2_CLIENTS_PATH, render
from applinks.web.ui.admin import act
from applinks.web.ui.common import admin_user, check_form, error_page, flash, see_other, take_flash

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SCOPE_TEXT = {
    "READ": "Read what the user can see",
    "WRITE": "Read and change what the user can change",
    "ADMIN": "Administer, where the user is an administrator",
    "SYSTEM_ADMIN": "System administration, where the user is a system administrator",
}


def _list(request: Request, *, status: int = 200, error: str = "", form: dict[str, Any] | None = None) -> Response:
    instance = instance_of(request)
    links = {link.id: link for link in instance.links.list()}
    return render(
        request,
        "ui/oauth2_clients.html",
        status=status,
        clients=instance.oauth2_clients.all(),
        links=links,
        scopes=SCOPES,
        scope_text=SCOPE_TEXT,
        error=error,
        form=form or {"scope": ["WRITE"]},
        flash=take_flash(request),
    )


@router.get(OAUTH2_CLIENTS_PATH)
def clients_page(request: Request) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    return _list(request)


def _issued(request: Request, issued: IssuedClient, what: str) -> Response:
    return render(
        request,
        "ui/oauth2_secret.html",
        status=201 if what == "created" else 200,
        headers=NO_STORE,
        client=issued.client,
        secret=issued.secret,
        what=what,
        token_url=instance_of(request).url("/rest/oauth2/latest/token"),
        authorize_url=instance_of(request).url("/rest/oauth2/latest/authorize"),
    )


@router.post(OAUTH2_CLIENTS_PATH)
async def create_client(
    request: Request,
    csrf: str = Form(default="", max_length=256),
    name: str = Form(default="", max_length=10_000),
    redirects: str = Form(default="", max_length=50_000),
    scope: list[str] = Form(default=[]),
    link_id: str = Form(default="", max_length=64),
) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    try:
        check_form(request, csrf)
    except AppLinksError as exc:
        return error_page(request, exc, title="Refused")
    instance = instance_of(request)
    urls = [line.strip() for line in redirects.splitlines() if line.strip()]
    try:
        if link_id:
            instance.links.get(link_id)
        issued = await run_in_threadpool(
            lambda: instance.oauth2_clients.create(name, urls, scope, user_key=found.name, link_id=link_id or None)
        )
    except AppLinksError as exc:
        form = {"name": name[:255], "redirects": redirects[:5000], "scope": scope, "link_id": link_id}
        return _list(request, status=400, error=exc.message, form=form)
    return _issued(request, issued, "created")


@router.post(OAUTH2_CLIENTS_PATH + "/{row_id}/secret")
async def reset_secret(row_id: str, request: Request, csrf: str = Form(default="", max_length=256)) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    clients = instance_of(request).oauth2_clients
    try:
        check_form(request, csrf)
        issued = await run_in_threadpool(lambda: clients.reset_secret(clients.get(row_id).client_id))
    except AppLinksError as exc:
        return error_page(request, exc)
    return _issued(request, issued, "reset")


@router.post(OAUTH2_CLIENTS_PATH + "/{row_id}/delete")
async def delete_client(row_id: str, request: Request, csrf: str = Form(default="", max_length=256)) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    clients = instance_of(request).oauth2_clients
    try:
        check_form(request, csrf)
        name = clients.get(row_id).name
        await run_in_threadpool(clients.delete, row_id)
    except AppLinksError as exc:
        return error_page(request, exc)
    flash(request, f"deleted the OAuth 2.0 client {name}; its tokens no longer work")
    return see_other(request, OAUTH2_CLIENTS_PATH)


# -- outgoing OAuth 2.0 of one link (on the link's page) ------------------------------------------------------
@router.post(LINK_PAGE_PATH + "/{link_id}/oauth2-outgoing")
async def configure_outgoing(
    link_id: str,
    request: Request,
    csrf: str = Form(default="", max_length=256),
    kind: str = Form(default=ATLASSIAN, max_length=16),
    client_id: str = Form(default="", max_length=10_000),
    client_secret: str = Form(default="", max_length=10_000),
    scope: str = Form(default="", max_length=10_000),
    authorization_endpoint: str = Form(default="", max_length=10_000),
    token_endpoint: str = Form(default="", max_length=10_000),
    impersonation: str = Form(default="", max_length=10),
) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        if max(len(client_id), len(client_secret), len(scope)) > 1024:
            raise InvalidInput("a field is too long", key="applinks.ui.too_long")
        if max(len(authorization_endpoint), len(token_endpoint)) > 2048:
            raise InvalidInput("an endpoint URL is too long", key="applinks.ui.too_long")
        config = instance.oauth2_outgoing.configure(
            link,
            kind=kind,
            client_id=client_id,
            client_secret=client_secret or None,
            scope=scope,
            authorize_url=authorization_endpoint.strip() or None,
            token_url=token_endpoint.strip() or None,
            impersonation=bool(impersonation),
            actor=user,
        )
        return f"outgoing OAuth 2.0 to {link.name} saved; register the redirect URL {config.redirect_url}", "ok"

    return await act(request, link_id, csrf, run, f"{LINK_PAGE_PATH}/{link_id}#oauth2-outgoing")


@router.post(LINK_PAGE_PATH + "/{link_id}/oauth2-outgoing/remove")
async def remove_outgoing(link_id: str, request: Request, csrf: str = Form(default="", max_length=256)) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        del user
        if not instance.oauth2_outgoing.remove(link.id):
            raise InvalidInput("the link has no outgoing OAuth 2.0", key="applinks.oauth2.outgoing.notfound")
        return f"outgoing OAuth 2.0 to {link.name} removed", "ok"

    return await act(request, link_id, csrf, run, f"{LINK_PAGE_PATH}/{link_id}#oauth2-outgoing")
