"""``applinks serve``: run the reference application."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from applinks.cli.common import cli_errors, console, make_settings


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to bind.")] = 8080,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Public base URL.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Instance display name.")] = None,
    app_type: Annotated[str | None, typer.Option("--type", help="Application type ID.")] = None,
) -> None:
    """Start the reference application with applinks embedded."""
    from applinks.refapp.app import build_app

    if base_url is None:
        shown = f"[{host}]" if ":" in host else host
        base_url = f"http://{shown}:{port}"
    settings = make_settings(base_url=base_url, name=name, application_type=app_type)
    with cli_errors():
        app = build_app(settings)
    console.print(f"applinks {settings.name!r} at {settings.base_url} (data in {settings.data_dir})", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
