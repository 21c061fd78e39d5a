"""Authentication levels of a link's two directions, locally and on the remote (two-way create, edit).

Levels (protocol.md §5.3): disabled; OAuth (3LO + 2LO); OAuth with impersonation (3LO + 2LO + 2LOi). Locally
the OAuth provider area (incoming consumers) and the outbound area (outgoing providers) hold them; on the
remote their REST resources do, called with the remote administrator's Basic credentials."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from applinks.auth.oauth1.model import ConsumerSettings, OAuthLevel
from applinks.domain.links import Link
from applinks.domain.manifest import OAUTH_2LO, OAUTH_2LOI, OAUTH_3LO
from applinks.domain.types import is_atlassian
from applinks.errors import AppLinksError, InvalidInput
from applinks.host import HostUser
from applinks.services.remote import basic_headers, remote_message

if TYPE_CHECKING:
    from applinks.instance import Instance
    from applinks.services.wizard import CreateLinkRequest, CreateLinkResult, SideReport

# Names an admin uses (CLI, REST) for the three levels.
LEVELS = ("disabled", "oauth", "impersonation")
CONSUMER_PATH = "/rest/applinks-oauth/1.0/applicationlink/{id}/authentication/consumer"
PROVIDER_PATH = "/rest/applinks/2.0/applicationlink/{id}/authentication/provider"


def parse_level(name: str) -> str:
    value = (name or "").strip().lower().replace("-", "_")
    aliases = {"off": "disabled", "none": "disabled", "oauth_impersonation": "impersonation"}
    value = aliases.get(value, value)
    if value not in LEVELS:
        raise InvalidInput(
            f"{name!r} is not an authentication level; use one of {', '.join(LEVELS)}", key="applinks.level.unknown"
        )
    return value


def level_of(name: str) -> OAuthLevel:
    on = name != "disabled"
    return OAuthLevel(on, on, name == "impersonation")


def set_local_levels(
    instance: Instance, link: Link, *, incoming: str | None, outgoing: str | None, actor: HostUser
) -> None:
    """Set this end's incoming and/or outgoing level (impersonation needs a system administrator). Enabling
    incoming OAuth on a link without a consumer fetches the remote's consumer-info."""
    if incoming is not None:
        instance.oauth_consumers.set_level(link.id, level_of(incoming), actor=actor)
    if outgoing is not None:
        instance.outgoing.set_level(link, outgoing, actor)


def local_levels(instance: Instance, link: Link) -> tuple[dict[str, bool], dict[str, bool]]:
    """(incoming, outgoing) of this end, as ``{enabled, twoLoEnabled, twoLoImpersonationEnabled}``."""
    return instance.oauth_consumers.level(link.id).to_json(), instance.outgoing.level(link)


def configure_two_way(
    instance: Instance, result: CreateLinkResult, request: CreateLinkRequest, actor: HostUser, own_rpc: str
) -> None:
    """Step 3's authentication on both ends: each side registers the other's consumer-info as its incoming
    consumer and enables its outgoing OAuth; "same set of users" → with impersonation. Every step is tried
    and recorded in ``result`` (what was configured, and each problem): the links stay either way."""
    del own_rpc  # the remote fetches our consumer-info at the RPC URL its link to us has
    impersonation = request.same_users
    remote = result.remote
    assert remote is not None and request.remote_username and request.remote_password
    credentials = basic_headers(request.remote_username, request.remote_password)
    _remote_incoming(instance, remote, credentials, impersonation)
    _remote_outgoing(instance, remote, credentials, impersonation, atlassian=is_atlassian(result.link.type_id))
    _local_incoming(instance, result.link, result.local, actor, impersonation)
    _local_outgoing(instance, result.link, result.local, actor, impersonation)


