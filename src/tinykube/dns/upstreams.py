"""Where names outside the zone go: the user's ``--dns-upstream`` or the host's resolvers.

The forwarder's sockets live in the process's own network namespace (the host's), so the
host's ``/etc/resolv.conf`` works as it is, loopback stubs (systemd-resolved's 127.0.0.53)
included. What can never work is dropped with one log line saying why, rather than costing
every forwarded query a timeout: an unspecified, multicast or broadcast address, an IPv6
link-local address without its ``%interface``, or the server itself (a server listening in
the forwarder's namespace on the resolver's address and port would forward to itself).
With no upstream left, names outside the zone get SERVFAIL at once.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence

from tinykube.dns import resolvconf
from tinykube.errors import ConfigError

log = logging.getLogger(__name__)

Upstream = tuple[str, int]
DNS_PORT = 53


def parse(text: str) -> Upstream:
    """``ADDRESS[:PORT]`` (``[v6]:PORT`` for IPv6 with a port; ``ADDRESS#PORT`` as dig and
    dnsmasq write it) as an upstream; ``ConfigError`` otherwise."""
    raw = text.strip()
    host, port = raw, str(DNS_PORT)
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ConfigError(f"invalid DNS upstream {text!r}: expected [ADDRESS]:PORT")
        port = rest[1:] or port
    elif "#" in raw:
        host, port = raw.split("#", 1)
    elif raw.count(":") == 1:
        host, port = raw.split(":", 1)
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise ConfigError(f"invalid DNS upstream {text!r}: expected an IP address and an "
                          "optional port, e.g. 1.1.1.1 or 127.0.0.1:5353") from None
    if not 0 < number < 65536:
        raise ConfigError(f"invalid DNS upstream {text!r}: port out of range")
    return host, number


def rejection(upstream: Upstream, *, own: Upstream | None = None) -> str | None:
    """Why forwarding to ``upstream`` cannot work, or None. ``own``: the server's address
    when it listens in the forwarder's namespace."""
    host, port = upstream
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return "not an IP address"
    if not 0 < port < 65536:
        return "port out of range"
    if addr.is_unspecified:
        return "unspecified address"
    if addr.is_multicast or (addr.version == 4 and host == "255.255.255.255"):
        return "not a unicast address"
    if isinstance(addr, ipaddress.IPv6Address) and addr.is_link_local and not addr.scope_id:
        return "IPv6 link-local address without a %interface"
    if own is not None and port == own[1]:
        mine = ipaddress.ip_address(own[0])
        if addr == mine or (mine.is_unspecified and addr.is_loopback):
            return "this DNS server itself (forwarding would loop)"
    return None


def usable(candidates: Iterable[Upstream], *, own: Upstream | None = None
           ) -> tuple[list[Upstream], list[tuple[Upstream, str]]]:
    """The candidates that can work (first occurrence, in order) and the others with why."""
    kept: list[Upstream] = []
    dropped: list[tuple[Upstream, str]] = []
    for upstream in candidates:
        if upstream in kept:
            continue
        why = rejection(upstream, own=own)
        if why is None:
            kept.append(upstream)
        else:
            dropped.append((upstream, why))
    return kept, dropped


def choose(explicit: Sequence[Upstream] | None, *, resolv_conf: str = resolvconf.DEFAULT_PATH,
           own: Upstream | None = None) -> list[Upstream]:
    """The forwarder's upstreams: ``explicit`` when given, else the host's resolv.conf;
    what cannot work is logged and left out."""
    source = "--dns-upstream" if explicit is not None else resolv_conf
    candidates = list(explicit) if explicit is not None else resolvconf.read(resolv_conf)
    kept, dropped = usable(candidates, own=own)
    for (host, port), why in dropped:
        log.warning("dns upstream=%s port=%d from %s ignored: %s", host, port, source, why)
    if kept:
        log.info("dns forwards to %s (from %s)",
                 ", ".join(f"{h}:{p}" for h, p in kept), source)
    else:
        log.warning("dns has no usable upstream in %s: names outside the zone get SERVFAIL",
                    source)
    return kept
