"""Which UDP conntrack entries a sync made stale (kube-proxy's ``CleanStaleEntries``).

UDP has no connection to end, so conntrack keeps a client's DNAT to an endpoint for as
long as the client keeps sending. Two cases need entries deleted after the rules change:

- an endpoint stopped being usable for a UDP service port: delete entries DNATed to it
  through the ClusterIP, external IPs, LB IPs and the NodePort;
- a UDP service port went from no usable endpoint to some (or is new): delete entries to
  its addresses, which were created while it rejected and would keep doing so;
- a UDP service port was removed: delete entries to its ClusterIP.

Pure: it compares the ports as last programmed with the ports now, only for changed ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tinykube.host.conntrack import UdpFlowFilter
from tinykube.proxy.model import EndpointInfo, ServicePortInfo
from tinykube.proxy.serviceplan import categorize

Programmed = tuple[ServicePortInfo, tuple[EndpointInfo, ...]]


def usable(info: ServicePortInfo, eps: Sequence[EndpointInfo]) -> frozenset[str]:
    """Endpoint IPs some chain of this port may DNAT to."""
    return frozenset(e.ip for e in categorize(info, eps).reachable)


def _vips(info: ServicePortInfo) -> tuple[str, ...]:
    return (info.cluster_ip, *info.external_ips, *info.load_balancer_ips)


def stale_filters(pairs: Iterable[tuple[Programmed | None, Programmed | None]]
                  ) -> list[UdpFlowFilter]:
    """Filters for every (before, after) pair of a changed UDP service port."""
    out: set[UdpFlowFilter] = set()
    for before, after in pairs:
        either = after or before
        if either is None or either[0].protocol != "UDP":
            continue
        old = usable(*before) if before else frozenset()
        new = usable(*after) if after else frozenset()
        if before and not after:
            out.add(UdpFlowFilter(orig_dst=before[0].cluster_ip))
        if after and new and not old:
            out.update(UdpFlowFilter(orig_dst=ip) for ip in _vips(after[0]))
            if after[0].node_port:
                out.add(UdpFlowFilter(orig_port_dst=after[0].node_port))
        if before:
            for ep in sorted(old - new):
                out.update(UdpFlowFilter(orig_dst=ip, dst_nat=ep) for ip in _vips(before[0]))
                if before[0].node_port:
                    out.add(UdpFlowFilter(orig_port_dst=before[0].node_port, dst_nat=ep))
    return sorted(out)
