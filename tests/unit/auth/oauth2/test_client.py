"""Outgoing OAuth 2.0 helpers: provider presets and Atlassian's redirect URL form."""

from __future__ import annotations

import pytest

from applinks.auth.oauth2.client import ATLASSIAN, CUSTOM, GOOGLE, MICROSOFT, callback_path, endpoints_for
from applinks.errors import InvalidInput


def test_callback_path_is_atlassians_form() -> None:
    # base64url without padding of MD5("https://jira.example.com/rest/oauth2/latest/authorize"): 22 characters.
    path = callback_path("https://jira.example.com/rest/oauth2/latest/authorize")
    assert path == "/plugins/servlet/oauth2/client/callback/p15aycRYQD-ybhHl_2h71g"
    assert callback_path("https://other.example/authorize") != path


def test_presets() -> None:
    atlassian = endpoints_for(ATLASSIAN, remote_base_url="https://jira.example.com/")
    assert atlassian.authorize_url == "https://jira.example.com/rest/oauth2/latest/authorize"
    assert atlassian.token_url == "https://jira.example.com/rest/oauth2/latest/token"
    assert endpoints_for(GOOGLE).token_url == "https://oauth2.googleapis.com/token"
    assert "login.microsoftonline.com" in endpoints_for(MICROSOFT).authorize_url
    custom = endpoints_for(CUSTOM, authorize_url="https://a.example/auth", token_url="https://a.example/token")
    assert (custom.authorize_url, custom.token_url) == ("https://a.example/auth", "https://a.example/token")
    with pytest.raises(InvalidInput):
        endpoints_for(CUSTOM, authorize_url="https://a.example/auth")
    with pytest.raises(InvalidInput):
        endpoints_for("kerberos")
