"""The outbound address policy over a parametrised address list (security.md: SSRF rows)."""

from __future__ import annotations

import pytest

from applinks.errors import AddressRefused, RemoteUnreachable
from applinks.transport.policy import AddressPolicy, unwrap

ALWAYS_REFUSED = [
    "169.254.169.254",  # cloud metadata
    "169.254.0.1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fe80::1",
    "fe80::1%eth0",
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "0.0.0.0",
    "0.1.2.3",
    "::",
    "255.255.255.255",
    "240.0.0.1",
    "::ffff:169.254.169.254",  # IPv4-mapped
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "::169.254.169.254",  # IPv4-compatible
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64
]
LOOPBACK = ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"]
PRIVATE = ["10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fd12:3456::1", "::ffff:10.1.2.3"]
PUBLIC = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34", "8.8.8.8"]


@pytest.mark.parametrize("address", ALWAYS_REFUSED)
def test_link_local_metadata_multicast_and_unspecified_are_always_refused(address: str) -> None:
    permissive = AddressPolicy(allow_loopback=True, allow_private=True)
    assert permissive.refusal(address) is not None
    with pytest.raises(AddressRefused):
        permissive.check("evil.example", [address])


@pytest.mark.parametrize("address", LOOPBACK)
def test_loopback_is_allowed_by_default_and_deniable(address: str) -> None:
    assert AddressPolicy().refusal(address) is None
    assert "loopback" in (AddressPolicy(allow_loopback=False).refusal(address) or "")


@pytest.mark.parametrize("address", PRIVATE)
def test_private_ranges_are_allowed_by_default_and_deniable(address: str) -> None:
    assert AddressPolicy().refusal(address) is None
    assert AddressPolicy(allow_private=False).refusal(address) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass_even_the_strictest_policy(address: str) -> None:
    assert AddressPolicy(allow_loopback=False, allow_private=False).refusal(address) is None


def test_embedded_ipv4_is_unwrapped() -> None:
    import ipaddress

    for wrapped, inner in [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("64:ff9b::a00:1", "10.0.0.1"),
        ("2002:a00:1::", "10.0.0.1"),
        ("::a00:1", "10.0.0.1"),
    ]:
        assert unwrap(ipaddress.ip_address(wrapped)) == ipaddress.ip_address(inner)


def test_denied_networks_from_configuration() -> None:
    policy = AddressPolicy.build(denied=["127.0.0.2/32", "10.9.0.0/16"])
    assert policy.refusal("127.0.0.1") is None
    assert policy.refusal("127.0.0.2") is not None
    assert policy.refusal("::ffff:127.0.0.2") is not None
    assert policy.refusal("10.9.3.4") is not None
    assert policy.refusal("10.8.3.4") is None


def test_a_name_with_any_denied_address_is_refused_as_a_whole() -> None:
    with pytest.raises(AddressRefused) as refused:
        AddressPolicy().check("mixed.example", ["93.184.216.34", "169.254.169.254"])
    assert refused.value.details["address"] == "169.254.169.254"
    assert AddressPolicy().check("ok.example", ["10.0.0.1", "10.0.0.2"]) == ["10.0.0.1", "10.0.0.2"]


def test_no_address_is_an_unknown_host_and_garbage_is_refused() -> None:
    with pytest.raises(RemoteUnreachable) as unknown:
        AddressPolicy().check("nowhere.example", [])
    assert unknown.value.kind == "UNKNOWN_HOST"
    assert AddressPolicy().refusal("not-an-ip") is not None
