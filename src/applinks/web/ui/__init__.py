"""The administration UI and user pages: server-rendered (Jinja2), htmx and the API docs served locally.

``install(app)`` mounts the static files and the routers: the links page (``admin``), the create-link wizard
(``wizard``), incoming OAuth 2.0 clients (``oauth2``) and the API docs page (``docs``). Templates live in
``web/templates/ui``; the one Jinja environment, the layout's context and the page headers are in ``web.pages``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from applinks.web.pages import STATIC_PATH
from applinks.web.ui import admin, docs, oauth2, wizard

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.include_router(admin.router)
    app.include_router(wizard.router)
    app.include_router(oauth2.router)
    app.include_router(docs.router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="applinks-static")
