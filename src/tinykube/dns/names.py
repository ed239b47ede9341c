"""Domain names as the DNS component holds them, and the name shapes Kubernetes defines.

A name is a tuple of lowercase labels without the root (``(b"web-0", b"nginx", ...)``);
its wire form is what the compiled answers are keyed by. This module also knows the
Kubernetes-specific spellings: the dashed-IP endpoint label (R17), the pod label decoding
(R24) and the reverse names under ``in-addr.arpa`` / ``ip6.arpa`` (R23). It does no I/O
and knows nothing about records.
"""

from __future__ import annotations

import ipaddress

Name = tuple[bytes, ...]

MAX_NAME = 255
MAX_LABEL = 63

IN_ADDR_ARPA: Name = (b"in-addr", b"arpa")
IP6_ARPA: Name = (b"ip6", b"arpa")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def from_text(text: str) -> Name:
    """``"Web-0.Nginx.default."`` -> ``(b"web-0", b"nginx", b"default")``; raises ValueError."""
    text = text.rstrip(".")
    if not text:
        return ()
    labels = tuple(label.lower().encode("ascii") for label in text.split("."))
    check(labels)
    return labels


def check(name: Name) -> None:
    """Raise ValueError unless every label is 1..63 bytes and the name fits in 255."""
    if any(not 0 < len(label) <= MAX_LABEL for label in name):
        raise ValueError(f"bad label in {to_text(name)!r}")
    if wire_length(name) > MAX_NAME:
        raise ValueError(f"name too long: {to_text(name)!r}")


def valid(name: Name) -> bool:
    try:
        check(name)
    except ValueError:
        return False
    return True


def to_text(name: Name) -> str:
    return ".".join(label.decode("ascii", "replace") for label in name) + "."


def to_wire(name: Name) -> bytes:
    return b"".join(bytes((len(label),)) + label for label in name) + b"\x00"


def wire_length(name: Name) -> int:
    return sum(len(label) + 1 for label in name) + 1


def from_wire(wire: bytes) -> Name:
    """Split an uncompressed wire name (as a compiled key) back into labels."""
    labels: list[bytes] = []
    pos = 0
    while wire[pos]:
        size = wire[pos]
        labels.append(wire[pos + 1 : pos + 1 + size])
        pos += size + 1
    return tuple(labels)


def is_under(name: Name, zone: Name) -> bool:
    """Whole-label suffix match (names are lowercase already)."""
    return len(name) >= len(zone) and name[len(name) - len(zone) :] == zone


def ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def dashed(address: IPAddress) -> bytes:
    """The endpoint label CoreDNS derives from an address (R17): ``10-244-1-20``,
    ``fd00-17--2``; an IPv6 label ending in ``-`` gets a ``0``."""
    if address.version == 4:
        return str(address).replace(".", "-").encode()
    label = str(address).replace(":", "-")
    if label.endswith("-"):
        label += "0"
    return label.encode()


def decode_pod_label(label: bytes) -> IPAddress | None:
    """R24: IPv4 when the label has exactly three ``-`` and no ``--``, else IPv6."""
    try:
        text = label.decode("ascii")
    except UnicodeDecodeError:
        return None
    if text.count("-") == 3 and "--" not in text:
        return ip(text.replace("-", "."))
    return ip(text.replace("-", ":"))


def reverse(address: IPAddress) -> Name:
    """``10.96.0.10`` -> ``10.0.96.10.in-addr.arpa``; IPv6 as 32 nibbles under ip6.arpa."""
    if address.version == 4:
        return tuple(str(octet).encode() for octet in reversed(address.packed)) + IN_ADDR_ARPA
    nibbles = address.packed.hex()
    return tuple(n.encode() for n in reversed(nibbles)) + IP6_ARPA


def parse_reverse(name: Name) -> IPAddress | None:
    """The address a full-length reverse name stands for, else None."""
    if is_under(name, IN_ADDR_ARPA) and len(name) == 6:
        parts = [label.decode("ascii", "replace") for label in reversed(name[:4])]
        if all(p.isdigit() and (p == "0" or not p.startswith("0")) for p in parts):
            return ip(".".join(parts))
        return None
    if is_under(name, IP6_ARPA) and len(name) == 34:
        nibbles = b"".join(reversed(name[:32]))
        if all(len(label) == 1 for label in name[:32]):
            try:
                return ipaddress.IPv6Address(bytes.fromhex(nibbles.decode("ascii")))
            except ValueError:
                return None
    return None


def strip_underscore(label: bytes) -> bytes:
    """R2.6: ``_http`` and ``http`` name the same port."""
    return label[1:] if label.startswith(b"_") else label
