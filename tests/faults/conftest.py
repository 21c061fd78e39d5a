"""Fixtures for the diagnostics fault tests: a scripted remote and a diagnoser wired to loopback only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from applinks.diagnostics.checks import Diagnoser
from applinks.diagnostics.status import AuthLevels
from applinks.domain.link import Link
from applinks.errors import RemoteUnreachable
from applinks.transport.client import OutboundClient, TransportOptions
from applinks.transport.policy import AddressPolicy
from tests.faults.remotes import ScriptedRemote, scripted_remote

OUR_ID = "0b1d2c3e-0000-3000-8000-00000000a11c"
OUR_URL = "http://127.0.0.1:9"


def fake_resolver(names: dict[str, str]) -> Callable[[str, int], list[str]]:
    """Resolves only the names given (and IP literals); anything else is an unknown host, like DNS would say."""

    def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return [names[host]]
        if host.replace(".", "").isdigit():
            return [host]
        raise RemoteUnreachable(f"the host name {host!r} cannot be resolved", kind="UNKNOWN_HOST")

    return resolve


@pytest.fixture
def remote() -> Iterator[ScriptedRemote]:
    yield from scripted_remote()


DiagnoserFactory = Callable[..., Diagnoser]


class NothingConfigured:
    """A link with no OAuth in either direction and no legacy authentication (tests that need none)."""

    def levels(self, link: Link) -> AuthLevels:
        return AuthLevels()

    def set_levels(self, link: Link, levels: AuthLevels, actor: object) -> AuthLevels:
        raise AssertionError("a link check never changes levels")

    def legacy(self, link: Link) -> set[str]:
        return set()

    def configured(self, link: Link) -> bool:
        return False  # no outgoing OAuth 2.0

    def probe(self, link: Link, user: object) -> None:
        return None


@pytest.fixture
def make_diagnoser() -> Iterator[DiagnoserFactory]:
    clients: list[OutboundClient] = []

    def make(
        *,
        names: dict[str, str] | None = None,
        timeout: float = 5.0,
        ca_bundle: str | None = None,
        allow_loopback: bool = True,
        **fields: Any,
    ) -> Diagnoser:
        options = TransportOptions(
            connect_timeout=timeout,
            read_timeout=timeout,
            deadline=timeout * 2,
            ca_bundle=ca_bundle,
            policy=AddressPolicy(allow_loopback=allow_loopback),
        )
        client = OutboundClient(options, resolver=fake_resolver(names or {}))
        clients.append(client)
        fields.setdefault("levels", NothingConfigured())
        fields.setdefault("legacy", NothingConfigured())
        fields.setdefault("oauth2", NothingConfigured())
        return Diagnoser(outbound=client, own_id=lambda: OUR_ID, base_url=OUR_URL, **fields)

    yield make
    for client in clients:
        client.close()
