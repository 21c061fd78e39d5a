"""The pages' shared helpers: one date format, URLs rendered only when they are http(s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from applinks.services.lifecycle import level_name
from applinks.web.pages import CSP, PAGE_TEMPLATES, TEMPLATES, format_when, http_url


def test_one_date_format_for_datetimes_iso_strings_and_epochs() -> None:
    moment = datetime(2026, 12, 1, 22, 6, 17, tzinfo=UTC)
    assert format_when(moment) == "2026-12-01 22:06 UTC"
    assert format_when(moment.astimezone(timezone(timedelta(hours=2)))) == "2026-12-01 22:06 UTC"
    assert format_when("2026-12-01T22:06:17+00:00") == "2026-12-01 22:06 UTC"
    assert format_when("2026-12-01T22:06:17Z") == "2026-12-01 22:06 UTC"
    assert format_when(datetime(2026, 12, 1, 22, 6)) == "2026-12-01 22:06 UTC"  # naive = UTC
    assert format_when(moment.timestamp()) == "2026-12-01 22:06 UTC"
    assert format_when(None) == "—"
    assert format_when("not a date") == "not a date"


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil.example/",
        "/relative",
        "http:///nohost",
        "http://x.test/\tjavascript:",
        None,
        42,
    ],
)
def test_only_http_urls_are_rendered_as_links(value: object) -> None:
    assert http_url(value) is None


def test_http_and_https_urls_pass_unchanged() -> None:
    assert http_url("https://jira.example.com/browse") == "https://jira.example.com/browse"
    assert http_url("HTTP://127.0.0.1:8080") == "HTTP://127.0.0.1:8080"


def test_the_environment_escapes_everything_and_the_policy_allows_no_inline_code() -> None:
    rendered = TEMPLATES.env.from_string("{{ name }}").render(name="<img src=x onerror=alert(1)>")
    assert rendered == "&lt;img src=x onerror=alert(1)&gt;"
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP


def test_level_names_of_direction_flags() -> None:
    assert level_name(None) == "disabled"
    assert level_name({"enabled": False}) == "disabled"
    assert level_name({"enabled": True, "twoLoEnabled": True}) == "oauth"
    assert level_name({"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": True}) == "impersonation"
    assert level_name({"enabled": True}) == "3lo-only"


@pytest.mark.parametrize("folder", ["oauth1", "oauth2", "login_dance"])
def test_protocol_pages_extend_the_one_layout_directly(folder: str) -> None:
    """One layout (ui/layout.html): the protocol pages extend it themselves, with no shim in between."""
    pages = sorted((PAGE_TEMPLATES / folder).glob("*.html"))
    assert pages
    for page in pages:
        assert '{% extends "ui/layout.html" %}' in page.read_text(encoding="utf-8"), page.name
    assert not (PAGE_TEMPLATES / "page_base.html").exists()
