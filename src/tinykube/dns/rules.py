"""The names one Service brings into the zone, and what each answers (R10-R22).

``service_nodes`` is pure: a Service, its EndpointSlices and the zone config in; every
name under ``<svc>.<ns>.svc.<zone>`` out. The zone index calls it for the one Service a
change touched and swaps that Service's compiled names, so the cost of a change is the
size of that Service, never the size of the cluster.

ExternalName targets inside the zone are chased here through a ``Resolve`` callback the
zone provides (R22); out-of-zone targets are marked for the server to complete upstream.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from tinykube.dns import apex, names, wire
from tinykube.dns.config import Config
from tinykube.dns.names import IPAddress, Name
from tinykube.dns.node import RR, Node, Reply
from tinykube.dns.records import Port, Service, Slice

# (name, qtype, depth) -> the reply of an in-zone name, or None when out of the zone.
Resolve = Callable[[Name, int, int], Reply | None]

MAX_CHAIN = 8
POD_NAME_MAX = 63


@dataclass(frozen=True)
class Ready:
    """One ready endpoint address with the label it answers under and its slice's ports."""

    label: bytes
    address: IPAddress
    ports: tuple[Port, ...]


@dataclass(frozen=True)
class Target:
    """One SRV candidate before de-duplication (R13)."""

    host: Name
    port: int
    address: IPAddress


def base_name(svc: Service, cfg: Config) -> Name:
    return (svc.name.lower().encode(), svc.namespace.lower().encode(), b"svc", *cfg.zone)


def endpoint_label(address: IPAddress, hostname: str, pod_name: str, cfg: Config) -> bytes:
    """R17: the hostname, else (option) the pod name, else the dashed IP."""
    if hostname:
        return hostname.encode()
    if cfg.endpoint_pod_names and pod_name and len(pod_name) <= POD_NAME_MAX:
        return pod_name.lower().encode()
    return names.dashed(address)


def ready_endpoints(slices: Iterable[Slice], cfg: Config) -> list[Ready]:
    """R16: ready (or unknown) endpoints only, in slice-name order for stable answers."""
    out: list[Ready] = []
    for sl in sorted(slices, key=lambda s: s.name):
        for ep in sl.endpoints:
            if not ep.ready:
                continue
            for address in ep.addresses:
                label = endpoint_label(address, ep.hostname, ep.pod_name, cfg)
                if 0 < len(label) <= names.MAX_LABEL:
                    out.append(Ready(label, address, sl.ports))
    return out


def unique(items: Iterable[IPAddress]) -> list[IPAddress]:
    return list(dict.fromkeys(items))


