"""The outbound address policy (SSRF protection): which resolved addresses applinks may connect to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

from applinks.errors import AddressRefused, RemoteUnreachable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], list[str]]

_ALWAYS_DENIED = (
    ipaddress.ip_network("169.254.0.0/16"),  # link-local, cloud metadata
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("ff00::/8"),
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("::/128"),
    ipaddress.ip_network("240.0.0.0/4"),
    ipaddress.ip_network("255.255.255.255/32"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system; an unknown name is ``UNKNOWN_HOST``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RemoteUnreachable(f"the host name {host!r} cannot be resolved", kind="UNKNOWN_HOST") from exc
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


def unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv6 one (mapped, NAT64, 6to4), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address in _SIX_TO_FOUR and address.sixtofour is not None:
            return address.sixtofour
    return address


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    allow_loopback: bool = True
    allow_private: bool = True

    def refusal(self, raw: str) -> str | None:
        """Why ``raw`` may not be connected to, or None when it may."""
        try:
            address = unwrap(ipaddress.ip_address(raw.split("%", 1)[0]))
        except ValueError:
            return f"{raw!r} is not an IP address"
        for network in _ALWAYS_DENIED:
            if address.version == network.version and address in network:
                return f"{address} is a link-local, multicast, reserved or unspecified address"
        if address.is_loopback:
            return None if self.allow_loopback else f"{address} is a loopback address"
        if address.is_private:
            return None if self.allow_private else f"{address} is a private address"
        if address.is_reserved or address.is_unspecified or address.is_multicast or address.is_link_local:
            return f"{address} is a reserved address"
        return None

    def check(self, host: str, addresses: list[str]) -> str:
        """The first address allowed for ``host``; refused when any address is denied (no partial trust)."""
        if not addresses:
            raise RemoteUnreachable(f"the host name {host!r} has no addresses", kind="UNKNOWN_HOST")
        for addr in addresses:
            reason = self.refusal(addr)
            if reason:
                raise AddressRefused(
                    f"outbound connections to {host} are not allowed: {reason}", host=host, address=addr
                )
        return addresses[0]
