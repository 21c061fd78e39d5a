"""The one exception tree of applinks.

Every error carries a stable ``key`` (for scripts and the JSON error body), an HTTP ``status`` the web
layer maps it to, and a human message. Protocol errors carry their wire code so faces map them without
``if`` chains::

    AppLinksError
    ├── ConfigurationError            bad settings, missing/unreadable key file, database unreachable
    ├── StorageError                  a database operation failed
    ├── InvalidInput (400)            malformed URL, form or body
    │   ├── NameTaken (400)
    │   ├── ConfirmationRequired      the admin must confirm (generic link, URL mismatch) and ask again
    │   └── AuthenticationNotConfigured  the link has no (such) outgoing authentication for this request
    ├── NotAuthenticated (401)
    │   ├── BearerTokenRefused        an OAuth 2.0 bearer token is unknown, expired or revoked
    │   └── TrustedAppsRefused        a Trusted Applications check failed (``code``); the request runs anonymous
    ├── PermissionDenied (403)
    │   └── ImpersonationNotAllowed   the link does not allow acting as another user (2LOi is off)
    ├── NotFound (404)
    │   └── LinkNotFound
    ├── Conflict (409)
    │   ├── DuplicateLink
    │   ├── SelfLink
    │   ├── RelocateUnreachable       nothing answers at the new URL (``nowarning`` forces it)
    │   └── DifferentApplication      another application answers at the new URL (``force`` forces it)
    ├── RemoteError (400)             a remote application did not answer as expected
    │   ├── RemoteUnreachable         refused, unknown host, timeout, TLS failure
    │   ├── RemoteMoved               the remote answered with a redirect (``location`` offered)
    │   ├── UnexpectedResponse        a body that does not parse, or too large
    │   ├── UnexpectedStatus          a status we did not expect
    │   ├── AddressRefused            the outbound address policy refused the destination
    │   ├── RemoteCredentialsRefused  the remote administrator's username or password was refused
    │   ├── PartialLinkCreation       a two-way create failed after the remote end was made (``remote`` says)
    │   └── RemoteDeleteFailed        deleting the remote end failed; the local end was kept
    ├── RateLimited (429)             too many attempts; ``retry_after`` seconds until the next is allowed
    ├── OAuthProblem (status by problem)   an OAuth 1.0a ``oauth_problem``
    └── CredentialsRequired (401)     the current user must authorise before calling a linked application
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode


class AppLinksError(Exception):
    """Root of every error applinks raises on purpose."""

    status: ClassVar[int] = 500
    default_key: ClassVar[str] = "applinks.error"

    def __init__(self, message: str, *, key: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.key = key or self.default_key
        self.details: dict[str, Any] = details

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "error": self.key, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class ConfigurationError(AppLinksError):
    """The instance cannot start or run with the settings it was given."""

    default_key = "applinks.configuration"


class StorageError(AppLinksError):
    """A database operation failed."""

    default_key = "applinks.storage"


class InvalidInput(AppLinksError):
    """The caller sent something malformed."""

    status = 400
    default_key = "applinks.invalid"


class NameTaken(InvalidInput):
    """Renaming a link to a name another link has."""

    default_key = "applinks.name.taken"


class NotAuthenticated(AppLinksError):
    """No (valid) credentials were presented."""

    status = 401
    default_key = "applinks.unauthenticated"


class BearerTokenRefused(NotAuthenticated):
    """An OAuth 2.0 bearer token that is unknown, expired or revoked (answered with a ``Bearer`` challenge)."""

    default_key = "applinks.oauth2.invalid_token"

    def __init__(self, message: str, *, error: str = "invalid_token") -> None:
        super().__init__(message)
        self.error = error


class TrustedAppsRefused(NotAuthenticated):
    """A Trusted Applications request failed verification (protocol.md §9.1 step 7).

    Never answered as an error: the request continues anonymous and the web layer reports ``header_value``
    in ``X-Seraph-Trusted-App-Error``."""

    default_key = "applinks.trusted_apps.refused"

    def __init__(self, code: str, template: str, *params: str) -> None:
        super().__init__(template.format(*params), key=f"trusted_apps.{code}", code=code)
        self.code = code
        self.template = template
        self.params = params


class PermissionDenied(AppLinksError):
    """The caller is known but may not do this."""

    status = 403
    default_key = "applinks.forbidden"


class ImpersonationNotAllowed(PermissionDenied):
    """Acting as another user over a link that does not allow impersonation (its 2LOi provider is off)."""

    default_key = "applinks.impersonation.not_allowed"


class NotFound(AppLinksError):
    status = 404
    default_key = "applinks.notfound"


class LinkNotFound(NotFound):
    default_key = "applinks.link.notfound"


class Conflict(AppLinksError):
    status = 409
    default_key = "applinks.conflict"


class DuplicateLink(Conflict):
    default_key = "applinks.link.duplicate"


class SelfLink(Conflict):
    default_key = "applinks.link.self"


class ConfirmationRequired(InvalidInput):
    """The admin must confirm something (``confirm`` says what) and send the request again with it."""

    default_key = "applinks.confirm"

    def __init__(self, message: str, *, confirm: str, **details: Any) -> None:
        super().__init__(message, confirm=confirm, **details)
        self.confirm = confirm


class AuthenticationNotConfigured(InvalidInput):
    """The caller asked for an outgoing provider the link does not have, or for authentication on a link
    with none configured."""

    default_key = "applinks.outgoing.not_configured"


class RelocateUnreachable(Conflict):
    """Nothing answers at the URL a link is being relocated to."""

    default_key = "applinks.relocate.unreachable"


class DifferentApplication(Conflict):
    """Another application (a different application ID) answers at the URL a link is being relocated to."""

    default_key = "applinks.relocate.different_application"


class RemoteError(AppLinksError):
    """A remote application did not answer as expected."""

    status = 400
    default_key = "applinks.remote"


class RemoteUnreachable(RemoteError):
    """Nothing answered: refused, unknown host, timeout or a TLS failure (``kind`` says which)."""

    default_key = "applinks.remote.unreachable"

    def __init__(self, message: str, *, kind: str = "CONNECTION_REFUSED", **details: Any) -> None:
        super().__init__(message, kind=kind, **details)
        self.kind = kind


class RemoteMoved(RemoteError):
    """The remote answered with a redirect; ``location`` is the URL offered instead."""

    default_key = "applinks.remote.moved"

    def __init__(self, message: str, *, location: str, **details: Any) -> None:
        super().__init__(message, location=location, **details)
        self.location = location


class UnexpectedResponse(RemoteError):
    default_key = "applinks.remote.unexpected_response"


class UnexpectedStatus(RemoteError):
    default_key = "applinks.remote.unexpected_status"

    def __init__(self, message: str, *, status_code: int, **details: Any) -> None:
        super().__init__(message, status_code=status_code, **details)
        self.status_code = status_code


class AddressRefused(RemoteError):
    """The outbound address policy refused the destination (SSRF protection)."""

    default_key = "applinks.remote.address_refused"


class RemoteCredentialsRefused(RemoteError):
    """The remote did not accept the administrator credentials given for a two-way link."""

    default_key = "applinks.remote.credentials"


class PartialLinkCreation(RemoteError):
    """A two-way create failed after the remote end was made; ``details`` say what exists on each side."""

    default_key = "applinks.link.partial"


class RemoteDeleteFailed(RemoteError):
    """Deleting the remote end of a link failed; the local end was kept (delete it alone if wanted)."""

    default_key = "applinks.link.remote_delete_failed"


# Status per oauth_problem, as the reference OAuth library maps them (protocol.md §5.3).
OAUTH_PROBLEM_STATUS: dict[str, int] = {
    "version_rejected": 400,
    "parameter_absent": 400,
    "parameter_rejected": 400,
    "timestamp_refused": 400,
    "signature_method_rejected": 400,
    "nonce_used": 401,
    "signature_invalid": 401,
    "consumer_key_unknown": 401,
    "consumer_key_rejected": 401,
    "token_used": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "token_rejected": 401,
    "permission_unknown": 401,
    "permission_denied": 401,
    "consumer_key_refused": 503,
    "user_refused": 503,
}


class RateLimited(AppLinksError):
    """Too many attempts of one kind from one caller; answered 429 with ``Retry-After``."""

    status = 429
    default_key = "applinks.rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = max(1, retry_after)


class OAuthProblem(AppLinksError):
    """An OAuth 1.0a failure with its wire ``oauth_problem`` code."""

    default_key = "applinks.oauth"

    def __init__(self, problem: str, message: str | None = None, *, cause: str | None = None, **details: Any) -> None:
        super().__init__(message or problem.replace("_", " "), key=f"oauth.{problem}", **details)
        self.problem = problem
        # The precise problem when the wire answer is deliberately vaguer (an unknown consumer is answered as
        # a bad signature): for the server log and diagnostics only, never sent to the client.
        self.cause = cause or problem

    @property
    def http_status(self) -> int:
        return OAUTH_PROBLEM_STATUS.get(self.problem, 401)


class CredentialsRequired(AppLinksError):
    """The user must authorise this application at the remote before the call can be made."""

    status = 401
    default_key = "applinks.credentials_required"

    def __init__(self, message: str, *, authorisation_base: str, **details: Any) -> None:
        super().__init__(message, **details)
        self._authorisation_base = authorisation_base

    def authorisation_uri(self, callback: str | None = None) -> str:
        """The URL to send the user to; ``callback`` is where to come back afterwards (same origin)."""
        if not callback:
            return self._authorisation_base
        sep = "&" if "?" in self._authorisation_base else "?"
        return f"{self._authorisation_base}{sep}{urlencode({'redirectUrl': callback})}"