def srv_reply(targets: list[Target], cfg: Config) -> Reply | None:
    """R13: priority 0, weight floor(100/N) (at least 1), (host, port) collapsed, glue once."""
    if not targets:
        return None
    weight = max(1, 100 // len(targets))
    answer: dict[tuple[Name, int], RR] = {}
    glue: dict[tuple[Name, IPAddress], RR] = {}
    for t in targets:
        rdata = (struct.pack("!HHH", 0, weight, t.port), t.host)
        answer.setdefault((t.host, t.port), RR(None, wire.SRV, cfg.ttl, rdata))
        glue.setdefault((t.host, t.address), apex.address(t.host, t.address, cfg.ttl))
    rrs = tuple(answer.values())
    return Reply(answer=rrs, additional=tuple(glue.values()), rotate=0 if len(rrs) > 1 else -1)


def name_node(addresses: list[IPAddress], targets: list[Target], cfg: Config) -> Node:
    """A/AAAA from the addresses, SRV from the targets; everything else NODATA."""
    replies = apex.addresses(None, addresses, cfg)
    srv = srv_reply([t for t in targets if t.port > 0], cfg)
    if srv is not None:
        replies[wire.SRV] = srv
    return Node(replies, apex.nodata(cfg.zone, cfg))


def port_key(port: Port) -> Name:
    return (b"_" + port.name.encode(), b"_" + port.protocol.encode())


def _cluster_ip_nodes(svc: Service, base: Name, cfg: Config) -> dict[Name, Node]:
    """R10-R14 for a Service with a virtual IP."""
    ips = list(svc.cluster_ips)
    nodes = {base: name_node(ips, [Target(base, p.port, ip) for p in svc.ports for ip in ips],
                             cfg)}
    for port in svc.ports:
        if port.name:
            targets = [Target(base, port.port, ip) for ip in ips]
            nodes[port_key(port) + base] = name_node(ips, targets, cfg)
    return nodes


def _endpoint_targets(ready: list[Ready], base: Name) -> Iterator[tuple[Port, Target]]:
    for r in ready:
        for port in r.ports:
            yield port, Target((r.label, *base), port.port, r.address)


def _endpoint_nodes(ready: list[Ready], base: Name, cfg: Config) -> dict[Name, Node]:
    """R17/R18: ``<label>.<svc>``; several addresses may share a label."""
    by_label: dict[bytes, list[Ready]] = {}
    for r in ready:
        by_label.setdefault(r.label, []).append(r)
    return {(label, *base): _endpoint_node(tuple(group), base, cfg)
            for label, group in by_label.items()}


@functools.lru_cache(maxsize=1 << 16)
def _endpoint_node(group: tuple[Ready, ...], base: Name, cfg: Config) -> Node:
    """Memoised: when one endpoint of a large Service changes, the other endpoints' nodes
    come back as the very same objects, so the zone sees at once that they did not change."""
    targets = [t for _, t in _endpoint_targets(list(group), base)]
    return name_node(unique(r.address for r in group), targets, cfg)


def _headless_nodes(ready: list[Ready], base: Name, cfg: Config) -> dict[Name, Node]:
    """R15, R19, R20: the Service name is the set of ready addresses, or NXDOMAIN."""
    if not ready:
        return {}
    pairs = list(_endpoint_targets(ready, base))
    nodes = {base: name_node(unique(r.address for r in ready), [t for _, t in pairs], cfg)}
    by_port: dict[Name, list[Target]] = {}
    for port, target in pairs:
        if port.name:
            by_port.setdefault(port_key(port), []).append(target)
    for key, targets in by_port.items():
        nodes[key + base] = name_node(unique(t.address for t in targets), targets, cfg)
    return nodes


def service_nodes(svc: Service, ready: list[Ready], cfg: Config,
                  resolve: Resolve) -> dict[Name, Node]:
    """Every name a Service holds, with what each answers; ``ready`` is
    ``ready_endpoints`` of its slices."""
    base = base_name(svc, cfg)
    if not names.valid(base):
        return {}
    if svc.external_name:
        node = external_name_node(svc, base, cfg, resolve, 0)
        return {} if node is None else {base: node}
    nodes = _endpoint_nodes(ready, base, cfg)
    if svc.headless:
        nodes.update(_headless_nodes(ready, base, cfg))
    else:
        nodes.update(_cluster_ip_nodes(svc, base, cfg))
    return {name: node for name, node in nodes.items() if names.valid(name)}


def external_target(svc: Service) -> Name | None:
    """The CNAME target, or None when there is none (an IP literal gives no record, R22)."""
    if names.ip(svc.external_name) is not None:
        return None
    try:
        target = names.from_text(svc.external_name)
    except (ValueError, UnicodeEncodeError):
        return None
    return target or None


def external_name_node(svc: Service, base: Name, cfg: Config, resolve: Resolve,
                       depth: int) -> Node | None:
    """R22: CNAME alone for CNAME, CNAME + target's records for A/AAAA, NODATA otherwise."""
    target = external_target(svc)
    if target is None:
        return None
    cname = RR(None, wire.CNAME, cfg.ttl, (target,))
    replies = {wire.CNAME: Reply(answer=(cname,))}
    for qtype in (wire.A, wire.AAAA):
        replies[qtype] = chase(cname, base, target, qtype, cfg=cfg, resolve=resolve, depth=depth)
    return Node(replies, apex.nodata(cfg.zone, cfg))


def chase(cname: RR, base: Name, target: Name, qtype: int, *, cfg: Config, resolve: Resolve,
          depth: int) -> Reply:
    """Follow a CNAME inside the zone; mark it for the upstream when it leaves the zone.

    As CoreDNS does, a target without records of the type drops the CNAME too (NODATA).
    """
    if target == base or depth >= MAX_CHAIN:
        return apex.nodata(cfg.zone, cfg)
    if not names.is_under(target, cfg.zone):
        return Reply(answer=(cname,), chase=target)
    reply = resolve(target, qtype, depth + 1)
    if reply is None or reply.rcode != wire.NOERROR or not reply.answer:
        return apex.nodata(cfg.zone, cfg)
    rest = tuple(rr.owned_by(target) for rr in reply.answer)
    rotate = reply.rotate + 1 if reply.rotate >= 0 else -1
    return replace(reply, answer=(cname, *rest), additional=(), rotate=rotate)
