"""``describe service`` and ``describe endpoints`` in kubectl 1.32's layout.

The Service page is kubectl's ``describeService``: selector, type, IP family policy and
families, ``IP``/``IPs``, one ``Port``/``TargetPort``/``NodePort``/``Endpoints`` group per
port, session affinity, traffic policies and events. ``Endpoints:`` comes from the
Service's EndpointSlices (``kubernetes.io/service-name``) as kubectl 1.32 reads it: ready
addresses of the slices' ports with that port's name, three at most and ``+ N more...``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.cli.describe.writer import (
    PrefixWriter,
    events,
    labels_and_annotations,
)
from tinykube.cli.printers import labels_text

MAX_ENDPOINTS = 3


def render(svc: Obj, slices: list[Obj] | None, evts: list[Obj] | None, now: datetime) -> str:
    md, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    status = svc.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_and_annotations(w, md)
    w.write(0, f"Selector:\t{labels_text(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    _addresses(w, spec, status)
    for port in spec.get("ports") or []:
        _port(w, port, slices)
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    _policies(w, spec)
    if evts is not None:
        events(w, evts, now)
    return w.text()


def _addresses(w: PrefixWriter, spec: Obj, status: Obj) -> None:
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{_ingress(ingress)}\n")


def _ingress(ingress: list[Obj]) -> str:
    parts = []
    for i in ingress:
        if i.get("ip"):
            parts.append(i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else ""))
        else:
            parts.append(str(i.get("hostname") or ""))
    return ", ".join(parts)


def _port(w: PrefixWriter, port: Obj, slices: list[Obj] | None) -> None:
    name = port.get("name") or "<unset>"
    protocol = port.get("protocol", "")
    w.write(0, f"Port:\t{name}\t{port.get('port', '')}/{protocol}\n")
    target = port.get("targetPort", "")
    w.write(0, f"TargetPort:\t{target}/{protocol}\n")
    if port.get("nodePort"):
        w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
    w.write(0, f"Endpoints:\t{endpoint_slices_text(slices, {port.get('name') or ''})}\n")


def _policies(w: PrefixWriter, spec: Obj) -> None:
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")


def endpoint_slices_text(slices: list[Obj] | None, ports: set[str] | None) -> str:
    """kubectl's ``formatEndpointSlices``: ``ip:port,...`` of ready endpoints, three at
    most; like kubectl, "more" is decided by any further endpoint, ready or not."""
    if not slices:
        return "<none>"
    shown: list[str] = []
    more, count = False, 0
    for addr, port, ready in _candidates(slices, ports):
        if len(shown) == MAX_ENDPOINTS:
            more = True
        if not ready:
            continue
        if not more:
            shown.append(addr if port is None else _host_port(addr, port))
        count += 1
    text = ",".join(shown)
    return f"{text} + {count - MAX_ENDPOINTS} more..." if more else text


def _candidates(slices: list[Obj], ports: set[str] | None) -> list[tuple[str, Any, bool]]:
    out: list[tuple[str, Any, bool]] = []
    for s in slices:
        endpoints = [e for e in s.get("endpoints") or [] if e.get("addresses")]
        slice_ports = s.get("ports") or []
        if not slice_ports:
            out.extend((e["addresses"][0], None, _is_ready(e)) for e in endpoints)
            continue
        for p in slice_ports:
            if ports is None or (p.get("name") or "") in ports:
                out.extend((e["addresses"][0], p.get("port"), _is_ready(e)) for e in endpoints)
    return out


def _is_ready(endpoint: Obj) -> bool:
    return (endpoint.get("conditions") or {}).get("ready") is not False


def _host_port(addr: str, port: Any) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def render_endpoints(ep: Obj, evts: list[Obj] | None, now: datetime) -> str:
    """kubectl's ``describeEndpoints``: one block of addresses and ports per subset."""
    md = ep.get("metadata") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_and_annotations(w, md)
    w.write(0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in subset["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port', '')}\t"
                           f"{p.get('protocol', '')}\n")
        w.write(0, "\n")
    if evts is not None:
        events(w, evts, now)
    return w.text()
