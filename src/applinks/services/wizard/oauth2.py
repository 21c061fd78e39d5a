"""Two applications linked over OAuth 2.0 (seed 003): each side's incoming link issues a client ID and
secret that the other side's outgoing link uses. With an administrator of both, the wizard does the whole
exchange (``OAuth2Links.configure_two_way``); otherwise ``guide_one_way`` makes this side's incoming half
and says what to copy where. "Same set of users" adds JWT bearer impersonation in both directions."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import serialization

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth2.client import ATLASSIAN, callback_path, endpoints_for
from applinks.auth.oauth2.incoming import IncomingClients
from applinks.auth.oauth2.server import AUTHORIZE_PATH
from applinks.domain.link import Link
from applinks.errors import AppLinksError, InvalidInput
from applinks.host import HostUser
from applinks.identity import Identity
from applinks.outbound.providers.oauth2 import OutgoingOAuth2
from applinks.services.remote import basic_headers, remote_message
from applinks.services.wizard.model import CreateLinkRequest, CreateLinkResult, SideReport
from applinks.settings import Settings
from applinks.transport.client import OutboundClient

SCOPE = "WRITE"
REMOTE_CLIENTS = "/rest/oauth2/latest/client"
REMOTE_OURS = "/rest/applinks-oauth2/latest"


def _pem_of(der_b64: str) -> str:
    key = serialization.load_der_public_key(base64.b64decode(der_b64))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _report(side: SideReport, direction: str, impersonation: bool) -> None:
    setattr(side, direction, {"oauth2": True, "impersonation": impersonation})


def _why(exc: Exception) -> str:
    if isinstance(exc, AppLinksError):
        return exc.message
    return f"the remote answered without {exc}"


class OAuth2Links:
    """The wizard's OAuth 2.0 path: both halves with an administrator of both ends, or this end's half and
    the steps for the rest."""

    def __init__(
        self,
        outbound: OutboundClient,
        oauth2_clients: IncomingClients,
        oauth2_outgoing: OutgoingOAuth2,
        consumers: ConsumerService,
        settings: Settings,
        identity: Identity,
    ) -> None:
        self.outbound = outbound
        self.oauth2_clients = oauth2_clients
        self.oauth2_outgoing = oauth2_outgoing
        self.consumers = consumers
        self.settings = settings
        self.identity = identity
        self.application_id = identity.application_id
        self.base_url = settings.base_url

    def _remote(self, method: str, url: str, credentials: dict[str, str], body: Any = None) -> dict[str, Any]:
        headers = {**credentials, "Accept": "application/json", "X-Atlassian-Token": "no-check"}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body).encode()
        response = self.outbound.request(method, url, headers=headers, content=content)
        if response.status_code not in (200, 201):
            raise InvalidInput(
                f"{method} {url} answered HTTP {response.status_code}: {remote_message(response)}",
                key="applinks.wizard.remote_oauth2",
            )
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {}

    def configure_two_way(self, result: CreateLinkResult, request: CreateLinkRequest, actor: HostUser) -> None:
        """Both incoming and both outgoing halves, each step tried and recorded in ``result``."""
        link = result.link
        remote = result.remote
        assert remote is not None and request.remote_username and request.remote_password
        credentials = basic_headers(request.remote_username, request.remote_password)
        imp = request.same_users
        ours = self.application_id
        # 1. The remote's incoming link for us → our outgoing link.
        try:
            our_redirect = self.oauth2_outgoing.redirect_url_for(link)
            issued = self._remote(
                "POST",
                remote.url + REMOTE_CLIENTS,
                credentials,
                {"name": self.settings.name, "redirects": [our_redirect], "scope": SCOPE},
            )
            if imp:
                jwt = {"issuer": ours, "publicKey": self.identity.key.public_pem, "sameUsers": True}
                self._remote("PUT", f"{remote.url}{REMOTE_OURS}/incoming/{issued['id']}/jwt-bearer", credentials, jwt)
            _report(remote, "incoming", imp)
            self.oauth2_outgoing.configure(
                link,
                kind=ATLASSIAN,
                client_id=str(issued["clientId"]),
                client_secret=str(issued["clientSecret"]),
                scope=SCOPE,
                impersonation=imp,
                actor=actor,
            )
            _report(result.local, "outgoing", imp)
        except (AppLinksError, KeyError) as exc:
            result.local.problems.append(f"OAuth 2.0 from here to {link.name} was not configured: {_why(exc)}")
        # 2. Our incoming link for the remote → the remote's outgoing link.
        try:
            answer = self._remote("GET", f"{remote.url}{REMOTE_OURS}/outgoing/{ours}", credentials)
            their_redirect = str(answer["redirectUrl"])
            mine = self.oauth2_clients.create(link.name, [their_redirect], SCOPE, user_key=actor.name, link_id=link.id)
            if imp:
                info = self.consumers.fetch_remote_consumer_info(link.rpc_url)
                self.oauth2_clients.set_jwt_bearer(
                    mine.client.id, issuer=link.id, public_key_pem=_pem_of(info.public_key), same_users=True
                )
            _report(result.local, "incoming", imp)
            outgoing = {
                "kind": ATLASSIAN,
                "clientId": mine.client.client_id,
                "clientSecret": mine.secret,
                "scope": SCOPE,
                "impersonation": imp,
            }
            self._remote("PUT", f"{remote.url}{REMOTE_OURS}/outgoing/{ours}", credentials, outgoing)
            _report(remote, "outgoing", imp)
        except (AppLinksError, KeyError, ValueError) as exc:
            remote.problems.append(f"OAuth 2.0 from {link.name} to here was not configured: {_why(exc)}")

    def guide_one_way(self, link: Link, actor: HostUser, local: SideReport) -> list[str]:
        """This side's incoming half for the remote (its client ID and secret shown once, in the steps), and the
        copy-paste steps for the rest (seed 003)."""
        # The remote's redirect URL, as Atlassian's form computes it from our authorization endpoint.
        remote_authorize = self.base_url + AUTHORIZE_PATH
        their_redirect = link.rpc_url.rstrip("/") + callback_path(remote_authorize)
        issued = self.oauth2_clients.create(link.name, [their_redirect], SCOPE, user_key=actor.name, link_id=link.id)
        _report(local, "incoming", False)
        our_redirect = self.oauth2_outgoing.redirect_url(
            endpoints_for(ATLASSIAN, remote_base_url=link.rpc_url).authorize_url
        )
        return [
            f"OAuth 2.0, step 1 (done here): an incoming OAuth 2.0 link for {link.name} with redirect URL "
            f"{their_redirect}. Client ID {issued.client.client_id}, client secret {issued.secret} (shown only now).",
            f"Step 2 (on {link.name}): create an outgoing OAuth 2.0 link to this application with that client ID and "
            f"secret (Atlassian: 'Configure OAuth client details'); if its redirect URL differs from {their_redirect}, "
            f"change the redirect URL of the incoming link here to match.",
            f"Step 3 (on {link.name}): create an incoming OAuth 2.0 link for this application with redirect URL "
            f"{our_redirect} and copy the client ID and secret it shows.",
            f"Step 4 (here): applinks oauth2 outgoing set {link.id} --client-id <ID> with the secret in "
            "APPLINKS_OAUTH2_CLIENT_SECRET (or PUT /rest/applinks-oauth2/latest/outgoing/{link_id}).",
        ]
