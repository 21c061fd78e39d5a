"""The demo step of the lifecycle area: link two-way with "same set of users", then call as a user by impersonation."""

from __future__ import annotations

from applinks.refapp.demo import link_and_call
from tests.support import LiveInstance


def test_link_and_call_as_the_demo_user_by_impersonation(tracker: LiveInstance, wiki: LiveInstance) -> None:
    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    instance = wiki.instance
    assert instance.host is not None
    admin = instance.host.get_user("admin")
    assert admin is not None
    result, seen = link_and_call(instance, tracker.url, ("admin", "admin-pw"), actor=admin)
    assert result is not None and result.authentication_complete
    assert seen == "alice"
    # The audit log of the calling side shows the impersonated call.
    entries = instance.outgoing.audit.entries(tracker.application_id, 10)
    assert any(entry.acting_as == "alice" for entry in entries)
    # Running the step again reuses the link.
    again, seen_again = link_and_call(instance, tracker.url, ("admin", "admin-pw"), actor=admin)
    assert again is None and seen_again == "alice"


def test_link_and_call_follows_a_remote_that_moved(tracker: LiveInstance, wiki: LiveInstance) -> None:
    from tests.integration.lifecycle_fakes import moved_to_new_port

    for live in (tracker, wiki):
        live.add_user("alice", "alice-pw")
    instance = wiki.instance
    assert instance.host is not None
    admin = instance.host.get_user("admin")
    assert admin is not None
    link_and_call(instance, tracker.url, ("admin", "admin-pw"), actor=admin)
    with moved_to_new_port(tracker) as moved:
        result, seen = link_and_call(instance, moved.url, ("admin", "admin-pw"), actor=admin)
        assert result is None and seen == "alice"
        assert instance.links.get(tracker.application_id).rpc_url == moved.url
