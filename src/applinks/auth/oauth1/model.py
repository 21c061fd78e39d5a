"""Plain data of the OAuth 1.0a provider: consumers, provider names, levels and signature methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from applinks.domain.manifest import OAUTH_2LO, OAUTH_2LOI, OAUTH_3LO

# Provider class names of protocol.md §5.1 this provider accepts (listed in the manifest).
INBOUND_AUTH_TYPES = (OAUTH_3LO, OAUTH_2LO, OAUTH_2LOI)

HMAC_SHA1 = "HMAC-SHA1"
RSA_SHA1 = "RSA-SHA1"
RSA_SHA256 = "RSA-SHA256"
RSA_SHA512 = "RSA-SHA512"
RSA_METHODS = frozenset({RSA_SHA1, RSA_SHA256, RSA_SHA512})
SIGNATURE_METHODS = frozenset({HMAC_SHA1, *RSA_METHODS})

# Principal methods (web/deps.py) for the three modes of protocol.md §5.3.
METHOD_3LO = "oauth"
METHOD_2LO = "oauth-2lo"
METHOD_2LOI = "oauth-2loi"

OOB = "oob"


@dataclass(frozen=True, slots=True)
class Consumer:
    """An incoming consumer: who may sign requests to us, with which key, in which modes.

    ``shared_secret`` is the decrypted HMAC secret (in memory only; encrypted at rest)."""

    link_id: str
    key: str
    name: str
    signature_method: str = RSA_SHA1
    description: str = ""
    public_key: str | None = None
    shared_secret: str | None = None
    callback: str | None = None
    three_lo_allowed: bool = True
    two_lo_allowed: bool = False
    executing_two_lo_user: str | None = None
    two_lo_impersonation_allowed: bool = False
    id: int | None = None

    @property
    def is_rsa(self) -> bool:
        return self.signature_method in RSA_METHODS

    def to_json(self) -> dict[str, Any]:
        """The REST shape (protocol.md §4.1); the shared secret is never returned."""
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "signatureMethod": self.signature_method,
            "publicKey": self.public_key,
            "callback": self.callback,
            "outgoing": False,
            "threeLOAllowed": self.three_lo_allowed,
            "twoLOAllowed": self.two_lo_allowed,
            "executingTwoLOUser": self.executing_two_lo_user,
            "twoLOImpersonationAllowed": self.two_lo_impersonation_allowed,
            "sharedSecretSet": self.shared_secret is not None,
        }


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    """What an administrator (REST, CLI) or the link wizard sets for a link's incoming consumer."""

    key: str
    name: str | None = None
    description: str | None = None
    signature_method: str = RSA_SHA1
    public_key: str | None = None
    shared_secret: str | None = None
    callback: str | None = None
    three_lo_allowed: bool = True
    two_lo_allowed: bool = False
    executing_two_lo_user: str | None = None
    two_lo_impersonation_allowed: bool = False


@dataclass(frozen=True, slots=True)
class ConsumerInfo:
    """An application as an OAuth consumer (``/plugins/servlet/oauth/consumer-info``)."""

    key: str
    name: str
    public_key: str
    description: str = ""
    callback: str | None = None


@dataclass(frozen=True, slots=True)
class OAuthLevel:
    """A link's OAuth level in one direction, as protocol.md §5.3 spells it in JSON."""

    enabled: bool = False
    two_lo_enabled: bool = False
    two_lo_impersonation_enabled: bool = False

    def to_json(self) -> dict[str, bool]:
        return {
            "enabled": self.enabled,
            "twoLoEnabled": self.two_lo_enabled,
            "twoLoImpersonationEnabled": self.two_lo_impersonation_enabled,
        }

    @classmethod
    def of(cls, consumer: Consumer | None) -> OAuthLevel:
        if consumer is None:
            return cls()
        return cls(consumer.three_lo_allowed, consumer.two_lo_allowed, consumer.two_lo_impersonation_allowed)
