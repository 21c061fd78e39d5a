"""The outbound address policy (SSRF protection): which resolved addresses applinks may connect to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from applinks.errors import AddressRefused, RemoteUnreachable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

Resolver = Callable[[str, int], list[str]]

_ALWAYS_DENIED: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",  # link-local, cloud metadata
        "fe80::/10",
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "224.0.0.0/4",
        "ff00::/8",
        "0.0.0.0/8",
        "::/128",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "2001::/32",  # Teredo: tunnels to an IPv4 address we cannot check
        "64:ff9b:1::/48",  # local-use NAT64: the embedded IPv4 position depends on the prefix length
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


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
    """The IPv4 address hidden in an IPv6 one (mapped, IPv4-compatible, NAT64, 6to4), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address in _SIX_TO_FOUR and address.sixtofour is not None:
            return address.sixtofour
        if address in _IPV4_COMPATIBLE and int(address) > 1:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _networks(values: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    return tuple(v if not isinstance(v, str) else ipaddress.ip_network(v, strict=False) for v in values)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Loopback and private ranges are allowed by default (intranet links are the normal case) and can be
    denied; ``denied`` adds networks an operator never wants reached (e.g. an internal admin subnet)."""

    allow_loopback: bool = True
    allow_private: bool = True
    denied: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def build(
        cls, *, allow_loopback: bool = True, allow_private: bool = True, denied: Iterable[str | IPNetwork] = ()
    ) -> AddressPolicy:
        return cls(allow_loopback, allow_private, _networks(denied))

    def refusal(self, raw: str) -> str | None:
        """Why ``raw`` may not be connected to, or None when it may."""
        try:
            original = ipaddress.ip_address(raw.split("%", 1)[0])
        except ValueError:
            return f"{raw!r} is not an IP address"
        for network in _ALWAYS_DENIED:
            if original.version == network.version and original in network:
                return f"{original} is a link-local, multicast, reserved or unspecified address"
        address = unwrap(original)
        for network in _ALWAYS_DENIED + self.denied:
            if address.version == network.version and address in network:
                return f"{address} is in a denied range ({network})"
        for network in self.denied:
            if original.version == network.version and original in network:
                return f"{original} is in a denied range ({network})"
        if address.is_loopback:
            return None if self.allow_loopback else f"{address} is a loopback address"
        if address.is_multicast or address.is_link_local or address.is_unspecified:
            return f"{address} is a reserved address"
        if address.is_private or not address.is_global:
            return None if self.allow_private else f"{address} is a private or non-public address"
        return None

    def check(self, host: str, addresses: list[str]) -> list[str]:
        """Every address of ``host``, in order, when all are allowed; refused when any is denied (a name that
        also points inside is not trusted at all)."""
        if not addresses:
            raise RemoteUnreachable(f"the host name {host!r} has no addresses", kind="UNKNOWN_HOST")
        for addr in addresses:
            reason = self.refusal(addr)
            if reason:
                raise AddressRefused(
                    f"outbound connections to {host} are not allowed: {reason}", host=host, address=addr
                )
        return list(addresses)
