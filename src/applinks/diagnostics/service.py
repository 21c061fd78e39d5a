"""``DiagnosticsService``: check links (one, or many concurrently), keep their last status, OAuth levels, and
the background checks of a serving instance (the base-URL self-check and the monitor)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC
from typing import Any

from sqlalchemy import Engine

from applinks.diagnostics.checks import Diagnoser
from applinks.diagnostics.monitor import Monitor
from applinks.diagnostics.selfcheck import SelfCheck
from applinks.diagnostics.status import AuthLevels, Finding, LinkStatus
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.services.registry import LinkService
from applinks.storage import diagnostics as store
from applinks.transport.client import OutboundClient

log = logging.getLogger("applinks.diagnostics")

MAX_WORKERS = 64
Listener = Callable[[LinkStatus], None]


class DiagnosticsService:
    """Checks links and records what it found; every result is persisted and passed to the listeners."""

    def __init__(self, engine: Engine, links: LinkService, diagnoser: Diagnoser, *, monitor_interval: float) -> None:
        self.engine = engine
        self.links = links
        self.diagnoser = diagnoser
        self.monitor_interval = monitor_interval
        self.listeners: list[Listener] = []
        self.instance_warnings: list[Finding] = []
        diagnoser.instance_warnings = lambda: list(self.instance_warnings)
        self.self_check: SelfCheck | None = None
        self.monitor: Monitor | None = None

    # -- background ----------------------------------------------------------------------------------
    def start_background(self, outbound: OutboundClient, application_id: str, *, self_check: bool = True) -> None:
        """Start the base-URL self-check and (when ``monitor_interval`` > 0) the monitor, once; ``stop`` ends
        them."""
        if self_check and self.self_check is None:

            def report(finding: Finding | None) -> None:
                self.instance_warnings = [finding] if finding else []

            self.self_check = SelfCheck(outbound, self.diagnoser.base_url, application_id, report)
            self.self_check.start()
        if self.monitor_interval > 0 and self.monitor is None:
            self.monitor = Monitor(self.monitor_interval, self.check_all)
            self.monitor.start()

    def stop(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()
        if self.self_check is not None:
            self.self_check.stop()

    # -- checks --------------------------------------------------------------------------------------
    def check(self, link_id: str, user: HostUser | None = None) -> LinkStatus:
        return self.check_link(self.links.get(link_id), user)

    def check_link(self, link: Link, user: HostUser | None = None) -> LinkStatus:
        try:
            status = self.diagnoser.check(link, user)
        except Exception as exc:  # a check never takes down a caller (monitor, doctor): report it as UNKNOWN
            log.exception("checking link %s failed", link.id)
            status = LinkStatus(link, self.diagnoser.clock(), Finding("UNKNOWN", f"the check itself failed: {exc}"))
        self._record(status)
        return status

    def check_many(
        self,
        links: Iterable[Link],
        *,
        user: HostUser | None = None,
        on_done: Listener | None = None,
        workers: int | None = None,
    ) -> list[LinkStatus]:
        """Check links concurrently (one slow remote delays no other); results in the order given."""
        todo = list(links)
        if not todo:
            return []
        results: dict[int, LinkStatus] = {}
        pool = ThreadPoolExecutor(max_workers=workers or min(MAX_WORKERS, len(todo)), thread_name_prefix="diag")
        try:
            futures = {pool.submit(self.check_link, link, user): index for index, link in enumerate(todo)}
            for future in as_completed(futures):
                status = future.result()
                results[futures[future]] = status
                if on_done is not None:
                    on_done(status)
        finally:
            pool.shutdown(wait=True)
        return [results[i] for i in range(len(todo))]

    def check_all(self, **kwargs: Any) -> list[LinkStatus]:
        return self.check_many(self.links.list(), **kwargs)

    def _record(self, status: LinkStatus) -> None:
        try:
            with self.engine.begin() as conn:
                store.save_status(
                    conn,
                    status.link.id,
                    status.checked_at.astimezone(UTC),
                    status.working,
                    status.error.type if status.error else None,
                    status.to_json(),
                )
        except Exception:  # persisting is best effort: the live answer still goes back to the caller
            log.exception("could not store the status of link %s", status.link.id)
        for listener in self.listeners:
            listener(status)

    # -- stored results ------------------------------------------------------------------------------
    def last(self, link_id: str) -> dict[str, Any] | None:
        """The last stored status of a link (no round trip), or None when it was never checked."""
        self.links.get(link_id)
        with self.engine.connect() as conn:
            return store.load_status(conn, link_id)

    def all_last(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [row[4] for row in store.load_all(conn)]

    # -- OAuth levels (status/{id}/oauth) -----------------------------------------------------------
    def oauth_levels(self, link_id: str) -> AuthLevels:
        return self.diagnoser.levels.levels(self.links.get(link_id))

    def set_oauth_levels(self, link_id: str, levels: AuthLevels, actor: HostUser) -> AuthLevels:
        link = self.links.get(link_id)
        return self.diagnoser.levels.set_levels(link, levels, actor)
