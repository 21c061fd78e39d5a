"""The link check: protocol.md §7's checks in order, ending with a real signed round trip to the remote.

The final round trip is a 2LO-signed GET of the remote's ``status/{ourId}/oauth`` rather than of its
manifest: both are public, but a remote verifies presented OAuth credentials on the status resource (ours
does, and Atlassian's filter does everywhere), so a refused signature, timestamp or consumer shows there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from applinks.diagnostics.clock import Clock, Skew, measure_skew, system_clock
from applinks.diagnostics.ports import LegacyInfo, LevelStore, OAuth2Probe, SignedCaller
from applinks.diagnostics.status import AuthLevels, Finding, LinkStatus, OAuthLevel
from applinks.diagnostics.translate import from_exception, oauth_problem_of, oauth_type, signed_url_from_base_string
from applinks.discovery.manifest import MANIFEST_PATH, moved_to, parse_manifest
from applinks.domain.link import Link
from applinks.domain.manifest import Manifest
from applinks.errors import AppLinksError, RemoteMoved, UnexpectedResponse, UnexpectedStatus
from applinks.host import HostUser
from applinks.identity import generic_application_id
from applinks.transport.client import OutboundClient, OutboundResponse

STATUS_OAUTH_PATH = "/rest/applinks/3.0/status/{id}/oauth"
CAPABILITIES_PATH = "/rest/applinks/3.0/capabilities"
# Peers older than 4.0.13 cannot link at all; peers from 5.0 on have the status API (protocol.md §2).
MIN_COMPATIBLE = (4, 0, 13)
MIN_STATUS_API = (5, 0, 0)
ATLASSIAN_GENERIC_TYPES = frozenset({"generic"})


class _Stop(Exception):  # internal control flow, never escapes this module
    """Ends the check with the finding it carries."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.type)
        self.finding = finding


def parse_version(text: str) -> tuple[int, ...] | None:
    """``"9.1.4"`` → ``(9, 1, 4)``; qualifiers (``-m1``, ``-SNAPSHOT``) ignored; None when not a version."""
    numbers = re.findall(r"\d+", text.split("-", 1)[0])
    if not numbers:
        return None
    padded = [int(n) for n in numbers[:3]] + [0] * (3 - min(3, len(numbers)))
    return tuple(padded)


@dataclass
class _Run:
    """The state of one check while it runs."""

    link: Link
    user: HostUser | None
    warnings: list[Finding] = field(default_factory=list)
    skew: Skew | None = None
    manifest: Manifest | None = None
    local: AuthLevels | None = None
    remote: AuthLevels | None = None
    status_url: str = ""  # the remote's status/{id}/oauth of its link to us, once found


