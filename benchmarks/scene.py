"""The scene the OAuth benchmarks share: a data directory with a user, a generic link whose incoming RSA-SHA1
consumer may impersonate (2LOi), and that consumer's private key to sign requests with."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from applinks.auth.oauth1.model import ConsumerSettings
from applinks.domain.link import Link
from applinks.host import HostUser
from applinks.outbound.providers.oauth1 import ConsumerCredentials, OAuthSigner
from applinks.refapp.app import build_app
from applinks.refapp.host import refapp_host
from applinks.settings import Settings

WHOAMI = "/plugins/servlet/applinks/whoami"
USER = "alice"
CONSUMER_KEY = "bench:consumer"
SYSADMIN = HostUser("admin", is_admin=True, is_sysadmin=True)


@dataclass(frozen=True)
class Scene:
    settings: Settings
    key: rsa.RSAPrivateKey

    def signer(self) -> OAuthSigner:
        return OAuthSigner(ConsumerCredentials(CONSUMER_KEY, rsa_key=self.key))

    def whoami_url(self, base_url: str | None = None) -> str:
        return (base_url or self.settings.base_url) + WHOAMI + "?xoauth_requestor_id=" + USER


def make_scene(data_dir: Path, base_url: str) -> Scene:
    """Create the instance's database in ``data_dir`` (then close it: servers open it themselves)."""
    settings = Settings(data_dir=data_dir, base_url=base_url, name="Bench")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app = build_app(settings)
    instance = app.state.instance
    try:
        refapp_host(instance).users.add(USER, "alice-password")
        url = "http://127.0.0.1:9/bench-consumer"
        link = instance.links.create(Link("generic-bench", "generic", "Bench client", url, url), actor=SYSADMIN)
        instance.oauth_consumers.set(
            link.id,
            ConsumerSettings(
                key=CONSUMER_KEY,
                public_key=base64.b64encode(public_der).decode("ascii"),
                two_lo_allowed=True,
                two_lo_impersonation_allowed=True,
            ),
            actor=SYSADMIN,
        )
    finally:
        instance.close()
    return Scene(settings, key)
