"""From the API's lists to what ``status`` shows: counts, NodePorts and nodes.

Pure: the lists come in as objects; whether a node's namespace exists is asked through a
function, so the tests need no ``/run/netns``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from tinykube.agent.config import AgentConfig
from tinykube.api.meta import Obj
from tinykube.cli.age import parse
from tinykube.cmd.status.facts import Counts, NodeFacts, NodePort
from tinykube.host import netns

NODEPORT_TYPES = ("NodePort", "LoadBalancer")


def counts(lists: Mapping[str, list[Obj]]) -> Counts:
    """Counts of the lists named ``namespaces``, ``nodes``, ``services``, ``pods``,
    ``endpoints`` and ``endpointslices`` (a missing list counts nothing)."""
    services = lists.get("services", [])
    pods = lists.get("pods", [])
    nodes = lists.get("nodes", [])
    return Counts(
        namespaces=len(lists.get("namespaces", [])),
        nodes=len(nodes),
        nodes_ready=sum(condition(n, "Ready") == "True" for n in nodes),
        services=dict(sorted(Counter(service_type(s) for s in services).items())),
        headless=sum(_spec(s).get("clusterIP") == "None" for s in services),
        pods=dict(sorted(Counter(_status(p).get("phase") or "Unknown" for p in pods).items())),
        pods_ready=sum(condition(p, "Ready") == "True" for p in pods),
        endpoints=len(lists.get("endpoints", [])),
        endpointslices=len(lists.get("endpointslices", [])),
    )


def service_type(svc: Obj) -> str:
    return str(_spec(svc).get("type") or "ClusterIP")


def node_ports(services: Iterable[Obj]) -> tuple[NodePort, ...]:
    """Every allocated NodePort of a NodePort or LoadBalancer Service, by port number."""
    found = []
    for svc in services:
        kind = service_type(svc)
        if kind not in NODEPORT_TYPES:
            continue
        meta = svc.get("metadata") or {}
        for p in _spec(svc).get("ports") or []:
            if p.get("nodePort"):
                found.append(NodePort(str(meta.get("namespace", "")), str(meta.get("name", "")),
                                      kind, int(p.get("port", 0)),
                                      str(p.get("protocol") or "TCP"), int(p["nodePort"])))
    return tuple(sorted(found, key=lambda n: (n.node_port, n.protocol)))


def node_facts(node: Obj, netns_exists: Callable[[str], bool]) -> NodeFacts:
    """A Node as ``status`` shows it, with whether its network namespace exists here."""
    name = str((node.get("metadata") or {}).get("name", ""))
    ready = _condition(node, "Ready")
    path = netns_path(name)
    return NodeFacts(
        name=name,
        ready=str(ready.get("status") or "Unknown"),
        reason=str(ready.get("reason") or ""),
        heartbeat=parse(ready.get("lastHeartbeatTime")),
        ready_since=parse(ready.get("lastTransitionTime")),
        pod_cidr=str(_spec(node).get("podCIDR") or ""),
        ip=_internal_ip(node),
        netns=path,
        netns_exists=netns_exists(path),
    )


def netns_path(node_name: str) -> str:
    """Where the network namespace the agent makes for a node of that name is bound."""
    return netns.path(AgentConfig(state_dir=Path(), node_name=node_name).node_netns)


def condition(obj: Obj, type_: str) -> str:
    """The status of ``obj``'s condition ``type_``, or "" when it has none."""
    return str(_condition(obj, type_).get("status") or "")


def _condition(obj: Obj, type_: str) -> Obj:
    for c in _status(obj).get("conditions") or []:
        if c.get("type") == type_:
            return dict(c)
    return {}


def _internal_ip(node: Obj) -> str:
    for a in _status(node).get("addresses") or []:
        if a.get("type") == "InternalIP":
            return str(a.get("address", ""))
    return ""


def _spec(obj: Obj) -> Obj:
    return dict(obj.get("spec") or {})


def _status(obj: Obj) -> Obj:
    return dict(obj.get("status") or {})
