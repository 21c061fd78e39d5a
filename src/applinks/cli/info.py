"""``applinks info``: who this instance is, and where each public setting came from."""

from __future__ import annotations

from typing import Annotated

import typer

from applinks.cli.common import emit_one, make_settings, open_instance
from applinks.storage.public_settings import PUBLIC_SETTINGS, read_public_settings


def info(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Application ID, base URL and manifest of this instance, and the source of each public setting."""
    given = make_settings()  # options and environment only: what overrides the stored settings
    with open_instance() as instance:
        with instance.engine.connect() as conn:
            stored = read_public_settings(conn)
        manifest = instance.manifest().to_json()
        sources = {field: given.source_of(field, stored) for field in PUBLIC_SETTINGS}
        shown_sources = {"baseUrl": sources["base_url"], "name": sources["name"], "typeId": sources["application_type"]}
        data = {
            "applicationId": instance.application_id,
            "serverId": instance.identity.server_id,
            "baseUrl": instance.base_url,
            "dataDir": str(instance.settings.data_dir),
            "sources": shown_sources,
            "manifest": manifest,
        }
        if as_json:
            emit_one(data, True)
            return
        shown = {k: v for k, v in data.items() if k not in ("manifest", "sources")} | manifest
        for key, source in shown_sources.items():
            shown[key] = f"{shown[key]}  ({source})"
        emit_one(shown, False)
