"""The wizard's requests and results (protocol.md §6.1-6.2): what step 1 found, what the admin asked for,
and what exists on each end afterwards. Shared by the wizard's modules, the REST API, the UI and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from applinks.domain.link import Link
from applinks.domain.manifest import Manifest

# What step 1 found at the URL the admin entered.
APPLINKS = "APPLINKS"  # an application that speaks application links
MOVED = "MOVED"  # it answered with a redirect: offer the new URL
UNREACHABLE = "UNREACHABLE"  # nothing answered: a generic link is possible after confirmation
NOT_APPLINKS = "NOT_APPLINKS"  # something answered, but not a manifest: a generic link is possible


@dataclass(slots=True)
class RemoteCheck:
    """Step 1 of the wizard: what answers at ``url``."""

    url: str
    status: str
    manifest: Manifest | None = None
    suggested_url: str | None = None
    warning: str = ""
    kind: str = ""
    # The local link to this very application, when a two-way create is asked to finish it.
    existing: Link | None = None

    @property
    def display_url_differs(self) -> bool:
        return self.manifest is not None and self.manifest.url.rstrip("/") != self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "manifest": self.manifest.to_json() if self.manifest else None,
            "suggestedUrl": self.suggested_url,
            "warning": self.warning or None,
            "errorType": self.kind or None,
            "displayUrlDiffers": self.display_url_differs,
            "genericAllowed": self.status in (UNREACHABLE, NOT_APPLINKS),
        }


@dataclass(slots=True)
class CreateLinkRequest:
    """Everything the wizard's steps collect (REST body, CLI options)."""

    url: str
    name: str | None = None
    display_url: str | None = None
    type_id: str | None = None  # the admin's choice of type for a generic application
    is_primary: bool | None = None
    confirm_urls: bool = False  # the admin accepted a display URL that differs from the URL entered
    allow_generic: bool = False  # the admin accepted a generic link to an application that did not answer
    two_way: bool = False
    remote_username: str | None = None
    remote_password: str | None = None
    same_users: bool = False  # "the servers have the same set of users": OAuth with impersonation
    custom_rpc_url: str | None = None  # the URL by which the remote reaches us, when not our base URL
    trust_each_other: bool = False  # legacy Trusted Applications: never configured for new links
    expected_id: str | None = None  # the application ID the admin saw in step 1 (REST body ``id``)
    incoming_oauth: dict[str, Any] | None = None  # generic links only, protocol.md §6.2
    outgoing_oauth: dict[str, Any] | None = None
    oauth2: bool = False  # authenticate over OAuth 2.0 links (seed 003) instead of OAuth 1.0a


@dataclass(slots=True)
class SideReport:
    """What exists and is configured on one end after a create."""

    url: str
    link: str = "not created"  # created | updated | existing (kept as it was) | not created
    incoming: dict[str, bool] | None = None
    outgoing: dict[str, bool] | None = None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "link": self.link,
            "incoming": self.incoming,
            "outgoing": self.outgoing,
            "problems": list(self.problems),
        }


@dataclass(slots=True)
class CreateLinkResult:
    link: Link
    two_way: bool
    generic: bool
    local: SideReport
    remote: SideReport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def authentication_complete(self) -> bool:
        sides = [self.local] + ([self.remote] if self.remote else [])
        return self.two_way and all(s.incoming and s.outgoing and not s.problems for s in sides)

    def to_json(self) -> dict[str, Any]:
        return {
            "applicationLink": self.link.to_v2(),
            "twoWay": self.two_way,
            "generic": self.generic,
            "authenticationConfigured": self.authentication_complete,
            "local": self.local.to_json(),
            "remote": self.remote.to_json() if self.remote else None,
            "warnings": list(self.warnings),
        }
