"""URLs through a link: relative ones resolve against the RPC URL, absolute ones must be on it."""

from __future__ import annotations

import pytest

from applinks.domain.link import Link
from applinks.errors import InvalidInput
from applinks.outbound.factory import resolve_url

JIRA = Link("11111111-1111-3111-8111-111111111111", "jira", "Jira", "https://jira.test/jira", "https://jira.test/jira")
ROOT = Link("22222222-2222-3222-8222-222222222222", "jira", "Root", "http://root.test:8080", "http://root.test:8080")


@pytest.mark.parametrize(
    ("link", "given", "expected"),
    [
        (JIRA, "/rest/api/2/myself", "https://jira.test/jira/rest/api/2/myself"),
        (JIRA, "rest/api/2/myself", "https://jira.test/jira/rest/api/2/myself"),
        (JIRA, "/rest/api/2/search?jql=a%20b", "https://jira.test/jira/rest/api/2/search?jql=a%20b"),
        (JIRA, "https://jira.test/jira/rest/x", "https://jira.test/jira/rest/x"),
        (JIRA, "https://jira.test:443/jira/rest/x", "https://jira.test:443/jira/rest/x"),
        (JIRA, "https://JIRA.test/jira", "https://JIRA.test/jira"),
        (ROOT, "/anything", "http://root.test:8080/anything"),
        (ROOT, "http://root.test:8080/x", "http://root.test:8080/x"),
    ],
)
def test_urls_on_the_rpc_url(link: Link, given: str, expected: str) -> None:
    assert resolve_url(link, given) == expected


@pytest.mark.parametrize(
    ("link", "given"),
    [
        (JIRA, "https://evil.test/jira/rest"),
        (JIRA, "http://jira.test/jira/rest"),  # scheme downgrade
        (JIRA, "https://jira.test:8443/jira/rest"),  # other port
        (JIRA, "https://jira.test/confluence/rest"),  # same origin, outside the RPC path
        (JIRA, "https://jira.test/jiraX/rest"),  # a prefix is not a path
        (JIRA, "//evil.test/jira/rest"),  # protocol-relative
        (JIRA, "/../admin"),
        (JIRA, "/rest/%2e%2e/%2E%2E/admin"),
        (JIRA, "https://jira.test/jira/../admin"),
        (JIRA, "https://user@jira.test/jira/rest"),
        (JIRA, "javascript:alert(1)"),
        (JIRA, "file:///etc/passwd"),
        (ROOT, "http://root.test/x"),  # default port 80 is not 8080
    ],
)
def test_urls_elsewhere_are_refused(link: Link, given: str) -> None:
    with pytest.raises(InvalidInput):
        resolve_url(link, given)


def test_the_refusal_names_the_link_and_its_url() -> None:
    with pytest.raises(InvalidInput) as refused:
        resolve_url(JIRA, "https://evil.test/x")
    assert refused.value.key == "applinks.url.other_origin"
    assert "https://jira.test/jira" in refused.value.message
