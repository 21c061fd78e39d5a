"""``applinks info``: who this instance is."""

from __future__ import annotations

from typing import Annotated

import typer

from applinks.cli.common import emit_one, open_instance


def info(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Application ID, base URL and manifest of this instance."""
    with open_instance() as instance:
        manifest = instance.manifest().to_json()
        data = {
            "applicationId": instance.application_id,
            "serverId": instance.identity.server_id,
            "baseUrl": instance.base_url,
            "dataDir": str(instance.settings.data_dir),
            "manifest": manifest,
        }
        if as_json:
            emit_one(data, True)
        else:
            emit_one({k: v for k, v in data.items() if k != "manifest"} | manifest, False)
