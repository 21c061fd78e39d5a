"""``applinks export [--output FILE]`` and ``applinks import FILE [--dry-run]``: links as code (YAML)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from applinks.cli.common import CLI_ACTOR, cli_errors, console, open_instance
from applinks.errors import InvalidInput
from applinks.services.links_as_code import export_document, import_document


def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")] = None,
) -> None:
    """Write every link and its non-secret configuration as YAML (no secrets)."""
    with open_instance() as instance, cli_errors():
        text = export_document(instance.links, instance.oauth_consumers)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"exported to {output}", highlight=False)


def import_links(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by applinks export.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would change.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Apply an export: create what is missing, update what differs, leave the rest (idempotent)."""
    with open_instance() as instance, cli_errors():
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {file}: {exc}", key="applinks.import.file") from exc
        plan = import_document(text, instance.links, instance.oauth_consumers, actor=CLI_ACTOR, dry_run=dry_run)
    if as_json:
        sys.stdout.write(json.dumps({"dryRun": dry_run, **plan.to_json()}, indent=2) + "\n")
        return
    verb = "would" if dry_run else "did"
    for line in plan.changes:
        console.print(f"{verb}: {line}", highlight=False)
    for line in plan.skipped:
        console.print(f"skipped: {line}", highlight=False)
    console.print(f"{len(plan.changes)} changes, {len(plan.unchanged)} unchanged", highlight=False)