@dataclass
class Diagnoser:
    """Checks links of this instance. Stateless between checks; safe to use from many threads."""

    outbound: OutboundClient
    own_id: Callable[[], str]
    base_url: str
    levels: LevelStore
    legacy: LegacyInfo
    oauth2: OAuth2Probe
    signed: SignedCaller | None = None
    clock: Clock = system_clock
    instance_warnings: Callable[[], list[Finding]] = list

    def check(self, link: Link, user: HostUser | None = None) -> LinkStatus:
        run = _Run(link, user)
        error: Finding | None
        try:
            self._run_checks(run)
            error = None
        except _Stop as stop:
            error = stop.finding
        except AppLinksError as exc:
            error = from_exception(exc)
        if error is not None and error.type == "OAUTH_TIMESTAMP_REFUSED" and run.skew is not None:
            error.details = f"{error.details}; {run.skew.describe()}"
        if run.skew is not None and run.skew.worth_warning:
            run.warnings.append(Finding("CLOCK_SKEW", run.skew.describe(), data={"skewSeconds": run.skew.seconds}))
        return LinkStatus(
            link=link,
            checked_at=self.clock(),
            error=error,
            warnings=self.instance_warnings() + run.warnings,
            local=run.local,
            remote=run.remote,
            clock_skew=run.skew.seconds if run.skew else None,
        )

    # -- the checks, in protocol order -----------------------------------------------------------------
    def _run_checks(self, run: _Run) -> None:
        link = run.link
        if link.is_system:
            raise _Stop(Finding("SYSTEM_LINK", "system links are not checked"))
        if link.type_id in ATLASSIAN_GENERIC_TYPES:
            raise _Stop(Finding("GENERIC_LINK", "the remote is a generic application without application links"))
        run.local = self.levels.levels(link)
        run.manifest = self._check_manifest(run)
        if not run.local.outgoing.enabled and self.oauth2.configured(link):
            # An OAuth 2.0 link (seed 003): its own probes replace the OAuth 1.0a levels and round trip.
            finding = self.oauth2.probe(link, run.user)
            if finding is not None:
                raise _Stop(finding)
            return
        run.remote = self._remote_levels(run)
        self._check_levels(run.local, run.remote)
        self._check_legacy(run)
        if run.local.all_disabled and run.remote.all_disabled:
            raise _Stop(Finding("DISABLED", "OAuth is disabled in both directions on both ends"))
        if not run.local.outgoing.enabled:
            raise _Stop(Finding("NO_OUTGOING_AUTH", "this instance sends no OAuth on this link"))
        self._final_round_trip(run)

    def _get(self, run: _Run, url: str, accept: str) -> OutboundResponse:
        """An anonymous GET that also measures the remote's clock from its ``Date`` header."""
        sent = self.clock()
        response = self.outbound.get(url, headers={"Accept": accept})
        self._measure(run, response, sent)
        return response

    def _measure(self, run: _Run, response: OutboundResponse, sent: datetime) -> None:
        if run.skew is None:
            run.skew = measure_skew(response.headers.get("date"), sent, self.clock())

    def _check_manifest(self, run: _Run) -> Manifest:
        link = run.link
        url = link.rpc_url + MANIFEST_PATH
        response = self._get(run, url, "application/xml, application/json;q=0.9")
        if response.is_redirect:
            raise RemoteMoved(f"the application at {link.rpc_url} answers with a redirect", location=moved_to(response))
        if response.status_code != 200:
            raise UnexpectedStatus(
                f"{url} answered HTTP {response.status_code} instead of a manifest", status_code=response.status_code
            )
        manifest = parse_manifest(response.content, response.headers.get("content-type", ""))
        if manifest.id != link.id:
            raise _Stop(
                Finding(
                    "REMOTE_ID_CHANGED",
                    f"the application at {link.rpc_url} is {manifest.name!r} with ID {manifest.id}, "
                    f"not the linked application {link.id}",
                    data={"remoteId": manifest.id},
                )
            )
        if manifest.url and manifest.url.rstrip("/") != link.rpc_url.rstrip("/"):
            run.warnings.append(
                Finding(
                    "MANIFEST_URL_MISMATCH",
                    f"the remote says its base URL is {manifest.url}, but this link calls it at {link.rpc_url}",
                    data={"remoteBaseUrl": manifest.url},
                )
            )
        version = parse_version(manifest.applinks_version)
        if version is None:
            raise _Stop(Finding("NON_ATLASSIAN", "the remote's manifest names no application-links version"))
        if version < MIN_COMPATIBLE:
            raise _Stop(
                Finding(
                    "REMOTE_VERSION_INCOMPATIBLE",
                    f"the remote speaks application links {manifest.applinks_version}, older than 4.0.13: "
                    "not compatible",
                    data={"remoteVersion": manifest.applinks_version},
                )
            )
        if version < MIN_STATUS_API:
            raise _Stop(
                Finding(
                    "REMOTE_VERSION_INCOMPATIBLE",
                    f"the remote speaks application links {manifest.applinks_version}, older than 5.0: it has no "
                    "status API, so its side cannot be checked",
                    data={"remoteVersion": manifest.applinks_version},
                )
            )
        return manifest

    def _remote_levels(self, run: _Run) -> AuthLevels:
        """The remote's levels for its link to us: anonymous first (our ID, then our URL-derived ID)."""
        link = run.link
        for candidate in (self.own_id(), generic_application_id(self.base_url)):
            url = link.rpc_url + STATUS_OAUTH_PATH.format(id=candidate)
            response = self._get(run, url, "application/json")
            if response.status_code == 404:
                continue
            if response.status_code in (401, 403):
                response = self._authenticated_status(run, url)
            run.status_url = url
            return self._parse_levels(url, response)
        raise _Stop(
            Finding(
                "NO_REMOTE_APPLINK",
                f"{link.name} has no link to this instance (neither to ID {self.own_id()} nor to {self.base_url})",
            )
        )

    def _authenticated_status(self, run: _Run, url: str) -> OutboundResponse:
        """The remote does not show its status anonymously: ask as the current user through the link."""
        if self.signed is None:
            raise _Stop(Finding("NO_OUTGOING_AUTH", "the remote's status needs authentication, which is unavailable"))
        response = self.signed.user_get(run.link, run.user, url)
        if response.status_code == 403:
            raise _Stop(
                Finding(
                    "INSUFFICIENT_REMOTE_PERMISSION",
                    "the remote refused to show its side of the link: your account there is not an administrator",
                )
            )
        if response.status_code == 401:
            problem = oauth_problem_of(response)
            if problem is not None and problem[0].startswith("token_"):
                raise _Stop(
                    Finding(
                        "REMOTE_AUTH_TOKEN_REQUIRED",
                        f"the remote refused your access token ({problem[0]}); authorise again",
                    )
                )
            raise _Stop(self._oauth_finding(run, response))
        return response

    @staticmethod
    def _parse_levels(url: str, response: OutboundResponse) -> AuthLevels:
        if response.status_code != 200:
            raise UnexpectedStatus(
                f"{url} answered HTTP {response.status_code}, not an OAuth status", status_code=response.status_code
            )
        try:
            return AuthLevels.from_json(json.loads(response.content))
        except (ValueError, UnicodeDecodeError, AppLinksError) as exc:
            raise UnexpectedResponse(f"{url} did not answer with an OAuth status") from exc

    @staticmethod
    def _check_levels(local: AuthLevels, remote: AuthLevels) -> None:
        levels: list[tuple[str, OAuthLevel]] = [
            ("our incoming", local.incoming),
            ("our outgoing", local.outgoing),
            ("the remote's incoming", remote.incoming),
            ("the remote's outgoing", remote.outgoing),
        ]
        for name, level in levels:
            if level.three_lo_only:
                raise _Stop(Finding("AUTH_LEVEL_UNSUPPORTED", f"{name} level is 3-legged OAuth only"))
        problems = []
        if local.incoming != remote.outgoing:
            problems.append("our incoming level differs from the remote's outgoing level")
        if local.outgoing != remote.incoming:
            problems.append("our outgoing level differs from the remote's incoming level")
        if problems:
            raise _Stop(Finding("AUTH_LEVEL_MISMATCH", "; ".join(problems)))

    def _check_legacy(self, run: _Run) -> None:
        legacy = self.legacy.legacy(run.link)
        if not legacy:
            return
        assert run.local is not None
        names = " and ".join(sorted("Basic" if name == "basic" else "Trusted Applications" for name in legacy))
        oauth = run.local.incoming.enabled or run.local.outgoing.enabled
        automatic = self._remote_can_migrate(run)
        if oauth:
            kind = "LEGACY_REMOVAL" if automatic else "MANUAL_LEGACY_REMOVAL"
            details = f"{names} is still configured next to OAuth"
        else:
            kind = "LEGACY_UPDATE" if automatic else "MANUAL_LEGACY_UPDATE"
            details = f"the link uses {names}, which is legacy"
        raise _Stop(Finding(kind, details, data={"legacy": sorted(legacy)}))

    def _remote_can_migrate(self, run: _Run) -> bool:
        try:
            response = self.outbound.get(run.link.rpc_url + CAPABILITIES_PATH, headers={"Accept": "application/json"})
            capabilities = json.loads(response.content) if response.status_code == 200 else []
        except (AppLinksError, ValueError, UnicodeDecodeError):
            return False
        return isinstance(capabilities, list) and "MIGRATION_API" in capabilities

    def _final_round_trip(self, run: _Run) -> None:
        """A real 2LO-signed GET: the request every other call will look like (module docstring)."""
        url = run.status_url
        if self.signed is None or not run.local or not run.local.outgoing.two_lo_enabled:
            raise _Stop(Finding("NO_OUTGOING_AUTH", "this instance cannot sign 2-legged requests on this link"))
        sent = self.clock()
        response = self.signed.two_legged_get(run.link, url)
        self._measure(run, response, sent)
        if response.status_code in (400, 401, 403, 503) and oauth_problem_of(response) is not None:
            raise _Stop(self._oauth_finding(run, response))
        if response.is_redirect:
            target = response.redirect_target
            if target is None:  # never advise relocating to a Location that is no http(s) URL
                raise UnexpectedResponse(
                    f"{url} redirects to {response.location!r}, which is not an http(s) URL", url=url
                )
            raise RemoteMoved(f"the application at {run.link.rpc_url} answers with a redirect", location=target)
        self._parse_levels(url, response)
        self._check_url_the_remote_uses(run, response)

    def _check_url_the_remote_uses(self, run: _Run, response: OutboundResponse) -> None:
        """A remote that recognised our signature tells us the URL it calls us at; it must be our base URL."""
        try:
            seen = json.loads(response.content).get("link", {}).get("rpcUrl")
        except (ValueError, UnicodeDecodeError, AttributeError):
            return
        if isinstance(seen, str) and seen and seen.rstrip("/") != self.base_url.rstrip("/"):
            run.warnings.append(
                Finding(
                    "REMOTE_URL_MISMATCH",
                    f"{run.link.name} calls this instance at {seen}, but our base URL is {self.base_url}",
                    data={"remoteUsesUrl": seen},
                )
            )

    def _oauth_finding(self, run: _Run, response: OutboundResponse) -> Finding:
        found = oauth_problem_of(response)
        problem, fields = found if found else ("unknown", {})
        kind = oauth_type(problem)
        details = f"the remote refused the signed request: oauth_problem={problem}"
        data: dict[str, object] = {"oauthProblem": problem}
        if kind == "OAUTH_SIGNATURE_INVALID":
            details += "; " + self._signature_hint(run, fields)
        return Finding(kind, details, data=data)

    @staticmethod
    def _signature_hint(run: _Run, fields: dict[str, str]) -> str:
        """Name the URL mismatch behind ``signature_invalid`` as precisely as the evidence allows."""
        hints = []
        verified = signed_url_from_base_string(fields.get("oauth_signature_base_string", ""))
        if verified and urlsplit(verified).netloc != urlsplit(run.link.rpc_url).netloc:
            hints.append(f"we signed for {run.link.rpc_url} but the remote verified against {verified}")
        manifest_url = run.manifest.url if run.manifest else ""
        if manifest_url and manifest_url.rstrip("/") != run.link.rpc_url:
            hints.append(f"the remote's base URL is {manifest_url}, not the RPC URL {run.link.rpc_url}")
        if not hints:
            hints.append("check that base URL, application URL and proxy (Host, port, scheme, query) agree")
        return "; ".join(hints)
