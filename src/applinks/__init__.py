"""applinks — Application Links for Python: the public API a host application imports.

A host becomes linkable by mounting ``create_app(settings, host)`` and answers who is calling with
``authenticate(request, links_app)``; everything here is stable, everything else is internal.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from applinks.domain.link import Link
from applinks.domain.manifest import Manifest
from applinks.domain.types import ApplicationType, TypeRegistry
from applinks.errors import (
    AddressRefused,
    AppLinksError,
    AuthenticationNotConfigured,
    BearerTokenRefused,
    ConfigurationError,
    ConfirmationRequired,
    Conflict,
    CredentialsRequired,
    DifferentApplication,
    DuplicateLink,
    ImpersonationNotAllowed,
    InvalidInput,
    LinkNotFound,
    NameTaken,
    NotAuthenticated,
    NotFound,
    OAuthProblem,
    PartialLinkCreation,
    PermissionDenied,
    RateLimited,
    RelocateUnreachable,
    RemoteCredentialsRefused,
    RemoteDeleteFailed,
    RemoteError,
    RemoteMoved,
    RemoteUnreachable,
    SelfLink,
    StorageError,
    TrustedAppsRefused,
    UnexpectedResponse,
    UnexpectedStatus,
)
from applinks.host import EntityDirectory, EntityHost, Host, HostUser
from applinks.instance import Instance
from applinks.outbound.application_links import ApplicationLink, ApplicationLinks
from applinks.outbound.factory import AsyncRequestFactory, RequestFactory
from applinks.settings import Settings
from applinks.transport.client import OutboundResponse
from applinks.web.app import create_app
from applinks.web.deps import (
    Principal,
    authenticate,
    authenticate_async,
    require_admin,
    require_sysadmin,
    require_user,
)

try:
    __version__ = version("applinks")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "AddressRefused",
    "AppLinksError",
    "ApplicationLink",
    "ApplicationLinks",
    "ApplicationType",
    "AsyncRequestFactory",
    "AuthenticationNotConfigured",
    "BearerTokenRefused",
    "ConfigurationError",
    "ConfirmationRequired",
    "Conflict",
    "CredentialsRequired",
    "DifferentApplication",
    "DuplicateLink",
    "EntityDirectory",
    "EntityHost",
    "Host",
    "HostUser",
    "ImpersonationNotAllowed",
    "Instance",
    "InvalidInput",
    "Link",
    "LinkNotFound",
    "Manifest",
    "NameTaken",
    "NotAuthenticated",
    "NotFound",
    "OAuthProblem",
    "OutboundResponse",
    "PartialLinkCreation",
    "PermissionDenied",
    "Principal",
    "RateLimited",
    "RelocateUnreachable",
    "RemoteCredentialsRefused",
    "RemoteDeleteFailed",
    "RemoteError",
    "RemoteMoved",
    "RemoteUnreachable",
    "RequestFactory",
    "SelfLink",
    "Settings",
    "StorageError",
    "TrustedAppsRefused",
    "TypeRegistry",
    "UnexpectedResponse",
    "UnexpectedStatus",
    "__version__",
    "authenticate",
    "authenticate_async",
    "create_app",
    "require_admin",
    "require_sysadmin",
    "require_user",
]
