"""``applinks doctor [LINK…] [--json]``: check links concurrently, say what is wrong and what to do."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from applinks.cli.common import cli_errors, console, fail, open_instance, pick_link, print_table, slow_progress
from applinks.diagnostics.advice import advice_for
from applinks.diagnostics.selfcheck import check_base_url
from applinks.diagnostics.status import Finding, LinkStatus
from applinks.domain.link import Link
from applinks.instance import Instance

err_console = Console(stderr=True)
_STYLES = {"CONNECTED": "green", "NOT CHECKED": "dim", "UPGRADE CONFIG": "yellow", "DISABLED": "yellow"}


def _select(instance: Instance, wanted: list[str]) -> list[Link]:
    """All links, or those named by ID or name (an unknown one is an error)."""
    links = instance.links.list()
    if not wanted:
        return links
    chosen: list[Link] = []
    for key in wanted:
        match = pick_link(links, key)
        if match is None:
            fail(f"no application link with ID or name {key!r}")
            raise AssertionError  # pragma: no cover - fail() exits
        if match not in chosen:
            chosen.append(match)
    return chosen


def _advice_cell(status: LinkStatus) -> str:
    lines = []
    if status.error is not None:
        advice = advice_for(status.error.type)
        lines.append(f"{advice.title}: {status.error.details}")
        lines += [f"→ {step}" for step in advice.steps]  # every step: the last is often the way out
    for warning in status.warnings:
        advice = advice_for(warning.type)
        lines.append(f"⚠ {advice.title}: {warning.details}")
        lines += [f"→ {step}" for step in advice.steps]
    return "\n".join(lines) or "—"


def _table(statuses: list[LinkStatus], instance_warning: Finding | None) -> Table:
    table = Table(title="Application links", show_lines=True)
    for column in ("Link", "Status", "Error type", "What to do"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        style = _STYLES.get(status.lozenge, "bold red")
        table.add_row(
            f"{status.link.name}\n[dim]{status.link.id}[/]",
            f"[{style}]{status.lozenge}[/]",
            status.error.type if status.error else "",
            _advice_cell(status),
        )
    if instance_warning is not None:
        table.caption = f"⚠ {instance_warning.details}"
    return table


def doctor(
    links: Annotated[list[str] | None, typer.Argument(help="Link IDs or names (default: every link).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statuses as JSON.")] = False,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0.1, help="Per-link network timeout in seconds (connect, read, deadline)."),
    ] = None,
) -> None:
    """Check application links (all at once) and explain what is wrong. Exits 1 when a link is not working."""
    overrides: dict[str, Any] = {}
    if timeout is not None:
        overrides = {"connect_timeout": timeout, "read_timeout": timeout, "request_deadline": timeout}
    with open_instance(**overrides) as instance, cli_errors():
        service = instance.diagnostics
        targets = _select(instance, links or [])
        with ThreadPoolExecutor(max_workers=1) as side:
            # Our own base URL is checked alongside the links, so it costs no extra wall time.
            self_check = side.submit(check_base_url, instance.outbound, instance.base_url, instance.application_id)
            with slow_progress("checking links", len(targets), on=err_console) as done:
                statuses = service.check_many(targets, on_done=lambda _: done())
            instance_warning = self_check.result()
        if as_json:
            body = {
                "instance": {
                    "id": instance.application_id,
                    "baseUrl": instance.base_url,
                    "warnings": [instance_warning.to_json(with_category=False)] if instance_warning else [],
                },
                "links": [status.to_json() | {"ageSeconds": 0} for status in statuses],  # as GET …/3.0/status
            }
            sys.stdout.write(json.dumps(body, indent=2) + "\n")
        elif not statuses:
            console.print("no application links to check")
        else:
            print_table(_table(statuses, instance_warning))
        if not all(status.healthy for status in statuses):
            raise typer.Exit(1)
