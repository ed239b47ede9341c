"""Counts, NodePorts and nodes from API lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tinykube.cmd.status import tally

Obj = dict[str, Any]


def _svc(name: str, type_: str = "", *, cluster_ip: str = "10.96.0.5",
         ports: list[Obj] | None = None, ns: str = "default") -> Obj:
    spec: Obj = {"clusterIP": cluster_ip, "ports": ports or []}
    if type_:
        spec["type"] = type_
    return {"metadata": {"name": name, "namespace": ns}, "spec": spec}


def _pod(phase: str | None, ready: bool) -> Obj:
    status: Obj = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if phase:
        status["phase"] = phase
    return {"metadata": {"name": "p"}, "status": status}


def _node(name: str, ready: str = "True") -> Obj:
    return {
        "metadata": {"name": name},
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {
            "addresses": [{"type": "Hostname", "address": name},
                          {"type": "InternalIP", "address": "172.18.0.2"}],
            "conditions": [{"type": "Ready", "status": ready, "reason": "KubeletReady",
                            "lastHeartbeatTime": "2024-05-01T10:00:05Z",
                            "lastTransitionTime": "2024-05-01T09:00:00Z"}],
        },
    }


def test_counts_by_type_phase_and_readiness() -> None:
    c = tally.counts({
        "namespaces": [{}, {}, {}],
        "nodes": [_node("a"), _node("b", "Unknown")],
        "services": [_svc("a"), _svc("h", cluster_ip="None"), _svc("n", "NodePort"),
                     _svc("x", "ExternalName", cluster_ip="")],
        "pods": [_pod("Running", True), _pod("Running", False), _pod("Pending", False),
                 _pod(None, False)],
        "endpoints": [{}, {}],
        "endpointslices": [{}],
    })
    assert (c.namespaces, c.nodes, c.nodes_ready) == (3, 2, 1)
    assert c.services == {"ClusterIP": 2, "ExternalName": 1, "NodePort": 1}
    assert c.headless == 1
    assert c.pods == {"Pending": 1, "Running": 2, "Unknown": 1}
    assert c.pods_ready == 1
    assert (c.endpoints, c.endpointslices) == (2, 1)


def test_missing_lists_count_nothing() -> None:
    c = tally.counts({})
    assert (c.namespaces, c.services, c.pods, c.endpoints) == (0, {}, {}, 0)


def test_node_ports_of_node_port_and_load_balancer_services_only() -> None:
    ports = tally.node_ports([
        _svc("lb", "LoadBalancer", ports=[{"port": 443, "nodePort": 31000},
                                           {"port": 53, "protocol": "UDP", "nodePort": 30053}]),
        _svc("np", "NodePort", ns="qa", ports=[{"port": 80, "nodePort": 30080}]),
        _svc("cip", ports=[{"port": 80, "nodePort": 30999}]),  # not published: ClusterIP
        _svc("lb2", "LoadBalancer", ports=[{"port": 80}]),  # allocateLoadBalancerNodePorts
    ])
    assert [(p.node_port, p.protocol, p.namespace, p.service, p.port, p.type)
            for p in ports] == [
        (30053, "UDP", "default", "lb", 53, "LoadBalancer"),
        (30080, "TCP", "qa", "np", 80, "NodePort"),
        (31000, "TCP", "default", "lb", 443, "LoadBalancer"),
    ]


def test_node_facts() -> None:
    seen: list[str] = []

    def exists(path: str) -> bool:
        seen.append(path)
        return True

    n = tally.node_facts(_node("tinykube-control-plane"), exists)
    assert n.name == "tinykube-control-plane"
    assert (n.ready, n.reason) == ("True", "KubeletReady")
    assert n.heartbeat == datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    assert n.ready_since == datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
    assert (n.pod_cidr, n.ip) == ("10.244.0.0/24", "172.18.0.2")
    assert n.netns == "/run/netns/tinykube-control-plane" and n.netns_exists
    assert seen == [n.netns]


def test_a_node_without_conditions_is_unknown_and_gets_the_prefixed_netns() -> None:
    n = tally.node_facts({"metadata": {"name": "worker"}}, lambda _: False)
    assert (n.ready, n.heartbeat, n.pod_cidr, n.ip) == ("Unknown", None, "", "")
    assert n.netns == "/run/netns/tinykube-worker" and not n.netns_exists
