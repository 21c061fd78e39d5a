"""The start-up self-check: does our configured base URL reach this very instance?"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from applinks.diagnostics.status import Finding
from applinks.discovery.manifest import fetch_manifest
from applinks.errors import AppLinksError, RemoteUnreachable
from applinks.transport.client import OutboundClient

log = logging.getLogger("applinks.diagnostics")

# Waits between attempts while the server is still starting (seconds); then the result stands.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


def _probe(client: OutboundClient, base_url: str, own_id: str) -> tuple[Finding | None, bool]:
    """The finding, and whether trying again later could change it (nothing answering yet)."""
    try:
        manifest = fetch_manifest(client, base_url)
    except AppLinksError as exc:
        finding = Finding("BASE_URL_UNREACHABLE", f"our base URL {base_url} does not reach us: {exc.message}")
        return finding, isinstance(exc, RemoteUnreachable)
    if manifest.id != own_id:
        finding = Finding(
            "BASE_URL_UNREACHABLE",
            f"our base URL {base_url} reaches another application ({manifest.name!r}, ID {manifest.id}), not us",
            data={"answeredBy": manifest.id},
        )
        return finding, False
    return None, False


def check_base_url(client: OutboundClient, base_url: str, own_id: str) -> Finding | None:
    """None when ``base_url`` serves our own manifest; else a BASE_URL_UNREACHABLE warning saying why."""
    return _probe(client, base_url, own_id)[0]


class SelfCheck:
    """Runs the base-URL check in the background after start, retrying while the server comes up."""

    def __init__(
        self, client: OutboundClient, base_url: str, own_id: str, report: Callable[[Finding | None], None]
    ) -> None:
        self._client = client
        self._base_url = base_url
        self._own_id = own_id
        self._report = report
        self._stop = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="applinks-selfcheck", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            finding: Finding | None = None
            for delay in (0.0, *RETRY_DELAYS):
                if self._stop.wait(delay):
                    return
                finding, retry = _probe(self._client, self._base_url, self._own_id)
                if not retry:
                    break
            if finding is not None:
                log.warning("self-check: %s", finding.details)
            self._report(finding)
        finally:
            self.done.set()
