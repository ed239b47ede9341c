"""IP address and CIDR checks with Go's parsing rules and Kubernetes' messages.

Kubernetes parses addresses with ``netutils.ParseIPSloppy``, which (unlike Python's
``ipaddress``) accepts IPv4 octets with leading zeros (``010.0.0.1`` is 10.0.0.1) and
rejects IPv6 zones (``fe80::1%eth0``). Its special-range tests follow Go's ``net.IP``, which
treats IPv4-mapped IPv6 addresses as IPv4. Leading zeros and mapped forms are accepted but
earn a warning (``GetWarningsForIP``). The allocator can reuse ``parse_ip_sloppy``.
"""

from __future__ import annotations

import ipaddress

from tinykube.api.validation import field
from tinykube.errors import Cause

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
INVALID_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

_LINK_LOCAL_V4 = ipaddress.IPv4Network("169.254.0.0/16")
_LINK_LOCAL_MCAST_V4 = ipaddress.IPv4Network("224.0.0.0/24")


def _parse_v4_sloppy(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        return None
    octets = [int(p) for p in parts]
    if any(o > 255 for o in octets):
        return None
    return ipaddress.IPv4Address(bytes(octets))


def parse_ip_sloppy(text: str) -> IPAddress | None:
    """An address as Go's ``ParseIPSloppy`` reads it, or None."""
    if ":" not in text:
        return _parse_v4_sloppy(text)
    if "%" in text:
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def parse_cidr_sloppy(text: str) -> tuple[IPAddress, IPNetwork] | None:
    """``ParseCIDRSloppy``: the address and its network (host bits allowed), or None."""
    addr_text, sep, bits = text.partition("/")
    addr = parse_ip_sloppy(addr_text)
    if addr is None or not sep or not bits.isascii() or not bits.isdigit():
        return None
    if len(bits) > 1 and bits.startswith("0"):
        return None
    width = 32 if addr.version == 4 else 128
    if int(bits) > width:
        return None
    return addr, ipaddress.ip_network(f"{addr}/{bits}", strict=False)


def unmapped(addr: IPAddress) -> IPAddress:
    """Go's view: an IPv4-mapped IPv6 address is the IPv4 address."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def is_ipv6(text: str) -> bool:
    addr = parse_ip_sloppy(text)
    return addr is not None and unmapped(addr).version == 6


def is_valid_ip(path: str, value: str) -> list[Cause]:
    return [] if parse_ip_sloppy(value) is not None else [field.invalid(path, value, INVALID_IP)]


def is_valid_ipv4(path: str, value: str) -> list[Cause]:
    addr = parse_ip_sloppy(value)
    if addr is None or unmapped(addr).version != 4:
        return [field.invalid(path, value, "must be a valid IPv4 address")]
    return []


def is_valid_ipv6(path: str, value: str) -> list[Cause]:
    addr = parse_ip_sloppy(value)
    if addr is None or unmapped(addr).version != 6:
        return [field.invalid(path, value, "must be a valid IPv6 address")]
    return []


def is_valid_cidr(path: str, value: str) -> list[Cause]:
    if parse_cidr_sloppy(value) is None:
        return [field.invalid(path, value, INVALID_CIDR)]
    return []


def _is_link_local_multicast(addr: IPAddress) -> bool:
    if isinstance(addr, ipaddress.IPv4Address):
        return addr in _LINK_LOCAL_MCAST_V4
    packed = addr.packed
    return packed[0] == 0xFF and packed[1] & 0x0F == 0x02


def validate_non_special_ip(path: str, value: str) -> list[Cause]:
    """``ValidateNonSpecialIP``: no unspecified, loopback or link-local addresses."""
    parsed = parse_ip_sloppy(value)
    if parsed is None:
        return [field.invalid(path, value, "must be a valid IP address")]
    addr = unmapped(parsed)
    errs = []
    if addr.is_unspecified:
        errs.append(field.invalid(path, value, f"may not be unspecified ({value})"))
    if addr.is_loopback:
        errs.append(
            field.invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)")
        )
    link_local = addr in _LINK_LOCAL_V4 if addr.version == 4 else addr.is_link_local
    if link_local:
        errs.append(
            field.invalid(
                path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
            )
        )
    if _is_link_local_multicast(addr):
        errs.append(
            field.invalid(
                path,
                value,
                "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
            )
        )
    return errs


def warnings_for_ip(path: str, value: str) -> list[str]:
    """``GetWarningsForIP``: leading zeros, IPv4-mapped IPv6, non-canonical IPv6."""
    addr = parse_ip_sloppy(value)
    if addr is None:
        return []
    plain = unmapped(addr)
    if str(plain) != value and (addr.version == 4 or plain is not addr):
        return [
            f"{path}: non-standard IP address {_q(value)} will be considered invalid in a "
            f"future Kubernetes release: use {_q(str(plain))}"
        ]
    if addr.version == 6 and str(addr) != value:
        return [
            f"{path}: IPv6 address {_q(value)} should be in RFC 5952 canonical format "
            f"({_q(str(addr))})"
        ]
    return []


def warnings_for_cidr(path: str, value: str) -> list[str]:
    """``GetWarningsForCIDR``: host bits set, leading zeros or mapped forms, non-canonical."""
    parsed = parse_cidr_sloppy(value)
    if parsed is None:
        return []
    addr, net = parsed
    warnings = []
    if addr != net.network_address:
        single = f"{unmapped(addr)}/{net.max_prefixlen}"
        warnings.append(
            f"{path}: CIDR value {_q(value)} is ambiguous in this context (should be "
            f"{_q(str(net))} or {_q(single)}?)"
        )
    addr_text = value.partition("/")[0]
    if str(unmapped(addr)) != addr_text and (addr.version == 4 or unmapped(addr) is not addr):
        warnings.append(
            f"{path}: non-standard CIDR value {_q(value)} will be considered invalid in a "
            f"future Kubernetes release: use {_q(str(net))}"
        )
    if not warnings and addr.version == 6 and str(net.network_address) != addr_text:
        warnings.append(
            f"{path}: IPv6 CIDR value {_q(value)} should be in RFC 5952 canonical format "
            f"({_q(f'{addr}/{net.prefixlen}')})"
        )
    return warnings


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
