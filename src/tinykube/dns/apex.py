"""The names that exist without any Service: the apex, ``svc``/``pod``, namespaces, the
schema TXT and ``ns.dns`` — and the negative answers every other rule falls back on.

R5 (NXDOMAIN vs NODATA with the SOA in authority), R6 (SOA), R7 (NS and glue), R8
(``dns-version`` TXT and its quirks), R9 (namespace nodes), R26 (interior nodes).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from tinykube.dns import wire
from tinykube.dns.config import Config
from tinykube.dns.names import IPAddress, Name
from tinykube.dns.node import RR, Node, Reply

SCHEMA_VERSION = b"1.1.0"
SCHEMA_TTL = 28800
SOA_REFRESH, SOA_RETRY, SOA_EXPIRE = 7200, 1800, 86400


def soa(zone: Name, cfg: Config) -> RR:
    fields = struct.pack("!IIIII", cfg.serial & 0xFFFFFFFF, SOA_REFRESH, SOA_RETRY,
                         SOA_EXPIRE, cfg.ttl)
    rdata = ((b"ns", b"dns", *zone), (b"hostmaster", *zone), fields)
    return RR(zone, wire.SOA, min(cfg.ttl, 300), rdata)


def nodata(zone: Name, cfg: Config) -> Reply:
    return Reply(wire.NOERROR, authority=(soa(zone, cfg),))


def nxdomain(zone: Name, cfg: Config) -> Reply:
    return Reply(wire.NXDOMAIN, authority=(soa(zone, cfg),))


def missing(zone: Name, cfg: Config) -> Node:
    """A name that does not exist; SOA still gets NOERROR (CoreDNS quirk, R6)."""
    return Node({wire.SOA: nodata(zone, cfg)}, nxdomain(zone, cfg))


def address(owner: Name | None, ip: IPAddress, ttl: int) -> RR:
    return RR(owner, wire.A if ip.version == 4 else wire.AAAA, ttl, (ip.packed,))


def addresses(owner: Name | None, ips: Iterable[IPAddress], cfg: Config) -> dict[int, Reply]:
    """A and AAAA replies for a set of addresses, rotating when there are several."""
    replies: dict[int, Reply] = {}
    for rtype in (wire.A, wire.AAAA):
        rrs = tuple(address(owner, ip, cfg.ttl) for ip in ips
                    if (ip.version == 4) == (rtype == wire.A))
        if rrs:
            replies[rtype] = Reply(answer=rrs, rotate=0 if len(rrs) > 1 else -1)
    return replies


def interior(cfg: Config) -> Node:
    """``svc``, ``pod``, ``<ns>.svc``, ``<ns>.pod``: exist, hold nothing; TXT is NXDOMAIN (R8)."""
    return Node({wire.TXT: nxdomain(cfg.zone, cfg)}, nodata(cfg.zone, cfg))


NameServer = tuple[Name, tuple[IPAddress, ...]]


def apex(cfg: Config, servers: Iterable[NameServer]) -> Node:
    """SOA and NS at the zone apex (R6, R7); ``servers`` are the Services serving DNS."""
    servers = list(servers) or [((b"ns", b"dns", *cfg.zone), cfg.ns_addresses)]
    ns_rrs = tuple(RR(None, wire.NS, cfg.ttl, (target,)) for target, _ in servers)
    glue = tuple(address(target, ip, cfg.ttl) for target, ips in servers for ip in ips)
    replies = {
        wire.SOA: Reply(answer=(soa(cfg.zone, cfg),)),
        wire.NS: Reply(answer=ns_rrs, additional=glue),
        wire.TXT: nxdomain(cfg.zone, cfg),
    }
    return Node(replies, nodata(cfg.zone, cfg))


def dns_version(cfg: Config) -> Node:
    """``dns-version.<zone>`` TXT "1.1.0" (R8); other types NXDOMAIN (quirk), SOA NODATA."""
    txt = RR(None, wire.TXT, SCHEMA_TTL, (bytes((len(SCHEMA_VERSION),)) + SCHEMA_VERSION,))
    replies = {wire.TXT: Reply(answer=(txt,)), wire.SOA: nodata(cfg.zone, cfg)}
    return Node(replies, nxdomain(cfg.zone, cfg))


def ns_dns(cfg: Config) -> Node:
    """``ns.dns.<zone>`` answers A/AAAA with the server's own addresses (R7)."""
    return Node(addresses(None, cfg.ns_addresses, cfg), nodata(cfg.zone, cfg))


def fixed_nodes(cfg: Config, servers: Iterable[NameServer]) -> dict[Name, Node]:
    """Every name that exists whatever the cluster holds."""
    z = cfg.zone
    nodes = {
        z: apex(cfg, servers),
        (b"svc", *z): interior(cfg),
        (b"pod", *z): interior(cfg),
        (b"dns-version", *z): dns_version(cfg),
        (b"ns", b"dns", *z): ns_dns(cfg),
    }
    return nodes


def namespace_nodes(namespace: str, cfg: Config) -> dict[Name, Node]:
    """R9: ``<ns>.svc`` exists for an existing namespace; ``<ns>.pod`` unless pods are off."""
    ns = namespace.encode()
    nodes = {(ns, b"svc", *cfg.zone): interior(cfg)}
    if cfg.pods != "disabled":
        nodes[(ns, b"pod", *cfg.zone)] = interior(cfg)
    return nodes
