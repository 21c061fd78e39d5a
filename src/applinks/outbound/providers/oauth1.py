"""OAuth 1.0a on the consumer side: a plain signer over Authlib's client (RSA-SHA1 with the instance key
object, or HMAC-SHA1 for generic remotes) and the ``httpx2.Auth`` flow that serves sync and async clients."""

from __future__ import annotations

import base64
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_RSA_SHA1, ClientAuth, OAuth1Request
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

REQUESTOR_PARAM = "xoauth_requestor_id"


def _sign_rsa_sha1(client: Any, request: Any) -> str:
    """RSA-SHA1 with a loaded key object: Authlib's own signer re-parses a PEM on every request."""
    base_string = generate_signature_base_string(request)
    key: rsa.RSAPrivateKey = client.rsa_key
    signature = key.sign(base_string.encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return base64.b64encode(signature).decode("ascii")


class _Request(OAuth1Request):  # type: ignore[misc]
    """Authlib's request wrapper refuses plain-http URIs, but links inside an intranet commonly use http (the
    signature is what protects the request here). The scheme only enters the base string, so parse as https and
    keep the real URI."""

    def __init__(self, method: str, uri: str, body: Any = None, headers: Any = None) -> None:
        parsed = "https" + uri[4:] if uri.startswith("http:") else uri
        super().__init__(method, parsed, body=body, headers=headers)
        self.uri = uri


class _ClientAuth(ClientAuth):  # type: ignore[misc]
    # A copy of the class table, so that Authlib's own ClientAuth stays unchanged for anyone else.
    SIGNATURE_METHODS = {**ClientAuth.SIGNATURE_METHODS, SIGNATURE_RSA_SHA1: _sign_rsa_sha1}
    # Two-legged requests carry ``oauth_token=""``: Atlassian treats a request as 2LO only when the parameter
    # is present and empty, and runs anything else anonymously (protocol.md §10). Authlib leaves a falsy token
    # out of the parameters, so it is added back here, before signing (it is part of the base string).
    empty_token = False

    def get_oauth_params(self, nonce: str, timestamp: str) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = super().get_oauth_params(nonce, timestamp)
        if self.empty_token and not self.token:
            params.append(("oauth_token", ""))
        return params

    def get_oauth_signature(self, method: str, uri: str, headers: Any, body: Any) -> str:
        sign = self.SIGNATURE_METHODS[self.signature_method]
        signature: str = sign(self, _Request(method, uri, body=body, headers=headers))
        return signature


@dataclass(frozen=True, slots=True)
class ConsumerCredentials:
    """Who we are to a remote provider: the consumer key and either our RSA key or a shared secret."""

    key: str
    rsa_key: rsa.RSAPrivateKey | None = None
    shared_secret: str | None = None

    @property
    def method(self) -> str:
        method: str = SIGNATURE_RSA_SHA1 if self.rsa_key is not None else SIGNATURE_HMAC_SHA1
        return method


class OAuthSigner:
    """Signs one kind of request (a token or none, a callback, a verifier): pure, no I/O."""

    def __init__(
        self,
        consumer: ConsumerCredentials,
        *,
        token: str | None = None,
        token_secret: str | None = None,
        callback: str | None = None,
        verifier: str | None = None,
        two_legged: bool = False,
    ) -> None:
        """``two_legged``: a 2LO / 2LOi request, signed with an empty ``oauth_token``."""
        self._auth = _ClientAuth(
            consumer.key,
            client_secret=consumer.shared_secret or "",
            token=token or None,
            token_secret=token_secret or "",
            redirect_uri=callback,
            rsa_key=consumer.rsa_key,
            verifier=verifier,
            signature_method=consumer.method,
        )
        self._auth.empty_token = two_legged and not token

    def authorization(self, method: str, url: str, content_type: str = "", body: bytes = b"") -> str:
        """The ``Authorization: OAuth …`` header for this request (form bodies are part of the signature)."""
        headers = {"Content-Type": content_type} if content_type else {}
        _uri, signed, _body = self._auth.prepare(method, url, headers, body)
        value: str = signed["Authorization"]
        return value


class OAuth1Auth(httpx2.Auth):
    """Adds the OAuth 1.0a ``Authorization`` header; with ``requestor`` (2LOi) also ``xoauth_requestor_id``
    in the query string, which makes it part of the signature too."""

    def __init__(self, signer: OAuthSigner, *, requestor: str | None = None) -> None:
        self.signer = signer
        self.requestor = requestor

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        if self.requestor is not None:
            request.url = request.url.copy_remove_param(REQUESTOR_PARAM).copy_add_param(REQUESTOR_PARAM, self.requestor)
        request.headers["Authorization"] = self.signer.authorization(
            request.method, str(request.url), request.headers.get("content-type", ""), request.content
        )
        yield request
