"""Client addresses and IP allow-lists (CIDRs, IPv4 and IPv6).

``X-Forwarded-For`` is anyone's to write, so it is believed only when the connection comes
from a configured trusted proxy; then the client is the right-most address in the header that
is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from ..errors import InvalidInputError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: object) -> list[Network]:
    """CIDR strings (``10.0.0.0/8``, ``2001:db8::/32``, a bare address) as networks."""
    if not isinstance(cidrs, list):
        raise InvalidInputError("ip_allow must be a list of CIDRs such as 10.0.0.0/8.")
    try:
        return [ipaddress.ip_network(str(c).strip(), strict=False) for c in cidrs]
    except ValueError as e:
        raise InvalidInputError(f"Not an IP network: {e}") from e


def check_allow_list(cidrs: object) -> list[str] | None:
    """``cidrs`` normalised (None or empty: every address), or an InvalidInputError."""
    if cidrs is None:
        return None
    return [str(n) for n in parse_networks(cidrs)] or None


def ip_allowed(ip: str, cidrs: Sequence[str] | None) -> bool:
    """Whether ``ip`` is in one of ``cidrs`` (no list: every address is)."""
    if not cidrs:
        return True
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return any(addr in ipaddress.ip_network(c, strict=False) for c in cidrs)


def client_ip(peer: str, forwarded_for: str | None, trusted_proxies: Sequence[str]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy that forwarded the
    request, then the right-most untrusted address of ``X-Forwarded-For``."""
    if not forwarded_for or not trusted_proxies or not ip_allowed(peer, trusted_proxies):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not ip_allowed(hop, trusted_proxies):
            return hop
    return peer
