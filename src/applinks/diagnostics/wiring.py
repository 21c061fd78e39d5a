"""Builds the diagnostics of an instance once: the service, its ports to the auth areas, metrics, monitor."""

from __future__ import annotations

from applinks.diagnostics.adapters import InstanceLevels, InstanceOAuth2, legacy_info
from applinks.diagnostics.checks import Diagnoser
from applinks.diagnostics.metrics import Metrics
from applinks.diagnostics.monitor import Monitor
from applinks.diagnostics.selfcheck import SelfCheck
from applinks.diagnostics.status import Finding, LinkStatus
from applinks.instance import Instance
from applinks.outbound.calls import SignedCalls
from applinks.services.diagnostics import DiagnosticsService

SERVICE_KEY = "diagnostics"
METRICS_KEY = "metrics"


def diagnostics_of(instance: Instance) -> DiagnosticsService:
    """The instance's diagnostics service, created on first use."""
    existing = instance.extensions.get(SERVICE_KEY)
    if isinstance(existing, DiagnosticsService):
        return existing
    diagnoser = Diagnoser(
        outbound=instance.outbound,
        own_id=lambda: instance.application_id,
        base_url=instance.base_url,
        levels=InstanceLevels(instance),
        legacy=legacy_info(instance),
        signed=SignedCalls(instance.outgoing),
        oauth2=InstanceOAuth2(instance),
    )
    service = DiagnosticsService(instance.engine, instance.links, diagnoser)
    metrics = metrics_of(instance)

    def count(status: LinkStatus) -> None:
        metrics.record_check(status.error.type if status.error else None)

    service.listeners.append(count)
    instance.extensions[SERVICE_KEY] = service
    return service


def metrics_of(instance: Instance) -> Metrics:
    existing = instance.extensions.get(METRICS_KEY)
    if isinstance(existing, Metrics):
        return existing
    metrics = Metrics(instance.engine)
    instance.extensions[METRICS_KEY] = metrics
    # The outbound area reports each request through a link here when it offers observers (link, provider
    # short name, HTTP status or error key, seconds); see Metrics.record_outgoing.
    observers = getattr(instance.outgoing, "observers", None)
    if isinstance(observers, list):
        observers.append(
            lambda link, provider, outcome, seconds: metrics.record_outgoing(link.id, provider, outcome, seconds)
        )
    return metrics


def start_background(instance: Instance, *, self_check: bool = True) -> None:
    """Start the base-URL self-check and (when ``monitor_interval`` > 0) the monitor; both stop on close."""
    service = diagnostics_of(instance)
    if self_check:

        def report(finding: Finding | None) -> None:
            service.instance_warnings = [finding] if finding else []

        checker = SelfCheck(instance.outbound, instance.base_url, instance.application_id, report)
        instance.extensions["diagnostics.selfcheck"] = checker
        instance.on_close(checker.stop)
        checker.start()
    if instance.settings.monitor_interval > 0:
        monitor = Monitor(instance.settings.monitor_interval, service.check_all)
        instance.extensions["diagnostics.monitor"] = monitor
        instance.on_close(monitor.stop)
        monitor.start()
