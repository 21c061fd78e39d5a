"""Prometheus metrics of one instance: link status (from the stored results), outgoing calls, OAuth failures."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from applinks.diagnostics.advice import category_of
from applinks.storage.diagnostics import link_status
from applinks.storage.tables import links

log = logging.getLogger("applinks.diagnostics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class LinkStatusCollector(Collector):
    """Reads the last stored status of every link at scrape time, so every node of a cluster agrees."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "applinks_link_up", "1 when the link's last check found it working, else 0", labels=["link_id", "name"]
            ),
            GaugeMetricFamily(
                "applinks_link_error",
                "1 for the error type the link's last check found",
                labels=["link_id", "error_type", "category"],
            ),
            GaugeMetricFamily(
                "applinks_link_last_check_timestamp_seconds", "When the link was last checked", labels=["link_id"]
            ),
            GaugeMetricFamily(
                "applinks_link_clock_skew_seconds",
                "The remote's clock minus ours at the last check",
                labels=["link_id"],
            ),
        )

    def collect(self) -> Iterator[Metric]:
        up, error, checked, skew = self._families()
        query = select(
            links.c.id,
            links.c.name,
            link_status.c.working,
            link_status.c.error_type,
            link_status.c.checked_at,
            link_status.c.status,
        ).join(link_status, link_status.c.link_id == links.c.id)
        try:
            with self._engine.connect() as conn:
                rows = list(conn.execute(query))
        except SQLAlchemyError:
            log.exception("reading link status for metrics failed")
            rows = []
        for row in rows:
            up.add_metric([row.id, row.name], 1.0 if row.working else 0.0)
            if row.error_type:
                error.add_metric([row.id, row.error_type, category_of(row.error_type).value], 1.0)
            # SQLite hands back naive datetimes; they were stored in UTC.
            at = row.checked_at if row.checked_at.tzinfo else row.checked_at.replace(tzinfo=UTC)
            checked.add_metric([row.id], at.timestamp())
            measured = (row.status or {}).get("clockSkewSeconds")
            if isinstance(measured, int | float):
                skew.add_metric([row.id], float(measured))
        yield from (up, error, checked, skew)


class Metrics:
    """One registry per instance (several instances may share a process, as in tests)."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.outgoing_requests = Counter(
            "applinks_outgoing_requests",
            "Requests made to linked applications, by link, provider and outcome (HTTP status or error)",
            ["link_id", "provider", "outcome"],
            registry=self.registry,
        )
        self.outgoing_latency = Histogram(
            "applinks_outgoing_request_duration_seconds",
            "Latency of requests to linked applications",
            ["link_id", "provider"],
            registry=self.registry,
        )
        self.incoming_oauth_failures = Counter(
            "applinks_incoming_oauth_failures",
            "Incoming OAuth 1.0a requests refused, by oauth_problem",
            ["oauth_problem"],
            registry=self.registry,
        )
        self.link_checks = Counter(
            "applinks_link_checks", "Link checks run, by result", ["result"], registry=self.registry
        )
        self.registry.register(LinkStatusCollector(engine))

    def record_outgoing(self, link_id: str, provider: str, outcome: str | int, seconds: float) -> None:
        self.outgoing_requests.labels(link_id, provider, str(outcome)).inc()
        self.outgoing_latency.labels(link_id, provider).observe(seconds)

    def record_incoming_oauth_failure(self, problem: str) -> None:
        self.incoming_oauth_failures.labels(problem).inc()

    def record_check(self, error_type: str | None) -> None:
        self.link_checks.labels(error_type or "WORKING").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
