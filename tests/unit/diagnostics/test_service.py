"""The background checks of a serving instance: started once however often asked, stopped on close."""

from __future__ import annotations

from applinks.instance import Instance
from applinks.settings import Settings


def test_the_monitor_starts_once_and_stops_with_the_instance(settings: Settings) -> None:
    instance = Instance(settings.model_copy(update={"monitor_interval": 3600.0}))
    try:
        assert instance.diagnostics.monitor is None  # a CLI command's instance runs nothing in the background
        instance.start_background(self_check=False)
        monitor = instance.diagnostics.monitor
        assert monitor is not None and monitor._thread.is_alive()
        instance.start_background(self_check=False)  # a second app over the same instance
        assert instance.diagnostics.monitor is monitor
        assert instance.diagnostics.self_check is None
    finally:
        instance.close()
    assert not monitor._thread.is_alive()
