"""What host code imports to call linked applications is exported from ``applinks``."""

from __future__ import annotations

import applinks
import applinks.outbound.application_links
import applinks.outbound.factory
import applinks.transport.client


def test_the_calling_api_is_exported() -> None:
    assert applinks.ApplicationLinks is applinks.outbound.application_links.ApplicationLinks
    assert applinks.ApplicationLink is applinks.outbound.application_links.ApplicationLink
    assert applinks.RequestFactory is applinks.outbound.factory.RequestFactory
    assert applinks.AsyncRequestFactory is applinks.outbound.factory.AsyncRequestFactory
    assert applinks.OutboundResponse is applinks.transport.client.OutboundResponse
    for name in ("CredentialsRequired", "AuthenticationNotConfigured", "ImpersonationNotAllowed", "RemoteMoved"):
        assert name in applinks.__all__


def test_credentials_required_carries_the_authorisation_uri() -> None:
    base = "http://wiki.test/plugins/servlet/applinks/oauth/login-dance/authorize?applicationLinkID=abc"
    error = applinks.CredentialsRequired("alice must authorise", authorisation_base=base)
    assert error.authorisation_uri() == base
    assert (
        error.authorisation_uri("http://wiki.test/page?x=1")
        == base + "&redirectUrl=http%3A%2F%2Fwiki.test%2Fpage%3Fx%3D1"
    )
    assert error.status == 401
