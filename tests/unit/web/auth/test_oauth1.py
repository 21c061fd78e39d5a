"""The signature base URI: the configured base URL plus the path below the application's root, whatever
Host, scheme or port the request arrived with (proxies change those)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from applinks.web.auth.oauth1 import request_uri


def _request(path: str, raw_path: bytes | None, root_path: str = "", host: str = "proxy.internal:8080") -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": root_path,
        "query_string": b"a=1",
        "headers": [(b"host", host.encode())],
        "scheme": "http",
        "server": ("10.0.0.5", 8080),
    }
    if raw_path is not None:
        scope["raw_path"] = raw_path
    return Request(scope)


@pytest.mark.parametrize(
    ("path", "raw_path", "root_path", "expected"),
    [
        ("/rest/x", b"/rest/x", "", "https://jira.example.com/ctx/rest/x"),
        ("/rest/r v/X", b"/rest/r%20v/X", "", "https://jira.example.com/ctx/rest/r%20v/X"),
        # Served under a root path that the proxy kept, or stripped.
        ("/ctx/rest/x", b"/ctx/rest/x", "/ctx", "https://jira.example.com/ctx/rest/x"),
        ("/ctx/rest/x", b"/rest/x", "/ctx", "https://jira.example.com/ctx/rest/x"),
        ("/rest/r v", None, "", "https://jira.example.com/ctx/rest/r%20v"),
    ],
)
def test_base_uri_comes_from_the_configured_base_url(
    path: str, raw_path: bytes | None, root_path: str, expected: str
) -> None:
    request = _request(path, raw_path, root_path)
    assert request_uri(request, "https://jira.example.com/ctx/") == expected
