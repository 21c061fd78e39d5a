"""The manifest: what an instance says about itself at ``/rest/applinks/1.0/manifest`` (protocol.md §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The version of the links protocol whose behaviour is implemented (peers ≥ 5.0 use the status API).
APPLINKS_VERSION = "9.1.4"

PROVIDER_PREFIX = "com.atlassian.applinks.api.auth.types."
OAUTH_3LO = PROVIDER_PREFIX + "OAuthAuthenticationProvider"
OAUTH_2LO = PROVIDER_PREFIX + "TwoLeggedOAuthAuthenticationProvider"
OAUTH_2LOI = PROVIDER_PREFIX + "TwoLeggedOAuthWithImpersonationAuthenticationProvider"
BASIC = PROVIDER_PREFIX + "BasicAuthenticationProvider"
TRUSTED_APPS = PROVIDER_PREFIX + "TrustedAppsAuthenticationProvider"


@dataclass(slots=True)
class Manifest:
    id: str
    name: str
    type_id: str
    url: str
    version: str = ""
    build_number: int = 0
    applinks_version: str = ""
    inbound_authentication_types: list[str] = field(default_factory=list)
    outbound_authentication_types: list[str] = field(default_factory=list)
    public_signup: bool = False
    icon_url: str = ""
    icon_uri: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "typeId": self.type_id,
            "version": self.version,
            "buildNumber": self.build_number,
            "applinksVersion": self.applinks_version,
            "inboundAuthenticationTypes": list(self.inbound_authentication_types),
            "outboundAuthenticationTypes": list(self.outbound_authentication_types),
            "publicSignup": self.public_signup,
            "url": self.url,
            "iconUrl": self.icon_url,
            "iconUri": self.icon_uri,
        }
