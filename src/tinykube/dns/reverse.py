"""PTR records under ``in-addr.arpa`` and ``ip6.arpa`` (R23).

One address may belong to several Services at once (a ClusterIP, endpoints of several
Services selecting the same pod), so each Service contributes a ``Source`` per address and
the reverse name is compiled from all the sources of its address, again whenever one of
them changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tinykube.dns import apex, names, wire
from tinykube.dns.config import Config
from tinykube.dns.names import IPAddress, Name
from tinykube.dns.node import RR, Node, Reply
from tinykube.dns.records import Service
from tinykube.dns.rules import Ready


@dataclass(frozen=True)
class Source:
    """What one Service says about one address."""

    cluster_host: Name | None  # the Service name, when the address is its cluster IP
    endpoint_hosts: tuple[Name, ...]  # names of its ready endpoints with that address


def reverse_zone(address: IPAddress) -> Name:
    return names.IN_ADDR_ARPA if address.version == 4 else names.IP6_ARPA


def contributions(svc: Service, base: Name, ready: Iterable[Ready]) -> dict[IPAddress, Source]:
    hosts: dict[IPAddress, list[Name]] = {}
    for r in ready:
        host = (r.label, *base)
        group = hosts.setdefault(r.address, [])
        if host not in group:
            group.append(host)
    out = {ip: Source(None, tuple(h)) for ip, h in hosts.items()}
    for ip in svc.cluster_ips:
        out[ip] = Source(base, out[ip].endpoint_hosts if ip in out else ())
    return out


def targets(sources: Iterable[Source]) -> list[Name]:
    """A cluster IP wins, first Service only (R23.1); otherwise every ready endpoint with
    that address, once per name (R23.2). ``sources`` come in Service-key order."""
    sources = list(sources)
    for source in sources:
        if source.cluster_host is not None:
            return [source.cluster_host]
    return list(dict.fromkeys(h for s in sources for h in s.endpoint_hosts))


def ptr_node(address: IPAddress, hosts: list[Name], cfg: Config) -> Node | None:
    """The reverse name's node, or None: no record falls through to the upstream (R1)."""
    hosts = [h for h in hosts if names.valid(h)]
    if not hosts:
        return None
    answer = tuple(RR(None, wire.PTR, cfg.ttl, (host,)) for host in hosts)
    return Node({wire.PTR: Reply(answer=answer)}, apex.nodata(reverse_zone(address), cfg))
