"""Links as code: ``applinks export`` writes the links and their non-secret configuration (the incoming
OAuth consumer's key, public key and flags) as YAML; ``applinks import FILE [--dry-run]`` applies such a
file idempotently — what is missing is created, what differs is updated, what is equal is left alone, and
the plan says which. Secrets (HMAC shared secrets, tokens) are never exported; an HMAC consumer is updated
only where it exists, keeping its secret."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import yaml

from applinks.auth.oauth1.consumers import ConsumerService
from applinks.auth.oauth1.model import HMAC_SHA1, Consumer, ConsumerSettings
from applinks.domain.link import Link
from applinks.errors import InvalidInput
from applinks.host import HostUser
from applinks.services.registry import LinkService, LinkUpdate

FORMAT = 1
LINK_FIELDS = ("id", "typeId", "name", "displayUrl", "rpcUrl", "isPrimary")
CONSUMER_FIELDS = (
    "key",
    "name",
    "description",
    "signatureMethod",
    "publicKey",
    "callback",
    "threeLOAllowed",
    "twoLOAllowed",
    "executingTwoLOUser",
    "twoLOImpersonationAllowed",
)


def _consumer_json(consumer: Consumer) -> dict[str, Any]:
    return {
        "key": consumer.key,
        "name": consumer.name,
        "description": consumer.description,
        "signatureMethod": consumer.signature_method,
        "publicKey": consumer.public_key,
        "callback": consumer.callback,
        "threeLOAllowed": consumer.three_lo_allowed,
        "twoLOAllowed": consumer.two_lo_allowed,
        "executingTwoLOUser": consumer.executing_two_lo_user,
        "twoLOImpersonationAllowed": consumer.two_lo_impersonation_allowed,
    }


def export_document(links: LinkService, consumers: ConsumerService) -> str:
    """Every link and its incoming consumer's non-secret settings, as YAML."""
    items = []
    for link in sorted(links.list(), key=lambda found: found.id):  # a stable order: diffs stay small
        item: dict[str, Any] = {
            "id": link.id,
            "typeId": link.type_id,
            "name": link.name,
            "displayUrl": link.display_url,
            "rpcUrl": link.rpc_url,
            "isPrimary": link.is_primary,
        }
        consumer = consumers.for_link(link.id)
        if consumer is not None:
            item["incomingConsumer"] = _consumer_json(consumer)
        items.append(item)
    return str(yaml.safe_dump({"applinks": FORMAT, "links": items}, sort_keys=False, allow_unicode=True))


@dataclass
class Plan:
    """What an import does (or, dry, would do): one line per change, and what was left alone."""

    changes: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"changes": self.changes, "unchanged": self.unchanged, "skipped": self.skipped}


def _parse(text: str) -> list[dict[str, Any]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"the file is not YAML: {exc}", key="applinks.import.yaml") from exc
    if not isinstance(document, dict) or document.get("applinks") != FORMAT:
        raise InvalidInput(
            f"not an applinks export (expected 'applinks: {FORMAT}' at the top)", key="applinks.import.format"
        )
    items = document.get("links") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput("'links' must be a list of links", key="applinks.import.format")
    for item in items:
        unknown = set(item) - {*LINK_FIELDS, "incomingConsumer"}
        missing = [name for name in ("id", "typeId", "name", "rpcUrl") if not isinstance(item.get(name), str)]
        if unknown or missing:
            raise InvalidInput(
                f"link {item.get('id')!r}: unknown keys {sorted(unknown)}, missing {missing}",
                key="applinks.import.format",
            )
    return items


def import_document(
    text: str, links: LinkService, consumers: ConsumerService, *, actor: HostUser, dry_run: bool = False
) -> Plan:
    """Apply an export; ``dry_run`` only plans. Links are matched by ID."""
    plan = Plan()
    for item in _parse(text):
        link_id = item["id"]
        wanted = Link(
            id=link_id,
            type_id=item["typeId"],
            name=item["name"],
            display_url=item.get("displayUrl") or item["rpcUrl"],
            rpc_url=item["rpcUrl"],
            is_primary=bool(item.get("isPrimary", False)),
        )
        if not links.exists(link_id):
            plan.changes.append(f"create link {link_id} ({wanted.name}, {wanted.rpc_url})")
            if not dry_run:
                links.create(wanted, actor=actor)
        else:
            current = links.get(link_id)
            update = LinkUpdate(
                name=wanted.name if wanted.name != current.name else None,
                display_url=wanted.display_url if wanted.display_url != current.display_url else None,
                rpc_url=wanted.rpc_url if wanted.rpc_url != current.rpc_url else None,
                type_id=wanted.type_id if wanted.type_id != current.type_id else None,
                is_primary=wanted.is_primary if wanted.is_primary and not current.is_primary else None,
            )
            if update != LinkUpdate():
                fields = [name for name, value in asdict(update).items() if value is not None]
                plan.changes.append(f"update link {link_id}: {', '.join(fields)}")
                if not dry_run:
                    links.update(link_id, update, actor=actor)
            else:
                plan.unchanged.append(f"link {link_id}")
        if isinstance(item.get("incomingConsumer"), dict):
            _import_consumer(item["incomingConsumer"], link_id, consumers, plan, actor, dry_run)
    return plan


def _import_consumer(
    data: dict[str, Any], link_id: str, consumers: ConsumerService, plan: Plan, actor: HostUser, dry_run: bool
) -> None:
    unknown = set(data) - set(CONSUMER_FIELDS)
    if unknown or not isinstance(data.get("key"), str):
        raise InvalidInput(
            f"link {link_id!r}: a bad incomingConsumer ({sorted(unknown)})", key="applinks.import.format"
        )
    current = consumers.for_link(link_id)
    wanted = {name: data.get(name) for name in CONSUMER_FIELDS}
    if current is not None and _consumer_json(current) == {**_consumer_json(current), **wanted}:
        plan.unchanged.append(f"incoming consumer of {link_id}")
        return
    method = str(data.get("signatureMethod") or "RSA-SHA1")
    if method == HMAC_SHA1 and (current is None or current.shared_secret is None):
        plan.skipped.append(f"incoming consumer of {link_id}: an HMAC consumer needs its secret, never exported")
        return
    settings = ConsumerSettings(
        key=str(data["key"]),
        name=data.get("name"),
        description=data.get("description"),
        signature_method=method,
        public_key=data.get("publicKey"),
        shared_secret=current.shared_secret if current is not None and method == HMAC_SHA1 else None,
        callback=data.get("callback"),
        three_lo_allowed=bool(data.get("threeLOAllowed", True)),
        two_lo_allowed=bool(data.get("twoLOAllowed", False)),
        executing_two_lo_user=data.get("executingTwoLOUser"),
        two_lo_impersonation_allowed=bool(data.get("twoLOImpersonationAllowed", False)),
    )
    plan.changes.append(f"{'set' if current is None else 'update'} incoming consumer of {link_id} ({settings.key})")
    if not dry_run:
        consumers.set(link_id, settings, actor=actor)
