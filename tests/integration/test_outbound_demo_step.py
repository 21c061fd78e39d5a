"""The proposed demo step: OAuth configured between two live instances through REST only, then Wiki calls
Tracker's whoami as a user."""

from __future__ import annotations

import pytest

from applinks.outbound.demo_step import StepFailed, configure_oauth, whoami_as
from tests.support import InstanceFactory


def test_configure_over_rest_then_call_whoami_as_a_user(make_instance: InstanceFactory) -> None:
    wiki, tracker = make_instance(name="Wiki"), make_instance(name="Tracker")
    for live in (wiki, tracker):
        live.add_user("alice", "alice-pw")
    args = (
        wiki.instance.outbound,
        (wiki.url, wiki.application_id),
        (tracker.url, tracker.application_id),
        wiki.admin,
        tracker.admin,
    )
    configure_oauth(*args)
    assert whoami_as(wiki.instance, tracker.application_id, "alice") == ("2loi", "alice")
    configure_oauth(*args)  # running the demo again keeps the links and the configuration
    assert whoami_as(wiki.instance, tracker.application_id, "alice") == ("2loi", "alice")
    with pytest.raises(StepFailed, match="HTTP 401"):
        configure_oauth(*args[:3], ("admin", "wrong"), tracker.admin)
