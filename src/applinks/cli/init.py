"""``applinks init``: create an instance (data directory, database, key file, identity) explicitly.

Besides ``serve``, this is the only command that creates an instance; every other command refuses a missing or
empty data directory, so a mistyped ``--data-dir`` never silently becomes a new, empty instance."""

from __future__ import annotations

from typing import Annotated

import typer

from applinks.cli.common import console, emit_one, make_settings, open_instance


def init(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Create an instance in the data directory (nothing changes if one is already there)."""
    settings = make_settings()
    existed = settings.resolved_key_file.exists()
    with open_instance(create=True) as instance:
        data = {
            "created": not existed,
            "applicationId": instance.application_id,
            "dataDir": str(instance.settings.data_dir),
        }
        if as_json:
            emit_one(data, True)
            return
        what = "created the instance" if not existed else "an instance is already there"
        console.print(
            f"{what} at {instance.settings.data_dir} (application ID {instance.application_id})",
            highlight=False,
            soft_wrap=True,
        )
