"""The diagnostic error and warning types (protocol.md §7), each with its category, lozenge and fix advice.

This table is the single source: the status API, ``applinks doctor`` and the README's Troubleshooting
section (``render_markdown``) all read it, so explanation and code cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """Error categories of the status API (protocol.md §7)."""

    NETWORK_ERROR = "NETWORK_ERROR"
    ACCESS_ERROR = "ACCESS_ERROR"
    CONFIG_ERROR = "CONFIG_ERROR"
    INCOMPATIBLE = "INCOMPATIBLE"
    DEPRECATED = "DEPRECATED"
    NON_ATLASSIAN = "NON_ATLASSIAN"
    SYSTEM = "SYSTEM"
    DISABLED = "DISABLED"
    UNKNOWN = "UNKNOWN"


# The UI lozenge of a working link and of each category (access errors differ by type, see Advice.lozenge).
CONNECTED = "CONNECTED"
CATEGORY_LOZENGE: dict[Category, str] = {
    Category.NETWORK_ERROR: "NETWORK ERROR",
    Category.ACCESS_ERROR: "ACCESS DENIED",
    Category.CONFIG_ERROR: "CONFIG ERROR",
    Category.INCOMPATIBLE: "INCOMPATIBLE",
    Category.DEPRECATED: "UPGRADE CONFIG",
    Category.NON_ATLASSIAN: "NOT CHECKED",
    Category.SYSTEM: "NOT CHECKED",
    Category.DISABLED: "DISABLED",
    Category.UNKNOWN: "UNKNOWN",
}
AUTHENTICATE_LOZENGE = "Authenticate to see status"

# Categories that mean "this link cannot be checked", not "this link is broken" (doctor does not fail on them).
UNCHECKABLE = frozenset({Category.NON_ATLASSIAN, Category.SYSTEM})


@dataclass(frozen=True, slots=True)
class Advice:
    """One diagnostic type: what it means and what the administrator does about it."""

    type: str
    category: Category | None  # None for warnings, which never make a link "not working"
    title: str
    explanation: str
    steps: tuple[str, ...]
    extension: bool = False  # beyond the Atlassian status API (this project's own finer-grained types)

    @property
    def lozenge(self) -> str:
        if self.category is None:
            return CONNECTED
        if self.type in ("LOCAL_AUTH_TOKEN_REQUIRED", "REMOTE_AUTH_TOKEN_REQUIRED"):
            return AUTHENTICATE_LOZENGE
        return CATEGORY_LOZENGE[self.category]

    def to_json(self) -> dict[str, object]:
        return {"title": self.title, "explanation": self.explanation, "steps": list(self.steps)}


_RELOCATE = (
    "If the application now lives at another address, relocate the link: `applinks link relocate LINK_ID NEW_URL` "
    "or `POST /rest/applinks/1.0/relocateApplicationlink/{id}?newUrl=…`."
)
_DOCTOR = "Run `applinks doctor LINK_ID` again (or open `GET /rest/applinks/3.0/status/{id}`) to confirm the fix."
_SAME_URLS = (
    "Make the URLs agree: this instance's `APPLINKS_BASE_URL` must be the URL the remote has for us, and the "
    "remote's base URL (its manifest `url`) must be the link's RPC URL here."
)
_PROXY = (
    "Behind a reverse proxy, forward the original Host, port and scheme unchanged and do not rewrite the path "
    "or query string; the signature covers all of them."
)

ERRORS: tuple[Advice, ...] = (
    # -- network errors: the final round trip failed -------------------------------------------------------
    Advice(
        "CONNECTION_REFUSED",
        Category.NETWORK_ERROR,
        "Connection refused",
        "Nothing is listening at the link's RPC URL: the remote application is down, or the host or port is wrong.",
        (
            "Start the remote application and check that it answers at the link's RPC URL from this server "
            "(for example `curl RPC_URL/rest/applinks/1.0/manifest`).",
            "Check the host and port in the link's RPC URL, and that no firewall blocks this server.",
            _RELOCATE,
        ),
    ),
    Advice(
        "UNKNOWN_HOST",
        Category.NETWORK_ERROR,
        "Unknown host",
        "The host name in the link's RPC URL does not resolve from this server (DNS).",
        (
            "Check the spelling of the host name in the link's RPC URL.",
            "Check this server's DNS configuration (`/etc/resolv.conf`, `/etc/hosts`): the name must resolve here, "
            "not only on your workstation.",
            _RELOCATE,
        ),
    ),
    Advice(
        "CONNECTION_TIMEOUT",
        Category.NETWORK_ERROR,
        "No answer in time",
        "The remote accepted no connection or sent no answer within the outbound timeouts.",
        (
            "Check that the remote application is running and not overloaded, and that no firewall silently drops "
            "traffic from this server.",
            "If the remote is simply slow, raise `APPLINKS_CONNECT_TIMEOUT`, `APPLINKS_READ_TIMEOUT` or "
            "`APPLINKS_REQUEST_DEADLINE` (seconds).",
        ),
        extension=True,
    ),
    Advice(
        "SSL_UNTRUSTED",
        Category.NETWORK_ERROR,
        "Certificate not trusted",
        "The remote's TLS certificate chain is not signed by a certificate authority this server trusts "
        "(self-signed or an internal CA).",
        (
            "Add the CA that signed the remote's certificate to a PEM bundle and point `APPLINKS_CA_BUNDLE` at it, "
            "then restart this instance.",
            "Or give the remote a certificate from a publicly trusted CA, with the full chain installed.",
        ),
    ),
    Advice(
        "SSL_HOSTNAME_UNMATCHED",
        Category.NETWORK_ERROR,
        "Certificate does not match the host",
        "The remote's certificate is valid but issued for another host name than the one in the link's RPC URL.",
        (
            "Use the host name the certificate was issued for in the link's RPC URL (relocate the link), or",
            "issue the remote a certificate whose subject alternative names include the RPC URL's host.",
        ),
    ),
    Advice(
        "SSL_UNMATCHED",
        Category.NETWORK_ERROR,
        "TLS problem",
        "The TLS connection to the remote failed for another certificate or protocol reason: an expired "
        "certificate (the details say so), or this server's clock far off, or a protocol mismatch.",
        (
            "Read the details: they carry the TLS library's reason.",
            "An expired certificate: renew the remote's certificate and install it with its chain; check this "
            "server's clock (NTP), since a wrong date makes valid certificates look expired.",
            "Check that the RPC URL's scheme and port match what the remote serves (https on an http port "
            "fails this way).",
            "Fix the remote's certificate, or trust its CA with `APPLINKS_CA_BUNDLE`.",
        ),
    ),
    Advice(
        "OAUTH_TIMESTAMP_REFUSED",
        Category.NETWORK_ERROR,
        "Clocks too far apart",
        "The remote refused our signed request because its clock and ours differ by more than the 5-minute "
        "OAuth window (`timestamp_refused`). The measured clock difference is in the details.",
        (
            "Synchronise both servers' clocks with NTP (for example `timedatectl set-ntp true`, chrony or ntpd).",
            "Check the time-zone data and the hardware clock setting (UTC vs local time) on both servers.",
            _DOCTOR,
        ),
    ),
    Advice(
        "OAUTH_SIGNATURE_INVALID",
        Category.NETWORK_ERROR,
        "Signature invalid (URL mismatch)",
        "The remote computed a different OAuth signature (`signature_invalid`). Almost always the URL we sign "
        "differs from the URL the remote verifies: a base URL, application URL or proxy mismatch.",
        (
            _SAME_URLS,
            _PROXY,
            "If the keys were regenerated on one side, reset OAuth on both ends (`PUT "
            "/rest/applinks-oauth/1.0/applicationlink/{id}/authentication/consumer?autoConfigure=true` on each).",
            "A remote running applinks answers an unknown consumer key this way too (no key enumeration): if the "
            "remote has no consumer for this instance, its server log says `consumer_key_unknown`; create the "
            "missing remote end.",
        ),
    ),
    Advice(
        "OAUTH_PROBLEM",
        Category.NETWORK_ERROR,
        "OAuth refused",
        "The remote refused our signed request with another `oauth_problem` (named in the details).",
        (
            "`consumer_key_unknown`: the remote has no consumer for this instance. Create the missing remote end "
            "(`applinks link create RPC_URL --two-way`), or reset OAuth on both ends, or delete both ends "
            "(`applinks link delete LINK_ID --both-ends`) and recreate the link.",
            "`permission_denied` / `consumer_key_refused`: enable the matching level on the remote "
            "(`PUT /rest/applinks/3.0/status/{id}/oauth` on the remote).",
            "`nonce_used`: a proxy or client retried a signed request; make retries re-sign.",
        ),
    ),
    Advice(
        "UNEXPECTED_RESPONSE",
        Category.NETWORK_ERROR,
        "Unexpected answer",
        "The remote answered with something that is not what an applinks peer sends (HTML, a login page, "
        "a truncated or oversized body).",
        (
            "Open the link's RPC URL followed by `/rest/applinks/1.0/manifest` from this server: it must return "
            "an XML or JSON manifest.",
            "A proxy or single-sign-on gateway in front of the remote must let `/rest/applinks/` and "
            "`/plugins/servlet/oauth/` through without a login page.",
            _RELOCATE,
        ),
    ),
    Advice(
        "UNEXPECTED_RESPONSE_STATUS",
        Category.NETWORK_ERROR,
        "Unexpected HTTP status",
        "The remote answered with an HTTP status applinks does not expect (for example 500 or 404 for the manifest).",
        (
            "A 5xx means the remote application failed: read its server log.",
            "A 404 means the RPC URL does not point at the application's base URL (a missing context path?).",
            _RELOCATE,
        ),
    ),
    Advice(
        "ADDRESS_REFUSED",
        Category.CONFIG_ERROR,
        "Address not allowed",
        "The outbound address policy refused the remote's address (server-side request forgery protection).",
        (
            "Link-local and cloud-metadata addresses are always refused: use another address for the remote.",
            "Loopback and private addresses are refused when `APPLINKS_ALLOW_LOOPBACK` or "
            "`APPLINKS_ALLOW_PRIVATE` is false; allow them if links inside your network are intended.",
        ),
        extension=True,
    ),
    Advice(
        "REMOTE_MOVED",
        Category.CONFIG_ERROR,
        "Remote has moved",
        "The remote answers the link's RPC URL with a redirect: the application moved to another address.",
        (
            _RELOCATE + " The suggested URL is in the details.",
            "`applinks link check-moved` lists every link whose remote moved.",
            _DOCTOR,
        ),
        extension=True,
    ),
    Advice(
        "REMOTE_ID_CHANGED",
        Category.CONFIG_ERROR,
        "A different application answers",
        "The application at the link's RPC URL has another application ID than the link: a different application "
        "(or a reinstalled one with a new identity) now answers there.",
        (
            "If the original application moved, relocate the link to its new URL "
            "(`applinks link relocate LINK_ID NEW_URL`).",
            "If the remote was reinstalled, delete the link (`applinks link delete LINK_ID`) and create it again "
            "(`applinks link create RPC_URL --two-way`).",
        ),
        extension=True,
    ),
    # -- access errors ---------------------------------------------------------------------------------
    Advice(
        "LOCAL_AUTH_TOKEN_REQUIRED",
        Category.ACCESS_ERROR,
        "Authorise to see the status",
        "Checking this link needs an OAuth access token for you at the remote, and you have none yet.",
        (
            "Open the authorisation URI (`authorisationUri` in the status) and allow access at the remote; then "
            "check again.",
            "To check without a personal token, enable 2-legged OAuth on both ends (`PUT "
            "/rest/applinks/3.0/status/{id}/oauth` with `twoLoEnabled: true`).",
        ),
    ),
    Advice(
        "REMOTE_AUTH_TOKEN_REQUIRED",
        Category.ACCESS_ERROR,
        "Authorise at the remote",
        "The remote needs you to authorise it to call this instance before it can report its side.",
        ("Open the authorisation URI in the status at the remote application, allow access, then check again.",),
    ),
    Advice(
        "INSUFFICIENT_REMOTE_PERMISSION",
        Category.ACCESS_ERROR,
        "Not an administrator on the remote",
        "Reading the remote's side of the link needs administrator rights there, which your account lacks.",
        (
            "Ask an administrator of the remote application to check the link there (`applinks doctor` on the "
            "remote), or to grant your remote account administrator rights.",
        ),
    ),
    # -- configuration errors ---------------------------------------------------------------------------
    Advice(
        "NO_REMOTE_APPLINK",
        Category.CONFIG_ERROR,
        "The remote has no link back",
        "The remote application has no link to this instance (it was deleted there, or the link was created "
        "one-way). Calls signed by this instance will fail with `consumer_key_unknown` (an applinks remote "
        "answers `signature_invalid`: no key enumeration).",
        (
            "Create the missing remote end: `applinks link create OUR_BASE_URL` on the remote, or recreate the link "
            "two-way from here (`applinks link delete LINK_ID` then `applinks link create RPC_URL --two-way`).",
            "If the remote knows this instance under another URL, make `APPLINKS_BASE_URL` match it.",
        ),
    ),
    Advice(
        "AUTH_LEVEL_MISMATCH",
        Category.CONFIG_ERROR,
        "Authentication levels differ",
        "Our incoming level differs from the remote's outgoing level, or our outgoing from its incoming "
        "(both levels are in `localAuthentication` and `remoteAuthentication`).",
        (
            "Make both sides equal: set the same level (OAuth, or OAuth with impersonation) on both ends at once "
            "with `applinks link edit LINK_ID --incoming oauth --outgoing oauth --remote-user ADMIN`, or on each "
            "end with `PUT /rest/applinks/3.0/status/{id}/oauth`.",
            "OAuth with impersonation only when both instances share one user base.",
        ),
    ),
    # -- incompatible -------------------------------------------------------------------------------------
    Advice(
        "NO_OUTGOING_AUTH",
        Category.INCOMPATIBLE,
        "No outgoing authentication",
        "This instance has no outgoing OAuth configured for the link, so it can only make anonymous calls "
        "and cannot verify the link with a signed request.",
        (
            "Enable outgoing OAuth for the link (`applinks link edit LINK_ID --outgoing oauth`, or `PUT "
            "/rest/applinks/3.0/status/{id}/oauth`), and the matching incoming level on the remote.",
        ),
    ),
    Advice(
        "REMOTE_VERSION_INCOMPATIBLE",
        Category.INCOMPATIBLE,
        "Remote too old",
        "The remote speaks an application-links version older than 5.0 (no status API) or older than 4.0.13 "
        "(not compatible at all); its version is in the details.",
        (
            "Upgrade the remote application to a release with application links 5.0 or later.",
            "Until then the link may still work, but it cannot be diagnosed from here.",
        ),
    ),
    # -- deprecated configuration --------------------------------------------------------------------------
    Advice(
        "AUTH_LEVEL_UNSUPPORTED",
        Category.DEPRECATED,
        "3-legged-only OAuth",
        "One side uses 3-legged OAuth without 2-legged OAuth, a deprecated level this status check cannot verify.",
        (
            "Switch both ends to OAuth (3LO + 2LO) or OAuth with impersonation with "
            "`applinks link edit LINK_ID --incoming oauth --outgoing oauth --remote-user ADMIN` or "
            "`PUT /rest/applinks/3.0/status/{id}/oauth`.",
        ),
    ),
    Advice(
        "LEGACY_UPDATE",
        Category.DEPRECATED,
        "Legacy authentication in use",
        "The link authenticates with Trusted Applications or Basic only; both are legacy.",
        (
            "Migrate it to OAuth: `applinks legacy migrate LINK_ID` or `POST /rest/applinks/3.0/migration/{id}` "
            "(Trusted Applications become OAuth with impersonation, Basic becomes OAuth).",
        ),
    ),
    Advice(
        "LEGACY_REMOVAL",
        Category.DEPRECATED,
        "Legacy authentication left over",
        "OAuth is configured, but Trusted Applications or Basic is still configured next to it.",
        (
            "Remove the legacy configuration: `applinks legacy migrate LINK_ID` (or `POST "
            "/rest/applinks/3.0/migration/{id}`) removes it on both ends.",
        ),
    ),
    Advice(
        "MANUAL_LEGACY_UPDATE",
        Category.DEPRECATED,
        "Legacy authentication (manual update)",
        "Legacy authentication is in use and the remote cannot be migrated automatically (it has no migration API).",
        (
            "Configure OAuth on the remote by hand (incoming consumer for this instance, outgoing OAuth), then run "
            "`POST /rest/applinks/3.0/migration/{id}` here.",
        ),
    ),
    Advice(
        "MANUAL_LEGACY_REMOVAL",
        Category.DEPRECATED,
        "Legacy authentication left over (manual removal)",
        "OAuth works, but legacy authentication is still configured and the remote cannot remove it automatically.",
        ("Remove Trusted Applications / Basic for this instance on the remote by hand, then remove it here.",),
    ),
    Advice(
        "MANUAL_LEGACY_REMOVAL_WITH_OLD_EDIT",
        Category.DEPRECATED,
        "Legacy authentication left over (old remote)",
        "As MANUAL_LEGACY_REMOVAL, for remotes whose link editor is the old one.",
        ("Use the remote's old link edit screen to remove Trusted Applications / Basic for this instance.",),
    ),
    # -- links that are not checked -----------------------------------------------------------------------
    Advice(
        "GENERIC_LINK",
        Category.NON_ATLASSIAN,
        "Generic application",
        "A link to an application that does not speak application links: there is no remote status to check.",
        ("Nothing to fix. Test the integration from the application that uses the link.",),
    ),
    Advice(
        "NON_ATLASSIAN",
        Category.NON_ATLASSIAN,
        "Not an application-links peer",
        "The remote publishes a manifest without an application-links version, so it cannot report its side.",
        ("Nothing to fix here; if the remote should speak application links, check its installation.",),
    ),
    Advice(
        "SYSTEM_LINK",
        Category.SYSTEM,
        "System link",
        "A link managed by the system, not checked by diagnostics.",
        ("Nothing to do; only a system administrator can change system links.",),
    ),
    Advice(
        "DISABLED",
        Category.DISABLED,
        "Authentication disabled",
        "OAuth is disabled in both directions on both ends: only anonymous calls are possible.",
        (
            "If authenticated calls are needed, enable OAuth on both ends: `applinks link edit LINK_ID --incoming "
            "oauth --outgoing oauth` (or `PUT /rest/applinks/3.0/status/{id}/oauth`) on each instance.",
        ),
    ),
    Advice(
        "UNKNOWN",
        Category.UNKNOWN,
        "Unknown problem",
        "The check failed in an unexpected way; the details carry the reason.",
        ("Read the details and this instance's log, then run `applinks doctor LINK_ID` again.",),
    ),
    # -- OAuth 2.0 links (seed 003; applinks extension) ----------------------------------------------------
    Advice(
        "OAUTH2_INVALID_CLIENT",
        Category.CONFIG_ERROR,
        "The remote does not know our OAuth 2.0 client",
        "The remote's token endpoint refused our client ID and secret (`invalid_client`): the incoming link "
        "there was deleted, its secret was reset, or the ID or secret was copied wrongly.",
        (
            "On the remote, open the incoming OAuth 2.0 link for this application (or create one) and reset its "
            "secret; then enter the client ID and the new secret here: `applinks oauth2 outgoing set LINK_ID "
            "--client-id ID` with the secret in `APPLINKS_OAUTH2_CLIENT_SECRET`.",
            _DOCTOR,
        ),
        extension=True,
    ),
    Advice(
        "OAUTH2_REDIRECT_MISMATCH",
        Category.CONFIG_ERROR,
        "Redirect URL not registered at the remote",
        "The remote's authorization endpoint refuses the redirect URL this instance sends: the incoming link "
        "there was registered with another URL. Redirect URLs must match exactly (scheme, host, port, path).",
        (
            "Copy the redirect URL `applinks oauth2 outgoing show LINK_ID` prints into the remote's incoming "
            "OAuth 2.0 link for this application.",
            "If this instance's base URL changed, the redirect URL changed with it: update it at the remote.",
            _DOCTOR,
        ),
        extension=True,
    ),
    Advice(
        "OAUTH2_REFRESH_EXPIRED",
        Category.ACCESS_ERROR,
        "Your OAuth 2.0 authorisation has expired",
        "The remote refused to refresh your token (it expired after its lifetime, or you or an administrator "
        "revoked it there). The stored token was forgotten.",
        ("Open the authorisation URI (`authorisationUri` in the status) and allow access again.",),
        extension=True,
    ),
    Advice(
        "OAUTH2_AUTHORISATION_REQUIRED",
        Category.ACCESS_ERROR,
        "Authorise over OAuth 2.0",
        "Calls as you through this OAuth 2.0 link need your consent at the remote, and you have not given it yet.",
        ("Open the authorisation URI (`authorisationUri` in the status) and allow access at the remote.",),
        extension=True,
    ),
    Advice(
        "OAUTH2_UNEXPECTED",
        Category.CONFIG_ERROR,
        "Unexpected OAuth 2.0 answer",
        "The remote's OAuth 2.0 endpoints answered in a way no OAuth 2.0 server should (see the details).",
        (
            "Check that the link's endpoints are the remote's (`applinks oauth2 outgoing show LINK_ID`); for a "
            "custom provider, that they are its authorization and token endpoints.",
            _DOCTOR,
        ),
        extension=True,
    ),
)

WARNINGS: tuple[Advice, ...] = (
    Advice(
        "CLOCK_SKEW",
        None,
        "Clocks drifting apart",
        "The remote's clock (its `Date` header) differs from ours. Past 5 minutes every signed request is "
        "refused with `timestamp_refused`.",
        ("Synchronise both servers' clocks with NTP before the difference reaches 5 minutes.",),
    ),
    Advice(
        "MANIFEST_URL_MISMATCH",
        None,
        "Remote base URL differs from the RPC URL",
        "The remote's manifest says its base URL is not the link's RPC URL. A remote that verifies signatures "
        "against its base URL then refuses our requests with `signature_invalid`.",
        (_SAME_URLS, "If the remote really moved, relocate the link (`applinks link relocate LINK_ID NEW_URL`)."),
    ),
    Advice(
        "REMOTE_URL_MISMATCH",
        None,
        "The remote knows us under another URL",
        "The URL the remote uses for this instance is not our configured base URL. Requests the remote signs "
        "will fail our signature check (`signature_invalid`).",
        (_SAME_URLS, _PROXY),
    ),
    Advice(
        "BASE_URL_UNREACHABLE",
        None,
        "Our base URL does not reach us",
        "This instance could not fetch its own manifest through its base URL, or another application answered "
        "there. Remotes will sign and call a URL that is not us.",
        (
            "Give the instance the public URL under which it is reached (scheme, host, port and context path): "
            "`applinks serve --base-url URL` (or `applinks init --base-url URL`) stores it for every command and "
            "node; `APPLINKS_BASE_URL` overrides it.",
            "Make the proxy forward that URL here, and check what every command uses with `applinks info`.",
        ),
    ),
)

_BY_TYPE: dict[str, Advice] = {a.type: a for a in ERRORS + WARNINGS}


def advice_for(error_type: str) -> Advice:
    """The advice for a diagnostic type; unknown names get the UNKNOWN advice."""
    return _BY_TYPE.get(error_type) or _BY_TYPE["UNKNOWN"]


def category_of(error_type: str) -> Category:
    return advice_for(error_type).category or Category.UNKNOWN


def render_markdown() -> str:
    """The README's Troubleshooting section, rendered from the tables above."""
    lines = [
        "## Troubleshooting",
        "",
        "`applinks doctor` (or `GET /rest/applinks/3.0/status/{id}`) checks a link and names one error type; "
        "each type below says what it means and what to do. Warnings do not stop a link from working but "
        "usually become errors later.",
        "",
    ]
    for heading, entries in (("Errors", ERRORS), ("Warnings", WARNINGS)):
        lines += [f"### {heading}", ""]
        for advice in entries:
            where = f"{advice.category.value}, lozenge “{advice.lozenge}”" if advice.category else "warning"
            extra = "; applinks extension" if advice.extension else ""
            lines += [f"#### `{advice.type}` — {advice.title}", "", f"*{where}{extra}.* {advice.explanation}", ""]
            lines += [f"- {step}" for step in advice.steps]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
