"""Administration → Application links: the list (status, direction, actions), one link's page, diagnostics.

Pages call services only. Forms post and redirect (post → redirect → get) so that they work without
JavaScript; htmx only refreshes status lozenges in place.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from applinks.auth.oauth2.client import ATLASSIAN, CUSTOM, GOOGLE, MICROSOFT
from applinks.diagnostics.advice import CONNECTED
from applinks.domain.link import Link
from applinks.errors import AppLinksError, CredentialsRequired, InvalidInput
from applinks.host import HostUser
from applinks.instance import Instance
from applinks.services.lifecycle import level_name, moved_state
from applinks.web.deps import instance_of
from applinks.web.pages import ADMIN_PATH, LINK_PAGE_PATH, render
from applinks.web.ui.common import admin_user, check_form, error_page, flash, see_other, take_flash

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
STALE_AFTER = timedelta(minutes=10)
DIRECTIONS = {
    "two-way": "Two-way",
    "outgoing": "Outgoing",
    "incoming": "Incoming",
    "none": "No authentication",
}
LOZENGE_CLASS = {CONNECTED: "lz-ok", "NOT CHECKED": "lz-none", "UPGRADE CONFIG": "lz-warn", "DISABLED": "lz-none"}
LEVEL_LABELS = {
    "disabled": "Disabled",
    "oauth": "OAuth",
    "impersonation": "OAuth with impersonation",
    "3lo-only": "OAuth, 3-legged only (deprecated)",
}


@dataclass(slots=True)
class Row:
    link: Link
    direction: str
    status: dict[str, Any] | None
    moved: dict[str, Any] | None

    @property
    def lozenge(self) -> str:
        return str(self.status.get("lozenge")) if self.status else "NOT CHECKED YET"

    @property
    def lozenge_class(self) -> str:
        if self.status is None:
            return "lz-info"
        return LOZENGE_CLASS.get(self.lozenge, "lz-bad")


def _direction(instance: Instance, link: Link) -> str:
    """Which ways authenticated calls go, over OAuth 1.0a or OAuth 2.0."""
    incoming = instance.oauth_consumers.level(link.id).enabled or any(
        client.link_id == link.id for client in instance.oauth2_clients.all()
    )
    outgoing = bool(instance.outgoing.level(link).get("enabled")) or instance.oauth2_outgoing.get(link.id) is not None
    if incoming and outgoing:
        return "two-way"
    return "outgoing" if outgoing else "incoming" if incoming else "none"


def _stale(status: dict[str, Any] | None, now: datetime) -> bool:
    if status is None:
        return True
    try:
        checked = datetime.fromisoformat(str(status.get("checkedAt")))
    except ValueError:
        return True
    if checked.tzinfo is None:
        checked = checked.replace(tzinfo=UTC)
    return now - checked > STALE_AFTER


# -- background refresh: one thread per instance at a time; pages poll the stored results ----------------
_refreshing: weakref.WeakKeyDictionary[Instance, threading.Thread] = weakref.WeakKeyDictionary()
_refresh_lock = threading.Lock()


def refresh_in_background(instance: Instance, links: list[Link]) -> None:
    """Check ``links`` in a daemon thread (results are stored; the page's lozenges pick them up)."""
    if not links:
        return
    with _refresh_lock:
        running = _refreshing.get(instance)
        if running is not None and running.is_alive():
            return
        service = instance.diagnostics
        thread = threading.Thread(
            target=service.check_many, args=(links,), kwargs={"workers": 4}, name="applinks-ui-refresh", daemon=True
        )
        _refreshing[instance] = thread
        thread.start()


def _rows(instance: Instance, links: list[Link]) -> list[Row]:
    stored = {s.get("link", {}).get("id"): s for s in instance.diagnostics.all_last() if isinstance(s, dict)}
    rows = []
    for link in links:
        moved = moved_state(link)
        rows.append(
            Row(link, _direction(instance, link), stored.get(link.id), moved.to_json() if moved.moved else None)
        )
    return rows


def _matches(link: Link, needle: str) -> bool:
    text = f"{link.name} {link.display_url} {link.rpc_url} {link.type_id}".lower()
    return needle in text


@router.get(ADMIN_PATH, response_class=HTMLResponse)
@router.get(ADMIN_PATH + "/", response_class=HTMLResponse)
def links_page(
    request: Request,
    q: str = Query(default="", max_length=200),
    page: int = Query(default=1, ge=1, le=100_000),
    direction: str = Query(default="", max_length=20),
) -> Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    instance = instance_of(request)
    every = instance.links.list()
    needle = q.strip().lower()
    links = [link for link in every if _matches(link, needle)] if needle else every
    if direction in DIRECTIONS:
        links = [link for link in links if _direction(instance, link) == direction]
    pages = max(1, (len(links) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages)
    # Status, direction and "moved" only for the page shown: hundreds of links cost one page of look-ups.
    shown = _rows(instance, links[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    now = datetime.now(UTC)
    refresh_in_background(instance, [row.link for row in shown if _stale(row.status, now) and not row.link.is_system])
    return render(
        request,
        "ui/links.html",
        rows=shown,
        total=len(links),
        all_count=len(every),
        q=q,
        direction=direction,
        directions=DIRECTIONS,
        page=page,
        pages=pages,
        flash=take_flash(request),
        types={t.type_id: t.name for t in instance.types.all()},
    )


@router.get(ADMIN_PATH + "/status/{link_id}", response_class=HTMLResponse)
def status_fragment(link_id: str, request: Request, tries: int = Query(default=0, ge=0, le=1000)) -> Response:
    """One lozenge (htmx swaps it in place); polls again while the background check has not stored one."""
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return Response(status_code=403)
    instance = instance_of(request)
    try:
        link = instance.links.get(link_id)
    except AppLinksError:
        return Response(status_code=404)
    row = _rows(instance, [link])[0]
    return render(request, "ui/lozenge.html", row=row, tries=tries + 1)


# -- one link ----------------------------------------------------------------------------------------------
KIND_LABELS = {
    ATLASSIAN: "Atlassian Data Center (endpoints from the link's URL)",
    GOOGLE: "Google",
    MICROSOFT: "Microsoft",
    CUSTOM: "Custom (enter the endpoints)",
}


def outgoing_context(instance: Instance, link: Link) -> dict[str, Any]:
    """What the link page shows of its outgoing OAuth 2.0: the configuration, or the redirect URL to register."""
    config = instance.oauth2_outgoing.get(link.id)
    return {
        "oauth2_out": config,
        "oauth2_redirect": config.redirect_url if config else instance.oauth2_outgoing.redirect_url_for(link),
        "oauth2_kinds": KIND_LABELS,
    }


def _link_context(instance: Instance, user: HostUser, link: Link) -> dict[str, Any]:
    consumer = instance.oauth_consumers.for_link(link.id)
    app_type = instance.types.get(link.type_id)
    incoming = instance.oauth_consumers.level(link.id).to_json()
    outgoing = instance.outgoing.level(link)
    return {
        "link": link,
        "row": _rows(instance, [link])[0],
        "consumer": consumer,
        "incoming": level_name(incoming),
        "outgoing": level_name(outgoing),
        "levels": LEVEL_LABELS,
        "audit": instance.outgoing.audit.entries(link.id, 50),
        "type_name": app_type.name if app_type else link.type_id,
        "entity_links": instance.entity_links.of_application(user, link.id),
        "oauth2_clients": [c for c in instance.oauth2_clients.all() if c.link_id == link.id],
        **outgoing_context(instance, link),
    }


def _link_or_page(request: Request, link_id: str) -> tuple[HostUser, Link] | Response:
    found = admin_user(request)
    if not isinstance(found, HostUser):
        return found
    try:
        return found, instance_of(request).links.get(link_id)
    except AppLinksError as exc:
        return error_page(request, exc, title="No such link")


@router.get(LINK_PAGE_PATH + "/{link_id}", response_class=HTMLResponse)
def link_page(link_id: str, request: Request) -> Response:
    found = _link_or_page(request, link_id)
    if isinstance(found, Response):
        return found
    user, link = found
    instance = instance_of(request)
    context = _link_context(instance, user, link)
    if _stale(context["row"].status, datetime.now(UTC)) and not link.is_system:
        refresh_in_background(instance, [link])
    return render(request, "ui/link.html", flash=take_flash(request), **context)


@router.get(LINK_PAGE_PATH + "/{link_id}/diagnostics", response_class=HTMLResponse)
def diagnostics_page(link_id: str, request: Request) -> Response:
    found = _link_or_page(request, link_id)
    if isinstance(found, Response):
        return found
    _, link = found
    instance = instance_of(request)
    diag = instance.diagnostics.last(link.id)
    error = diag.get("error") if diag else None
    return render(
        request,
        "ui/diagnostics.html",
        flash=take_flash(request),
        link=link,
        diag=diag,
        error=error,
        row=_rows(instance, [link])[0],
    )


@router.get(LINK_PAGE_PATH + "/{link_id}/delete", response_class=HTMLResponse)
def delete_confirm(link_id: str, request: Request) -> Response:
    found = _link_or_page(request, link_id)
    if isinstance(found, Response):
        return found
    return render(request, "ui/delete.html", link=found[1], direction=_direction(instance_of(request), found[1]))


# -- actions (POST, CSRF token + Origin, then redirect) -------------------------------------------------------
async def act(request: Request, link_id: str, csrf: str, action: Any, back: str) -> Response:
    """Run a link action posted by a form: admin, CSRF token and Origin checked, the result (or the error)
    flashed, then back to ``back``."""
    found = _link_or_page(request, link_id)
    if isinstance(found, Response):
        return found
    user, link = found
    try:
        check_form(request, csrf)
        message, kind = await run_in_threadpool(action, instance_of(request), user, link)
    except CredentialsRequired as exc:
        flash(request, f"{exc.message} — authorise at {exc.authorisation_uri()}", "error")
        return see_other(request, back)
    except AppLinksError as exc:
        if exc.key.startswith("applinks.csrf"):
            return error_page(request, exc, title="Refused")
        flash(request, exc.message, "error")
        return see_other(request, back)
    flash(request, message, kind)
    return see_other(request, back)


@router.post(LINK_PAGE_PATH + "/{link_id}/check")
async def check_now(link_id: str, request: Request, csrf: str = Form(default="", max_length=256)) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        status = instance.diagnostics.check(link.id, user)
        instance.lifecycle.detect_moved(link.id)
        return f"{link.name}: {status.lozenge}", "ok" if status.working else "warn"

    return await act(request, link_id, csrf, run, f"{LINK_PAGE_PATH}/{link_id}/diagnostics")


@router.post(LINK_PAGE_PATH + "/{link_id}/primary")
async def make_primary(link_id: str, request: Request, csrf: str = Form(default="", max_length=256)) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        instance.links.make_primary(link.id, actor=user)
        return f"{link.name} is now the primary link of its type", "ok"

    return await act(request, link_id, csrf, run, ADMIN_PATH)


@router.post(LINK_PAGE_PATH + "/{link_id}/edit")
async def edit_link(
    link_id: str,
    request: Request,
    csrf: str = Form(default="", max_length=256),
    name: str = Form(default="", max_length=10_000),
    display_url: str = Form(default="", max_length=10_000),
) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        if len(name) > 255 or len(display_url) > 2048:
            raise InvalidInput("the name or display URL is too long", key="applinks.ui.too_long")
        changed = instance.lifecycle.edit(
            link.id, actor=user, name=name.strip() or None, display_url=display_url.strip() or None
        )
        return f"saved {changed.name}", "ok"

    return await act(request, link_id, csrf, run, f"{LINK_PAGE_PATH}/{link_id}")


@router.post(LINK_PAGE_PATH + "/{link_id}/authentication")
async def edit_authentication(
    link_id: str,
    request: Request,
    csrf: str = Form(default="", max_length=256),
    incoming: str = Form(default="", max_length=50),
    outgoing: str = Form(default="", max_length=50),
    remote_username: str = Form(default="", max_length=255),
    remote_password: str = Form(default="", max_length=1024),
) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        remote_admin = (remote_username.strip(), remote_password) if remote_username.strip() else None
        local, remote = instance.lifecycle.set_levels_both_ends(
            link, incoming=incoming, outgoing=outgoing, actor=user, remote_admin=remote_admin
        )
        here = (
            f"here: incoming {LEVEL_LABELS[level_name(local.incoming)]}, "
            f"outgoing {LEVEL_LABELS[level_name(local.outgoing)]}"
        )
        if remote is None:
            return f"saved {here}; {link.name} was not changed (no remote administrator given)", "warn"
        there = (
            f"on {link.name}: incoming {LEVEL_LABELS[level_name(remote.incoming)]}, "
            f"outgoing {LEVEL_LABELS[level_name(remote.outgoing)]}"
        )
        return f"saved on both ends — {here}; {there}", "ok"

    return await act(request, link_id, csrf, run, f"{LINK_PAGE_PATH}/{link_id}")


@router.post(LINK_PAGE_PATH + "/{link_id}/executing-user")
async def edit_executing_user(
    link_id: str,
    request: Request,
    csrf: str = Form(default="", max_length=256),
    executing_user: str = Form(default="", max_length=10_000),
) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        if len(executing_user) > 255:
            raise InvalidInput("the user name is too long", key="applinks.ui.too_long")
        chosen = instance.lifecycle.set_executing_user(link, executing_user, actor=user)
        if chosen is None:
            return f"2-legged requests from {link.name} run as no user (public data only)", "ok"
        return f"2-legged requests from {link.name} run as {chosen}", "ok"

    return await act(request, link_id, csrf, run, f"{LINK_PAGE_PATH}/{link_id}#consumer")


@router.post(LINK_PAGE_PATH + "/{link_id}/relocate")
async def relocate_link(
    link_id: str,
    request: Request,
    csrf: str = Form(default="", max_length=256),
    new_url: str = Form(default="", max_length=10_000),
    nowarning: str = Form(default="", max_length=10),
) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        if len(new_url) > 2048:
            raise InvalidInput("the new URL is too long", key="applinks.ui.too_long")
        result = instance.lifecycle.relocate(link.id, new_url, actor=user, nowarning=bool(nowarning))
        instance.lifecycle.detect_moved(result.link.id)
        note = "; ".join(result.warnings)
        return f"{result.link.name} now points at {result.link.rpc_url}" + (f" ({note})" if note else ""), "ok"

    return await act(request, link_id, csrf, run, ADMIN_PATH)


@router.post(LINK_PAGE_PATH + "/{link_id}/delete")
async def delete_link(
    link_id: str,
    request: Request,
    csrf: str = Form(default="", max_length=256),
    both_ends: str = Form(default="", max_length=10),
) -> Response:
    def run(instance: Instance, user: HostUser, link: Link) -> tuple[str, str]:
        result = instance.lifecycle.delete(link.id, actor=user, both_ends=bool(both_ends))
        return result.message, "ok"

    return await act(request, link_id, csrf, run, ADMIN_PATH)
