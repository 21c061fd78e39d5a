"""The REST API docs page: Swagger UI served from the package (swagger-ui-dist), no CDN, no inline script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from applinks.web.deps import instance_of
from applinks.web.pages import DOCS_PATH, STATIC_PATH, TEMPLATES

router = APIRouter(include_in_schema=False)
OPENAPI_PATH = "/rest/applinks/openapi.json"
# Swagger UI sets element styles from script (allowed) and shows its SVG icons as data: images.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@router.get(DOCS_PATH, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    instance = instance_of(request)
    response = TEMPLATES.TemplateResponse(
        request,
        "ui/docs.html",
        {
            "instance_name": instance.settings.name,
            "static": instance.url(STATIC_PATH),
            "openapi_url": instance.url(OPENAPI_PATH),
            "base": instance.base_url,
        },
    )
    response.headers["Content-Security-Policy"] = DOCS_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
