"""The monitor runs rounds on its interval and survives a failing round; the start-up self-check."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from applinks.diagnostics.monitor import Monitor
from applinks.diagnostics.selfcheck import SelfCheck, check_base_url
from applinks.diagnostics.status import Finding
from applinks.transport.client import OutboundClient, TransportOptions
from tests.faults.remotes import Peer, ScriptedRemote, closed_port, scripted_remote


def test_rounds_repeat_and_a_failing_round_does_not_stop_the_monitor() -> None:
    calls: list[int] = []

    def check_all() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("one bad round")

    monitor = Monitor(0.05, check_all)
    monitor.start()
    try:
        assert monitor.wait_for_rounds(3, timeout=10)
    finally:
        monitor.stop()
    assert len(calls) >= 3
    stopped_at = len(calls)
    assert not monitor._thread.is_alive()
    assert len(calls) == stopped_at


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Monitor(0, lambda: None)


@pytest.fixture
def client() -> Iterator[OutboundClient]:
    found = OutboundClient(TransportOptions(connect_timeout=2, read_timeout=2, deadline=4))
    yield found
    found.close()


@pytest.fixture
def remote() -> Iterator[ScriptedRemote]:
    yield from scripted_remote()


def test_base_url_serving_our_manifest_is_fine(client: OutboundClient, remote: ScriptedRemote) -> None:
    url = remote.add("us", Peer("our-id"))
    assert check_base_url(client, url, "our-id") is None


def test_base_url_reaching_another_application(client: OutboundClient, remote: ScriptedRemote) -> None:
    url = remote.add("them", Peer("their-id", name="Someone else"))
    finding = check_base_url(client, url, "our-id")
    assert finding is not None and finding.type == "BASE_URL_UNREACHABLE"
    assert "Someone else" in finding.details


def test_base_url_where_nothing_listens(client: OutboundClient) -> None:
    finding = check_base_url(client, f"http://127.0.0.1:{closed_port()}", "our-id")
    assert finding is not None and "does not reach us" in finding.details


def test_background_self_check_reports_once(client: OutboundClient, remote: ScriptedRemote) -> None:
    url = remote.add("them", Peer("their-id"))
    reported: list[Finding | None] = []
    done = threading.Event()

    def report(finding: Finding | None) -> None:
        reported.append(finding)
        done.set()

    checker = SelfCheck(client, url, "our-id", report)
    checker.start()
    assert done.wait(timeout=10) and checker.done.wait(timeout=10)
    assert len(reported) == 1 and reported[0] is not None
