"""``applinks keys rotate``: a new encryption key, and every stored secret re-encrypted under it."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from applinks.cli.common import cli_errors, console, open_instance
from applinks.crypto import SecretBox, add_key_to_file
from applinks.storage.rotation import rotate_secrets

app = typer.Typer(no_args_is_help=True)


@app.command("rotate")
def rotate(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Put a new key first in the key file and re-encrypt every stored secret with it. The older keys stay in
    the file and still decrypt, so running nodes (which follow the key file) keep working; every node must see
    the same key file."""
    with open_instance() as instance, cli_errors():
        path = instance.settings.resolved_key_file
        keys = add_key_to_file(path)
        rotated = rotate_secrets(instance.engine, SecretBox(keys, path))
    total = sum(rotated.values())
    if as_json:
        body = {"keyFile": str(path), "keys": len(keys), "rotated": rotated, "total": total}
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return
    console.print(f"new key added to {path} ({len(keys)} keys); {total} secrets re-encrypted", highlight=False)
