"""The hardened outbound transport, sync and async (security.md: SSRF, redirects, DNS rebinding, oversized,
slow and compressed-bomb responses). Remotes and canaries are raw servers on loopback; names are resolved by a
fake resolver, so no test sends traffic anywhere else."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Callable

import pytest

from applinks.errors import AddressRefused, InvalidInput, RemoteUnreachable, UnexpectedResponse
from applinks.transport.client import AsyncOutboundClient, OutboundClient, OutboundResponse, TransportOptions
from applinks.transport.policy import AddressPolicy
from tests.security.outbound_servers import (
    answer,
    drip,
    drip_headers,
    flood,
    gzip_bomb,
    hang,
    redirect,
    serving,
)

# 127.0.0.2 plays the internal network: the policy under test denies it; the canary listens there.
INTERNAL = "127.0.0.2"
POLICY = AddressPolicy.build(denied=[f"{INTERNAL}/32"])

Call = Callable[..., OutboundResponse]


class FakeResolver:
    """Names to address lists (an IP literal resolves to itself); counts every resolution."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names = names or {}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        answer = self.names.get(host, [])
        return list(answer() if callable(answer) else answer)


def _options(**overrides: object) -> TransportOptions:
    values: dict[str, object] = {"policy": POLICY, "connect_timeout": 2.0, "read_timeout": 2.0, "deadline": 5.0}
    values.update(overrides)
    return TransportOptions(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest) -> Call:
    """``call(method, url, resolver=…, **options)`` through the sync or the async client."""

    def run(method: str, url: str, *, resolver: FakeResolver | None = None, **options: object) -> OutboundResponse:
        opts = _options(**options)
        if request.param == "sync":
            client = OutboundClient(opts, resolver=resolver or FakeResolver())
            try:
                return client.request(method, url)
            finally:
                client.close()

        async def go() -> OutboundResponse:
            client = AsyncOutboundClient(opts, resolver=resolver or FakeResolver())
            try:
                return await client.request(method, url)
            finally:
                await client.aclose()

        return asyncio.run(go())

    return run


@pytest.fixture
def canary():  # type: ignore[no-untyped-def]
    with serving(answer(200, b"canary"), host=INTERNAL) as server:
        yield server


@pytest.mark.parametrize(
    "addresses",
    [
        ["169.254.169.254"],
        [INTERNAL],
        [f"::ffff:{INTERNAL}"],
        ["64:ff9b::7f00:2"],
        ["2002:7f00:2::1"],
        ["::127.0.0.2"],
        ["127.0.0.1", INTERNAL],  # one good address does not launder a bad one
        ["fe80::1"],
    ],
)
def test_names_resolving_inside_are_refused_and_the_canary_sees_nothing(
    call: Call, canary: object, addresses: list[str]
) -> None:
    resolver = FakeResolver({"innocent.test": addresses})
    port = canary.port  # type: ignore[attr-defined]
    with pytest.raises(AddressRefused):
        call("GET", f"http://innocent.test:{port}/latest/meta-data/", resolver=resolver)
    assert canary.hits == []  # type: ignore[attr-defined]


def test_strict_policy_refuses_loopback_and_private_literals(call: Call, canary: object) -> None:
    port = canary.port  # type: ignore[attr-defined]
    strict = AddressPolicy(allow_loopback=False, allow_private=False)
    for url in (f"http://{INTERNAL}:{port}/", f"http://[::ffff:{INTERNAL}]:{port}/", f"http://2130706434:{port}/"):
        with pytest.raises((AddressRefused, InvalidInput)):
            call("GET", url, policy=strict, resolver=FakeResolver({"2130706434": [INTERNAL]}))
    assert canary.hits == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "http://user@{canary}/",
        "http://user:pw@{canary}/",
        "ftp://{canary}/",
        "file:///etc/passwd",
        "gopher://{canary}/",
    ],
)
def test_user_information_and_other_schemes_are_refused(call: Call, canary: object, url: str) -> None:
    host = f"{INTERNAL}:{canary.port}"  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        call("GET", url.format(canary=host), policy=AddressPolicy())
    assert canary.hits == []  # type: ignore[attr-defined]


