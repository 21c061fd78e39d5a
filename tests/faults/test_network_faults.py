"""Network faults of the round trip become typed statuses: refused, unknown host, timeout, address refused."""

from __future__ import annotations

import time

from applinks.diagnostics.advice import Category, advice_for
from applinks.domain.link import Link
from tests.faults.conftest import DiagnoserFactory
from tests.faults.remotes import closed_port, silent_socket

REMOTE_ID = "5e5e5e5e-0000-3000-8000-000000000001"


def link_to(url: str, **kwargs: object) -> Link:
    return Link(id=REMOTE_ID, type_id="refapp", name="Remote", display_url=url, rpc_url=url, **kwargs)  # type: ignore[arg-type]


def test_connection_refused_on_a_closed_port(make_diagnoser: DiagnoserFactory) -> None:
    status = make_diagnoser().check(link_to(f"http://127.0.0.1:{closed_port()}"))
    assert not status.working
    assert status.error is not None and status.error.type == "CONNECTION_REFUSED"
    body = status.to_json()
    assert body["error"]["category"] == "NETWORK_ERROR"
    assert body["lozenge"] == "NETWORK ERROR"
    assert body["error"]["advice"]["steps"] == list(advice_for("CONNECTION_REFUSED").steps)


def test_unknown_host_through_the_resolver(make_diagnoser: DiagnoserFactory) -> None:
    status = make_diagnoser(names={}).check(link_to("http://tracker.invalid:8080"))
    assert status.error is not None and status.error.type == "UNKNOWN_HOST"
    assert "tracker.invalid" in status.error.details
    assert advice_for("UNKNOWN_HOST").category is Category.NETWORK_ERROR


def test_a_remote_that_never_answers_times_out_within_the_timeout(make_diagnoser: DiagnoserFactory) -> None:
    silent = silent_socket()
    try:
        started = time.monotonic()
        status = make_diagnoser(timeout=0.5).check(link_to(f"http://127.0.0.1:{silent.getsockname()[1]}"))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert status.error is not None and status.error.type == "CONNECTION_TIMEOUT"
    assert elapsed < 3 * 0.5


def test_the_address_policy_refusal_is_its_own_type(make_diagnoser: DiagnoserFactory) -> None:
    status = make_diagnoser(allow_loopback=False).check(link_to("http://127.0.0.1:8080"))
    assert status.error is not None and status.error.type == "ADDRESS_REFUSED"
    assert "APPLINKS_ALLOW_LOOPBACK" in " ".join(advice_for("ADDRESS_REFUSED").steps)
