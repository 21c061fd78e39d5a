"""Stored statuses (newest wins, gone with the link) and the metrics rendered from them, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from applinks.cli.common import CLI_ACTOR
from applinks.diagnostics.status import Finding, LinkStatus
from applinks.domain.link import Link
from applinks.instance import Instance
from applinks.settings import Settings
from applinks.storage import diagnostics as store

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def instance(settings: Settings) -> Iterator[Instance]:
    found = Instance(settings)
    url = "http://127.0.0.1:9/a"
    found.links.create(Link("rid-1", "refapp", "Remote One", url, url), actor=CLI_ACTOR)
    yield found
    found.close()


def record(instance: Instance, at: datetime, error: str | None) -> None:
    link = instance.links.get("rid-1")
    status = LinkStatus(link, at, Finding(error, "details") if error else None, clock_skew=12.0)
    instance.diagnostics._record(status)


def test_the_newest_status_wins(instance: Instance) -> None:
    record(instance, T0, "CONNECTION_REFUSED")
    record(instance, T0 - timedelta(minutes=5), None)  # an older round finishing late
    stored = instance.diagnostics.last("rid-1")
    assert stored is not None and stored["error"]["type"] == "CONNECTION_REFUSED"
    record(instance, T0 + timedelta(minutes=5), None)
    stored = instance.diagnostics.last("rid-1")
    assert stored is not None and stored["working"] is True


def test_deleting_the_link_deletes_its_status(instance: Instance) -> None:
    record(instance, T0, None)
    instance.links.delete("rid-1", actor=CLI_ACTOR)
    with instance.engine.connect() as conn:
        assert store.load_all(conn) == []


def test_metrics_render_link_status_checks_and_outgoing_calls(instance: Instance) -> None:
    metrics = instance.metrics
    record(instance, T0, "UNKNOWN_HOST")
    metrics.record_outgoing("rid-1", "2lo", 200, 0.05)
    metrics.record_outgoing("rid-1", "2lo", "applinks.remote.unreachable", 1.5)
    metrics.record_incoming_oauth_failure("nonce_used")
    text = metrics.render().decode()
    assert 'applinks_link_up{link_id="rid-1",name="Remote One"} 0.0' in text
    assert 'applinks_link_error{category="NETWORK_ERROR",error_type="UNKNOWN_HOST",link_id="rid-1"} 1.0' in text
    checked = [line for line in text.splitlines() if line.startswith("applinks_link_last_check_timestamp_seconds{")]
    assert [float(line.rsplit(" ", 1)[1]) for line in checked] == [T0.timestamp()]
    assert 'applinks_link_clock_skew_seconds{link_id="rid-1"} 12.0' in text
    assert 'applinks_link_checks_total{result="UNKNOWN_HOST"} 1.0' in text
    assert 'applinks_outgoing_requests_total{link_id="rid-1",outcome="200",provider="2lo"} 1.0' in text
    assert 'applinks_outgoing_request_duration_seconds_count{link_id="rid-1",provider="2lo"} 2.0' in text
    assert 'applinks_incoming_oauth_failures_total{oauth_problem="nonce_used"} 1.0' in text


def test_each_instance_has_its_own_registry(instance: Instance, settings: Settings) -> None:
    other = Instance(settings)
    try:
        instance.metrics.record_incoming_oauth_failure("nonce_used")
        assert "nonce_used" not in other.metrics.render().decode()
    finally:
        other.close()