def test_a_redirect_to_an_internal_address_is_reported_never_followed(call: Call, canary: object) -> None:
    target = f"http://{INTERNAL}:{canary.port}/admin"  # type: ignore[attr-defined]
    with serving(redirect(target)) as remote:
        response = call("GET", remote.url + "/rest/applinks/1.0/manifest")
    assert response.status_code == 302
    assert response.is_redirect and response.location == target
    assert canary.hits == []  # type: ignore[attr-defined]


def test_dns_rebinding_connects_to_the_address_that_was_checked(call: Call) -> None:
    with serving(answer(200, b"good")) as good, serving(answer(200, b"canary"), host=INTERNAL, port=good.port) as bad:
        answers = iter([["127.0.0.1"]])
        resolver = FakeResolver({"rebind.test": lambda: next(answers, [INTERNAL])})
        response = call("GET", f"http://rebind.test:{good.port}/", resolver=resolver)
        assert response.text == "good"
        assert resolver.calls == ["rebind.test"]  # resolved once, connected to that address
        with pytest.raises(AddressRefused):
            call("GET", f"http://rebind.test:{good.port}/", resolver=resolver)  # the rebound answer is checked too
        assert len(good.hits) == 1
        assert bad.hits == []


def test_a_remote_that_hangs_is_cut_off(call: Call) -> None:
    with serving(hang) as remote:
        started = time.monotonic()
        with pytest.raises(RemoteUnreachable) as cut:
            call("GET", remote.url + "/", read_timeout=0.3, deadline=5.0)
        assert time.monotonic() - started < 5
    assert cut.value.kind == "CONNECTION_TIMEOUT"
    assert "in time" in cut.value.message


@pytest.mark.parametrize("handler", [drip, drip_headers])
def test_a_slow_drip_is_cut_at_the_overall_deadline(call: Call, handler: object) -> None:
    with serving(handler) as remote:  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(RemoteUnreachable) as cut:
            call("GET", remote.url + "/", read_timeout=1.0, deadline=1.0)
        elapsed = time.monotonic() - started
    assert cut.value.kind == "CONNECTION_TIMEOUT"
    assert "deadline" in cut.value.message
    assert 0.9 < elapsed < 5


def test_fifty_megabytes_are_cut_off_at_the_cap(call: Call) -> None:
    with serving(flood(50)) as remote, pytest.raises(UnexpectedResponse) as cut:
        call("GET", remote.url + "/", max_bytes=5 * 1024 * 1024)
    assert "larger than 5242880 bytes" in cut.value.message


def test_a_gzip_bomb_is_cut_off_while_it_inflates(call: Call) -> None:
    with serving(gzip_bomb) as remote, pytest.raises(UnexpectedResponse) as cut:
        call("GET", remote.url + "/", max_bytes=1024 * 1024)
    assert "after decompression" in cut.value.message


def test_an_answer_within_the_limits_is_read_whole(call: Call) -> None:
    with serving(answer(200, b"x" * 100_000, {"Content-Type": "text/plain"})) as remote:
        response = call("POST", remote.url + "/ok", max_bytes=100_000)
        head = remote.hits[0].decode("latin-1").lower()
    assert response.status_code == 200 and len(response.content) == 100_000
    assert "accept-encoding: gzip, deflate\r\n" in head


def test_refused_and_unknown_hosts_are_typed(call: Call) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    with pytest.raises(RemoteUnreachable) as refused:
        call("GET", f"http://127.0.0.1:{free_port}/")
    assert refused.value.kind == "CONNECTION_REFUSED"
    with pytest.raises(RemoteUnreachable) as unknown:
        call("GET", "http://nowhere.test/", resolver=FakeResolver())
    assert unknown.value.kind == "UNKNOWN_HOST"
