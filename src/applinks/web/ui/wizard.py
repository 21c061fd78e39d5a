"""The create-link wizard in the browser (seeds 000-003): URL → checks and warnings → review → result.

Step 1 is a GET (it only reads the remote's manifest); creating is a POST with the CSRF token. Every step is
a plain form, so the wizard works without JavaScript. The wizard service does the work (the same one the
REST API and the CLI use)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from applinks.errors import AppLinksError, ConfirmationRequired, InvalidInput
from applinks.host import HostUser
from applinks.services.wizard.model import APPLINKS, MOVED, CreateLinkRequest, RemoteCheck
from applinks.web.deps import instance_of
from applinks.web.pages import WIZARD_PATH, render
from applinks.web.ui.common import admin_user, check_form, error_page

router = APIRouter(include_in_schema=False)
MAX_FIELD = 2048
MAX_KEY_FIELD = 20_000  # PEM public keys
TEXT_FIELDS = (
    "url", "name", "display_url", "type_id", "remote_username", "custom_rpc_url", "expected_id",
    "in_key", "in_name", "in_description", "in_callback", "in_executing_user",
    "out_key", "out_request_token_url", "out_access_token_url", "out_authorize_url",
)  # fmt: skip
SECRET_FIELDS = ("remote_password", "in_shared_secret", "out_shared_secret")
FLAGS = (
    "two_way", "same_users", "oauth2", "is_primary", "confirm_urls", "allow_generic", "in_two_lo", "in_two_lo_imp",
)  # fmt: skip


def _check(request: Request, url: str) -> tuple[RemoteCheck | None, str]:
    try:
        return instance_of(request).wizard.check(url), ""
    except AppLinksError as exc:
        return None, exc.message


@router.get(WIZARD_PATH, response_class=Response)
def wizard_page(request: Request, url: str = Query(default="", max_length=MAX_FIELD)) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    if not url.strip():
        return render(request, "ui/wizard.html", step="url", form={"url": ""}, error="")
    check, error = _check(request, url)
    if check is None:
        return render(request, "ui/wizard.html", step="url", form={"url": url}, error=error, status=400)
    return _review(request, check, {"url": check.url}, "")


def _review(request: Request, check: RemoteCheck, form: dict[str, str], error: str, status: int = 200) -> Response:
    instance = instance_of(request)
    step = "moved" if check.status == MOVED else "review" if check.status == APPLINKS else "generic"
    if step == "review" and check.manifest is not None:
        form.setdefault("name", check.manifest.name)
        form.setdefault("expected_id", check.manifest.id)
    return render(
        request,
        "ui/wizard.html",
        status=status,
        step=step,
        check=check,
        manifest=check.manifest,
        form=form,
        error=error,
        types=[t for t in instance.types.all()],
        own_url=instance.base_url,
    )


async def _form(request: Request) -> dict[str, str]:
    """The posted fields, each capped: an oversized field is an error on the form, never a 422."""
    data = await request.form(max_files=0, max_fields=100)
    form: dict[str, str] = {}
    for name in (*TEXT_FIELDS, *SECRET_FIELDS, *FLAGS, "csrf", "in_public_key"):
        value = data.get(name)
        if isinstance(value, str):
            limit = MAX_KEY_FIELD if name == "in_public_key" else MAX_FIELD
            if len(value) > limit:
                raise InvalidInput(f"the field {name} is too long", key="applinks.ui.too_long")
            form[name] = value
    return form


def _generic_oauth(form: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    incoming: dict[str, Any] | None = None
    if form.get("in_key", "").strip():
        incoming = {
            "key": form["in_key"],
            "name": form.get("in_name") or None,
            "description": form.get("in_description") or None,
            "publicKey": form.get("in_public_key") or None,
            "sharedSecret": form.get("in_shared_secret") or None,
            "callback": form.get("in_callback") or None,
            "twoLOAllowed": bool(form.get("in_two_lo")),
            "executingTwoLOUser": form.get("in_executing_user") or None,
            "twoLOImpersonationAllowed": bool(form.get("in_two_lo_imp")),
        }
        incoming = {k: v for k, v in incoming.items() if v is not None}
    outgoing: dict[str, Any] | None = None
    if form.get("out_key", "").strip():
        outgoing = {
            "consumerKey": form["out_key"],
            "sharedSecret": form.get("out_shared_secret") or None,
            "requestTokenUrl": form.get("out_request_token_url") or None,
            "accessTokenUrl": form.get("out_access_token_url") or None,
            "authorizeUrl": form.get("out_authorize_url") or None,
        }
        outgoing = {k: v for k, v in outgoing.items() if v is not None}
    return incoming, outgoing


def _request(form: dict[str, str]) -> CreateLinkRequest:
    incoming, outgoing = _generic_oauth(form)
    return CreateLinkRequest(
        url=form.get("url", ""),
        name=form.get("name", "").strip() or None,
        display_url=form.get("display_url", "").strip() or None,
        type_id=form.get("type_id", "").strip() or None,
        is_primary=bool(form.get("is_primary")),
        confirm_urls=bool(form.get("confirm_urls")),
        allow_generic=bool(form.get("allow_generic")),
        two_way=bool(form.get("two_way")),
        remote_username=form.get("remote_username", "").strip() or None,
        remote_password=form.get("remote_password") or None,
        same_users=bool(form.get("same_users")),
        oauth2=bool(form.get("oauth2")),
        custom_rpc_url=form.get("custom_rpc_url", "").strip() or None,
        expected_id=form.get("expected_id", "").strip() or None,
        incoming_oauth=incoming,
        outgoing_oauth=outgoing,
    )


@router.post(WIZARD_PATH + "/create", response_class=Response)
async def create_link(request: Request) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    user = found
    try:
        form = await _form(request)
        check_form(request, form.get("csrf"))
    except AppLinksError as exc:
        return error_page(request, exc, title="Refused")
    wizard = instance_of(request).wizard
    kept = {k: v for k, v in form.items() if k not in SECRET_FIELDS and k != "csrf"}
    try:
        result = await run_in_threadpool(wizard.create, _request(form), actor=user)
    except ConfirmationRequired as exc:
        check, error = await run_in_threadpool(_check, request, form.get("url", ""))
        if check is None:
            return render(request, "ui/wizard.html", step="url", form=kept, error=error, status=400)
        kept["needs_confirm"] = exc.confirm
        return _review(request, check, kept, exc.message, status=409)
    except AppLinksError as exc:
        check, error = await run_in_threadpool(_check, request, form.get("url", ""))
        if check is None:
            return render(request, "ui/wizard.html", step="url", form=kept, error=exc.message, status=exc.status)
        return _review(request, check, kept, exc.message, status=exc.status if 400 <= exc.status < 600 else 400)
    return render(request, "ui/wizard_result.html", status=201, result=result, own_url=instance_of(request).base_url)
