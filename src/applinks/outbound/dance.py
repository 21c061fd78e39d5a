"""The consumer side of the 3-legged OAuth dance (protocol.md §5.2): get a request token, send the user to
the remote to approve it, swap it for an access token on the way back. Bound to the browser and the user
that started it; nothing is stored unless every check passes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from applinks.domain.link import Link
from applinks.errors import (
    AuthenticationNotConfigured,
    InvalidInput,
    PermissionDenied,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.host import HostUser
from applinks.outbound.credentials import ACCESS_PATH
from applinks.outbound.providers.oauth1 import OAuth1Auth, OAuthSigner
from applinks.outbound.sender import oauth_problem
from applinks.outbound.service import OutgoingAuth
from applinks.transport.client import OutboundResponse

if TYPE_CHECKING:
    from applinks.outbound.tokens import PendingDance

log = logging.getLogger("applinks.outbound.dance")

REQUEST_TOKEN_PATH = "/plugins/servlet/oauth/request-token"  # noqa: S105 - a path, not a secret
ACCESS_TOKEN_PATH = "/plugins/servlet/oauth/access-token"  # noqa: S105 - a path, not a secret
REMOTE_AUTHORIZE_PATH = "/plugins/servlet/oauth/authorize"
MAX_TOKEN = 255


def _endpoint(configured: str | None, base: str, default_path: str) -> str:
    """A configured endpoint (absolute, or a path resolved against ``base``) or the protocol's default."""
    if not configured:
        return base.rstrip("/") + default_path
    return configured if "://" in configured else urljoin(base.rstrip("/") + "/", configured.lstrip("/"))


def same_origin_redirect(base_url: str, given: str | None) -> str | None:
    """``redirectUrl`` only on this instance (a local path or an absolute URL of our origin); else refused."""
    value = (given or "").strip()
    if not value:
        return None
    if len(value) > 2048 or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value) or "\\" in value:
        raise InvalidInput("the redirect URL is not a URL of this application", key="applinks.dance.redirect")
    base = urlsplit(base_url)
    if value.startswith("/") and not value.startswith("//"):
        return f"{base.scheme}://{base.netloc}{value}"
    parts = urlsplit(value)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.username is not None:
        raise InvalidInput("the redirect URL is not a URL of this application", key="applinks.dance.redirect")
    return value


def _credentials(response: OutboundResponse, url: str, what: str) -> tuple[str, str]:
    """``oauth_token`` and ``oauth_token_secret`` from a form-encoded answer; anything else is refused."""
    if response.is_redirect:
        raise UnexpectedResponse(f"{url} answered the {what} call with a redirect, which is not followed", url=url)
    if response.status_code != 200:
        problem = oauth_problem(response)
        detail = f" (oauth_problem={problem})" if problem else ""
        raise UnexpectedStatus(
            f"{url} refused the {what} call: HTTP {response.status_code}{detail}",
            status_code=response.status_code,
            oauth_problem=problem,
        )
    try:
        fields = dict(parse_qsl(response.content.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
    except (ValueError, UnicodeDecodeError):
        fields = {}
    token = fields.get("oauth_token", "")
    secret = fields.get("oauth_token_secret")
    if not token or secret is None or len(token) > MAX_TOKEN or len(secret) > 1024:
        raise UnexpectedResponse(f"{url} did not answer the {what} call with an OAuth token", url=url)
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
        raise UnexpectedResponse(f"{url} answered the {what} call with a malformed token", url=url)
    return token, secret


class LoginDance:
    def __init__(self, outgoing: OutgoingAuth) -> None:
        self.outgoing = outgoing

    def _link(self, link_id: str) -> Link:
        link = self.outgoing.links.get(link_id)
        if not self.outgoing.config.get(link.id).three_lo:
            raise AuthenticationNotConfigured(
                f"{link.name} has no outgoing 3-legged OAuth, so there is nothing to authorise",
                key="applinks.dance.not_configured",
            )
        return link

    def callback_url(self, link: Link) -> str:
        return self.outgoing.base_url + ACCESS_PATH + "?" + urlencode({"applicationLinkID": link.id})

    def start(self, link_id: str, user: HostUser, browser: str, redirect_url: str | None) -> str:
        """Fetch a request token for ``user`` and return the remote URL to send the browser to."""
        redirect = same_origin_redirect(self.outgoing.base_url, redirect_url)
        link = self._link(link_id)
        config = self.outgoing.config.get(link.id)
        consumer = self.outgoing.consumer(link, config)
        url = _endpoint(config.request_token_url, link.rpc_url, REQUEST_TOKEN_PATH)
        signer = OAuthSigner(consumer, callback=self.callback_url(link))
        response = self.outgoing.client.request(
            "POST",
            url,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"},
            content=b"",
            auth=OAuth1Auth(signer),
        )
        token, secret = _credentials(response, url, "request-token")
        self.outgoing.tokens.start_dance(browser, link.id, user.name, token, secret, redirect)
        authorize = _endpoint(config.authorize_url, link.display_url, REMOTE_AUTHORIZE_PATH)
        separator = "&" if "?" in authorize else "?"
        return authorize + separator + urlencode({"oauth_token": token})

    def check(self, link_id: str, user: HostUser, browser: str, request_token: str) -> tuple[Link, PendingDance]:
        """The dance this callback belongs to: same browser, same request token, same user — or refused."""
        link = self._link(link_id)
        pending = self.outgoing.tokens.pending(browser, link.id, request_token) if browser and request_token else None
        if pending is None:
            raise PermissionDenied(
                "this authorisation was not started in this browser, has expired, or carries another request "
                "token; start it again",
                key="applinks.dance.unknown",
            )
        if pending.user_name != user.name:
            raise PermissionDenied(
                "this authorisation was started by another user; log in as that user or start it again",
                key="applinks.dance.other_user",
            )
        return link, pending

    def finish(
        self, link_id: str, user: HostUser, browser: str, request_token: str, verifier: str | None
    ) -> str | None:
        """Swap the approved request token for an access token and store it; returns where to go next."""
        link, pending = self.check(link_id, user, browser, request_token)
        if not verifier:
            self.outgoing.tokens.drop_dance(browser, link.id)
            raise PermissionDenied(f"the authorisation was not granted at {link.name}", key="applinks.dance.denied")
        config = self.outgoing.config.get(link.id)
        url = _endpoint(config.access_token_url, link.rpc_url, ACCESS_TOKEN_PATH)
        consumer = self.outgoing.consumer(link, config)
        signer = OAuthSigner(consumer, token=request_token, token_secret=pending.token_secret, verifier=verifier)
        response = self.outgoing.client.request(
            "POST",
            url,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"},
            content=b"",
            auth=OAuth1Auth(signer),
        )
        token, secret = _credentials(response, url, "access-token")
        self.outgoing.tokens.finish_dance(browser, link.id, user.name, token, secret)
        log.info("%s authorised this application at %s", user.name, link.name)
        return pending.redirect_url
