"""Generic (non-applinks) applications: OAuth 1.0a details entered by hand (protocol.md §6.2).

Incoming (the generic application calls us): consumer key, name, RSA public key or HMAC shared secret,
callback; only the key and a public key (or secret) are required. Outgoing (we call it): consumer key,
shared secret (else our RSA key signs), request-token / access-token / authorize URLs (paths resolve
against the link's URLs)."""

from __future__ import annotations

from typing import Any

from applinks.auth.oauth1.consumers import ConsumerService, check_callback
from applinks.auth.oauth1.keys import normalise_public_key
from applinks.auth.oauth1.model import HMAC_SHA1, RSA_SHA1, ConsumerSettings
from applinks.domain.link import Link
from applinks.errors import AppLinksError, InvalidInput
from applinks.host import HostUser
from applinks.outbound.providers.names import OAUTH, TWO_LEGGED_OAUTH
from applinks.outbound.service import OutgoingAuth
from applinks.services.registry import LinkService
from applinks.services.wizard.model import SideReport

INCOMING_FIELDS = frozenset(
    {"key", "consumerKey", "name", "description", "publicKey", "sharedSecret", "callback", "signatureMethod",
     "twoLOAllowed", "executingTwoLOUser", "twoLOImpersonationAllowed"}
)  # fmt: skip
OUTGOING_FIELDS = frozenset(
    {"consumerKey", "sharedSecret", "requestTokenUrl", "accessTokenUrl", "authorizeUrl", "twoLOAllowed"}
)


def _text(data: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{name} must be text", key="applinks.generic.invalid")
        if value and value.strip():
            return value.strip()
    return None


def _check_fields(data: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(
            f"unknown {what} OAuth field(s): {', '.join(unknown)}; use {', '.join(sorted(allowed))}",
            key="applinks.generic.invalid",
        )


def _incoming_settings(incoming: dict[str, Any]) -> ConsumerSettings:
    key = _text(incoming, "key", "consumerKey")
    if not key:
        raise InvalidInput("incoming OAuth needs the consumer key", key="applinks.generic.consumer_key")
    public_key = _text(incoming, "publicKey")
    secret = incoming.get("sharedSecret") if isinstance(incoming.get("sharedSecret"), str) else None
    if not public_key and not secret:
        raise InvalidInput(
            "incoming OAuth needs the consumer's public key (RSA) or a shared secret (HMAC)",
            key="applinks.generic.public_key",
        )
    method = RSA_SHA1 if public_key else HMAC_SHA1
    wanted = (_text(incoming, "signatureMethod") or method).upper()
    return ConsumerSettings(
        key=key,
        name=_text(incoming, "name"),
        description=_text(incoming, "description"),
        signature_method=wanted,
        public_key=normalise_public_key(public_key) if public_key else None,
        shared_secret=secret,
        callback=check_callback(_text(incoming, "callback")),
        three_lo_allowed=True,
        two_lo_allowed=bool(incoming.get("twoLOAllowed")),
        executing_two_lo_user=_text(incoming, "executingTwoLOUser"),
        two_lo_impersonation_allowed=bool(incoming.get("twoLOImpersonationAllowed")),
    )


def validate_generic_oauth(incoming: dict[str, Any] | None, outgoing: dict[str, Any] | None) -> None:
    """Refuse malformed details before anything is stored (the services check the rest when storing)."""
    if incoming:
        _check_fields(incoming, INCOMING_FIELDS, "incoming")
        _incoming_settings(incoming)
    if outgoing:
        _check_fields(outgoing, OUTGOING_FIELDS, "outgoing")


class GenericAuth:
    """Stores hand-entered OAuth details on a new generic link."""

    def __init__(self, links: LinkService, consumers: ConsumerService, outgoing: OutgoingAuth) -> None:
        self.links = links
        self.consumers = consumers
        self.outgoing = outgoing

    def configure(
        self,
        link: Link,
        incoming: dict[str, Any] | None,
        outgoing: dict[str, Any] | None,
        actor: HostUser,
        report: SideReport,
    ) -> None:
        """If any detail is refused the link is deleted again, so a failed create leaves nothing behind."""
        if not incoming and not outgoing:
            return
        try:
            if incoming:
                self.consumers.set(link.id, _incoming_settings(incoming), actor=actor)
            if outgoing:
                config = {k: v for k, v in outgoing.items() if k != "twoLOAllowed"}
                self.outgoing.config.set_provider(link, OAUTH, enabled=True, config=config, actor=actor)
                if outgoing.get("twoLOAllowed"):
                    self.outgoing.config.set_provider(link, TWO_LEGGED_OAUTH, enabled=True, config={}, actor=actor)
        except AppLinksError as exc:
            self.links.delete(link.id, actor=actor)
            exc.message = f"{exc.message}; the link was not created"
            exc.args = (exc.message,)
            raise
        report.incoming = self.consumers.level(link.id).to_json()
        report.outgoing = self.outgoing.level(link)
