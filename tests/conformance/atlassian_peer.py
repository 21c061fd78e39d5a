"""An "Atlassian peer" built from protocol.md §10: a Jira Data Center 9.x on loopback, as far as application
links see it.

Two halves:
- **calls Jira makes to us** (``JiraPeer.…`` methods): the two-way wizard's reciprocal link (``PUT 1.0`` with
  an XML ``<applicationLink>``, Basic, ``Accept: application/xml``), the custom RPC URL check, OAuth
  auto-configuration (status API and its fallback), status reads, the 2LO round trip, reciprocal delete and
  entity-link reciprocation — signed the way Atlassian's OAuth consumer signs: RSA-SHA1 with ``oauth_token=""``
  present and empty for 2LO/2LOi;
- **a recording server** that answers what Jira answers (manifest, consumer-info, ``1.0`` resources; ``405``
  for a ``PUT`` on ``2.0/applicationlink``, which Jira 9.1.4 does not have) and records every request we
  send, so that tests can assert what Atlassian requires of it.

Nothing here is copied from Atlassian code: the shapes are those listed in protocol.md §10.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

import httpx2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from oauthlib.oauth1 import SIGNATURE_RSA, Client
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support import LiveInstance, bind_loopback, serve_app

OAUTH_3LO = "com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider"
OAUTH_2LO = "com.atlassian.applinks.api.auth.types.TwoLeggedOAuthAuthenticationProvider"
OAUTH_2LOI = "com.atlassian.applinks.api.auth.types.TwoLeggedOAuthWithImpersonationAuthenticationProvider"
XML = "application/xml"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PEM = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
_PUBLIC_DER = _KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)


def xml_body(root: str, fields: dict[str, Any]) -> bytes:
    """A JAXB-style body: one element per field, booleans lowercase."""
    element = Element(root)
    for key, value in fields.items():
        if value is not None:
            SubElement(element, key).text = str(value).lower() if isinstance(value, bool) else str(value)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(element)


def xml_fields(body: bytes) -> tuple[str, dict[str, str]]:
    root = fromstring(body)  # noqa: S314 - the body comes from the instance under test, on loopback
    return root.tag, {child.tag: (child.text or "") for child in root}


class _AtlassianClient(Client):  # type: ignore[misc]
    """oauthlib's client, plus what Atlassian's consumer sends for 2LO/2LOi: ``oauth_token`` present and
    empty, signed (protocol.md §10)."""

    def get_oauth_params(self, request: Any) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = super().get_oauth_params(request)
        if not self.resource_owner_key:
            params.append(("oauth_token", ""))
        return params


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class JiraPeer:
    """``url`` is Jira's base URL; ``recorded`` every request it received."""

    url: str = ""
    application_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    consumer_key: str = "Jira:4711"
    name: str = "Jira DC"
    status_api: bool = True
    recorded: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what Jira serves ------------------------------------------------------------------------------
    def manifest_xml(self) -> bytes:
        root = Element("manifest")
        for tag, value in (
            ("id", self.application_id),
            ("name", self.name),
            ("typeId", "jira"),
            ("version", "9.12.0"),
            ("buildNumber", "9120000"),
            ("applinksVersion", "9.1.4"),
        ):
            SubElement(root, tag).text = value
        for provider in (OAUTH_3LO, OAUTH_2LO, OAUTH_2LOI):
            SubElement(root, "inboundAuthenticationTypes").text = provider
            SubElement(root, "outboundAuthenticationTypes").text = provider
        SubElement(root, "publicSignup").text = "false"
        SubElement(root, "url").text = self.url
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(root)

    def consumer_info_xml(self) -> bytes:
        return xml_body(
            "consumer",
            {
                "key": self.consumer_key,
                "name": self.name,
                "publicKey": base64.b64encode(_PUBLIC_DER).decode(),
                "description": "Atlassian JIRA at " + self.url,
            },
        )

    def received(self, method: str, pattern: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.recorded if r.method == method and re.fullmatch(pattern, r.path)]

    # -- Jira's calls to an applinks instance ------------------------------------------------------------
    def xml_call(
        self, live: LiveInstance, method: str, path: str, body: bytes | None = None, *, auth: Any = "admin"
    ) -> httpx2.Response:
        """A call as Jira's REST client makes it: XML in, XML asked for, Basic (``auth``) or none."""
        headers = {"Accept": XML}  # an XML body needs no XSRF opt-out (no cross-site form can send one)
        if body is not None:
            headers["Content-Type"] = XML
        with live.client(auth=auth) as client:
            return client.request(method, path, content=body, headers=headers)

    def reciprocal_link_body(self, **overrides: Any) -> bytes:
        """What ``createReciprocalLink`` sends: Jira described in an ``ApplicationLinkEntity``."""
        fields: dict[str, Any] = {
            "id": self.application_id,
            "typeId": "jira",
            "name": self.name,
            "displayUrl": self.url,
            "iconUrl": self.url + "/images/jira.png",
            "rpcUrl": self.url,
            "isPrimary": False,
            "isSystem": False,
            **overrides,
        }
        element = Element("applicationLink")
        SubElement(element, "link", {"rel": "self", "href": f"{self.url}/rest/applinks/1.0/applicationlink/x"})
        for key, value in fields.items():
            SubElement(element, key).text = str(value).lower() if isinstance(value, bool) else str(value)
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(element)

    def create_reciprocal_link(self, live: LiveInstance) -> httpx2.Response:
        path = f"/rest/applinks/1.0/applicationlink/{self.application_id}"
        return self.xml_call(live, "PUT", path, self.reciprocal_link_body())

    def auto_configure(self, live: LiveInstance, *, impersonation: bool = True, two_lo: bool = True) -> httpx2.Response:
        """``DefaultOAuthAutoConfigurator`` with the status API: our incoming is Jira's outgoing."""
        level = {"enabled": True, "twoLoEnabled": two_lo, "twoLoImpersonationEnabled": impersonation}
        with live.client() as client:
            return client.put(
                f"/rest/applinks/3.0/status/{self.application_id}/oauth",
                json={"incoming": level, "outgoing": level},
                headers={"X-Atlassian-Token": "no-check"},
            )

    def signed(
        self,
        live: LiveInstance,
        method: str,
        path: str,
        *,
        requestor: str | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx2.Response:
        """A request through Jira's link to ``live``: 2LO, or 2LOi as ``requestor`` (``xoauth_requestor_id``
        in the query string and in the signature), RSA-SHA1, ``oauth_token=""``."""
        url = live.url + path
        if requestor is not None:
            url += ("&" if "?" in url else "?") + "xoauth_requestor_id=" + quote(requestor, safe="")
        client = _AtlassianClient(self.consumer_key, signature_method=SIGNATURE_RSA, rsa_key=_PEM)
        all_headers = {**(headers or {})}
        _uri, signed_headers, _body = client.sign(url, method, body=body, headers=all_headers or None)
        with httpx2.Client(trust_env=False, timeout=60) as http:
            return http.request(method, url, content=body, headers=signed_headers)


def verify_our_signature(live: LiveInstance, peer: JiraPeer, call: Recorded) -> dict[str, str]:
    """Check the OAuth signature of a request we sent to the peer with our public key (RSA-SHA1 over the base
    string an OAuth provider computes); returns the OAuth parameters."""
    oauth = {k: unquote(v) for k, v in parse_authorization_header(call.headers["authorization"])}
    params = [(k, v) for k, v in oauth.items() if k not in ("oauth_signature", "realm")]
    params += parse_qsl(call.query, keep_blank_values=True)
    if call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params += parse_qsl(call.body.decode(), keep_blank_values=True)
    parts = urlsplit(peer.url)
    uri = oauth_signature.base_string_uri(f"{parts.scheme}://{parts.netloc}{call.path}")
    base = oauth_signature.signature_base_string(call.method, uri, oauth_signature.normalize_parameters(params))
    der = base64.b64decode(live.instance.oauth_consumers.consumer_info().public_key)
    public = serialization.load_der_public_key(der)
    assert isinstance(public, rsa.RSAPublicKey)
    try:
        public.verify(base64.b64decode(oauth["oauth_signature"]), base.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature as exc:  # pragma: no cover - the assertion message is the point
        raise AssertionError(f"our signature does not verify over {base!r}") from exc
    return oauth


def _app(peer: JiraPeer) -> Starlette:
    async def handle(request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        with peer.lock:
            peer.recorded.append(Recorded(request.method, path, request.url.query, dict(request.headers.items()), body))
        method = request.method
        if method == "GET" and path == "/rest/applinks/1.0/manifest":
            return Response(peer.manifest_xml(), media_type=XML)
        if method == "GET" and path == "/plugins/servlet/oauth/consumer-info":
            return Response(peer.consumer_info_xml(), media_type=XML)
        if method == "GET" and path == "/rest/applinks/latest/capabilities":
            return (
                Response('["STATUS_API","MIGRATION_API"]', media_type="application/json")
                if peer.status_api
                else (Response(status_code=404))
            )
        if method == "GET" and path == "/rest/applinks/1.0/authenticationinfo":
            return Response(status_code=200)
        if re.fullmatch(r"/rest/applinks/1\.0/applicationlink/[^/]+", path):
            if method == "PUT":
                return Response(body, status_code=201, media_type=XML)
            if method == "DELETE":
                return Response(status_code=200)
        if method == "PUT" and re.fullmatch(r"/rest/applinks/2\.0/applicationlink/[^/]+", path):
            return Response(status_code=405)  # Jira 9.1.4 has no PUT on 2.0/applicationlink/{id}
        if re.fullmatch(r"/rest/applinks/1\.0/entitylink/[^/]+/[^/]+", path):
            return Response(body, status_code=201, media_type=XML) if method == "PUT" else Response(status_code=200)
        if method == "PUT" and re.fullmatch(
            r"/rest/applinks-oauth/[^/]+/applicationlink/[^/]+/authentication/consumer", path
        ):
            sent = json.loads(body or b"{}")  # Jira answers the consumer it registered
            return Response(json.dumps({**sent, "key": "Tracker:1"}), media_type="application/json")
        if method == "PUT" and re.fullmatch(r"/rest/applinks/2\.0/applicationlink/[^/]+/authentication/provider", path):
            return Response(status_code=204)
        if method == "PUT" and re.fullmatch(r"/rest/applinks/3\.0/status/[^/]+/oauth", path):
            return Response(status_code=204)
        if method == "GET" and path == "/rest/api/2/myself":
            return Response('{"name":"anonymous"}', media_type="application/json")
        return Response(status_code=404)

    return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "PUT", "POST", "DELETE"])])


@contextmanager
def serve_jira(**kwargs: Any) -> Iterator[JiraPeer]:
    peer = JiraPeer(**kwargs)
    sock = bind_loopback()
    peer.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server, thread = serve_app(_app(peer), sock, lifespan="off")
    try:
        yield peer
    finally:
        server.should_exit = True
        thread.join(timeout=15)
