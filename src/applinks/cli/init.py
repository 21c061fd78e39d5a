"""``applinks init``: create an instance (data directory, database, key file, identity) explicitly.

Besides ``serve``, this is the only command that creates an instance; every other command refuses a missing or
empty data directory, so a mistyped ``--data-dir`` never silently becomes a new, empty instance. It stores the
instance's public settings (base URL, name, type) for every later command and node."""

from __future__ import annotations

from typing import Annotated

import typer

from applinks.cli.common import console, emit_one, make_settings, open_instance


def init(
    base_url: Annotated[str | None, typer.Option("--base-url", metavar="URL", help="Public base URL.")] = None,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="Display name.")] = None,
    app_type: Annotated[str | None, typer.Option("--type", metavar="TYPE", help="Application type ID.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Create an instance in the data directory (an existing one is kept; given settings are stored)."""
    overrides = {"base_url": base_url, "name": name, "application_type": app_type}
    existed = make_settings().resolved_key_file.exists()
    with open_instance(create=True, **overrides) as instance:
        if not existed or any(value is not None for value in overrides.values()):
            instance.publish_settings()
        settings = instance.settings
        data = {
            "created": not existed,
            "applicationId": instance.application_id,
            "dataDir": str(settings.data_dir),
            "baseUrl": settings.base_url,
            "name": settings.name,
            "typeId": settings.application_type,
        }
        if as_json:
            emit_one(data, True)
            return
        what = "created the instance" if not existed else "an instance is already there"
        console.print(
            f"{what} at {settings.data_dir}: {settings.name!r} ({settings.application_type}) at "
            f"{settings.base_url}, application ID {instance.application_id}",
            highlight=False,
            soft_wrap=True,
        )