def _remote_put(instance: Instance, url: str, credentials: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    response = instance.outbound.request(
        "PUT",
        url + path,
        headers={
            **credentials,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Atlassian-Token": "no-check",
        },
        content=json.dumps(body).encode(),
    )
    if not 200 <= response.status_code < 300:  # Atlassian answers some of these with 204
        raise InvalidInput(
            f"{url} answered HTTP {response.status_code}: {remote_message(response)}",
            key="applinks.wizard.remote_auth",
        )
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _remote_incoming(instance: Instance, remote: SideReport, credentials: dict[str, str], imp: bool) -> None:
    path = CONSUMER_PATH.format(id=instance.application_id) + "?autoConfigure=true"
    body = {"threeLOAllowed": True, "twoLOAllowed": True, "twoLOImpersonationAllowed": imp}
    try:
        consumer = _remote_put(instance, remote.url, credentials, path, body)
    except AppLinksError as exc:
        remote.problems.append(f"incoming OAuth (this application as its consumer) was not configured: {exc.message}")
        return
    remote.incoming = {
        "enabled": bool(consumer.get("threeLOAllowed", True)),
        "twoLoEnabled": bool(consumer.get("twoLOAllowed")),
        "twoLoImpersonationEnabled": bool(consumer.get("twoLOImpersonationAllowed")),
    }


def _remote_outgoing(
    instance: Instance, remote: SideReport, credentials: dict[str, str], imp: bool, *, atlassian: bool
) -> None:
    path = PROVIDER_PATH.format(id=instance.application_id)
    answer: dict[str, Any] = {}
    for provider, enabled in ((OAUTH_3LO, True), (OAUTH_2LO, True), (OAUTH_2LOI, imp)):
        if atlassian and not enabled:
            # Atlassian's provider resource registers the provider it names whatever "enabled" says (§10):
            # a provider that must stay off is not sent at all.
            continue
        body = {"provider": provider, "enabled": enabled, "config": {}}
        try:
            answer = _remote_put(instance, remote.url, credentials, path, body)
        except AppLinksError as exc:
            short = provider.rsplit(".", 1)[-1]
            remote.problems.append(f"outgoing OAuth was not enabled ({short}): {exc.message}")
            return
    level = answer.get("outgoing")
    if isinstance(level, dict):
        remote.outgoing = {k: bool(level.get(k)) for k in ("enabled", "twoLoEnabled", "twoLoImpersonationEnabled")}
    elif atlassian:
        # Atlassian answers each accepted provider with an empty 2xx: the level is the one every call set.
        remote.outgoing = {"enabled": True, "twoLoEnabled": True, "twoLoImpersonationEnabled": imp}


def _local_incoming(instance: Instance, link: Link, local: SideReport, actor: HostUser, imp: bool) -> None:
    try:
        instance.oauth_consumers.configure_from_remote(
            link.id, actor=actor, three_lo_allowed=True, two_lo_allowed=True, two_lo_impersonation_allowed=imp
        )
    except AppLinksError as exc:
        local.problems.append(f"incoming OAuth ({link.name} as our consumer) was not configured: {exc.message}")
        return
    local.incoming = instance.oauth_consumers.level(link.id).to_json()


def _local_outgoing(instance: Instance, link: Link, local: SideReport, actor: HostUser, imp: bool) -> None:
    try:
        local.outgoing = instance.outgoing.enable_oauth(link, impersonation=imp, actor=actor)
    except AppLinksError as exc:
        local.problems.append(f"outgoing OAuth was not enabled: {exc.message}")


STATUS_OAUTH_PATH = "/rest/applinks/3.0/status/{id}/oauth"


@dataclass(frozen=True, slots=True)
class EndLevels:
    """The levels one end of a link has after an edit."""

    url: str
    incoming: dict[str, bool] | None
    outgoing: dict[str, bool] | None


def set_levels_both_ends(
    instance: Instance,
    link: Link,
    *,
    incoming: str,
    outgoing: str,
    actor: HostUser,
    remote_admin: tuple[str, str] | None,
) -> tuple[EndLevels, EndLevels | None]:
    """Edit a link's levels here and, given a remote administrator's credentials, the mirror levels there
    (our incoming is its outgoing). The remote goes first so that a refusal there changes nothing here."""
    incoming, outgoing = parse_level(incoming), parse_level(outgoing)
    remote: EndLevels | None = None
    if remote_admin is not None:
        body = {"incoming": _level_json(outgoing), "outgoing": _level_json(incoming)}
        path = STATUS_OAUTH_PATH.format(id=instance.application_id)
        answer = _remote_put(instance, link.rpc_url, basic_headers(*remote_admin), path, body)
        remote = EndLevels(link.rpc_url, _flags(answer.get("incoming")), _flags(answer.get("outgoing")))
    set_local_levels(instance, link, incoming=incoming, outgoing=outgoing, actor=actor)
    local_in, local_out = local_levels(instance, link)
    return EndLevels(instance.base_url, local_in, local_out), remote


def _level_json(name: str) -> dict[str, bool]:
    on = name != "disabled"
    return {"enabled": on, "twoLoEnabled": on, "twoLoImpersonationEnabled": name == "impersonation"}


def _flags(data: object) -> dict[str, bool] | None:
    if not isinstance(data, dict):
        return None
    return {k: bool(data.get(k)) for k in ("enabled", "twoLoEnabled", "twoLoImpersonationEnabled")}


def level_name(flags: dict[str, Any] | None) -> str:
    """The admin's name for a direction's flags: disabled, oauth, impersonation (or 3lo-only, deprecated)."""
    if not flags or not flags.get("enabled"):
        return "disabled"
    if flags.get("twoLoImpersonationEnabled"):
        return "impersonation"
    return "oauth" if flags.get("twoLoEnabled") else "3lo-only"


def set_executing_user(instance: Instance, link: Link, name: str | None, *, actor: HostUser) -> str | None:
    """The local user that 2-legged requests from the link's application run as (None: 2-legged requests
    run as nobody, only public data); every other consumer setting stays as it is."""
    consumer = instance.oauth_consumers.for_link(link.id)
    if consumer is None:
        raise InvalidInput(
            f"{link.name} has no incoming OAuth consumer here: enable incoming authentication first",
            key="applinks.oauth.consumer.missing",
        )
    wanted = ConsumerSettings(
        key=consumer.key,
        name=consumer.name,
        description=consumer.description or None,
        signature_method=consumer.signature_method,
        public_key=consumer.public_key,
        shared_secret=consumer.shared_secret,
        callback=consumer.callback,
        three_lo_allowed=consumer.three_lo_allowed,
        two_lo_allowed=consumer.two_lo_allowed,
        executing_two_lo_user=(name or "").strip() or None,
        two_lo_impersonation_allowed=consumer.two_lo_impersonation_allowed,
    )
    changed, _created = instance.oauth_consumers.set(link.id, wanted, actor=actor)
    return changed.executing_two_lo_user
