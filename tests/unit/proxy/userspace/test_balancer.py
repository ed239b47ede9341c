"""Endpoint choice of the userspace dataplane."""

from __future__ import annotations

import random

from tinykube.proxy.model import EndpointInfo, NodeConfig, ServicePortInfo, ServicePortName
from tinykube.proxy.userspace.balancer import Balancer, Choice

NODE = NodeConfig("node-0", ("172.18.0.2",))
SPN = ServicePortName("default", "web", "", "TCP")
LOCAL = EndpointInfo("10.244.0.2", 80, local=True)
REMOTE = EndpointInfo("10.244.1.2", 80, local=False)


def balancer(info: ServicePortInfo, *eps: EndpointInfo) -> Balancer:
    b = Balancer(NODE, random.Random(1))
    b.update(info, eps)
    return b


def test_uniform_random_over_ready_endpoints() -> None:
    b = balancer(ServicePortInfo(SPN, "10.96.0.20", 80), LOCAL, REMOTE)
    picks = [b.pick("10.244.0.9", external=False, now=0) for _ in range(200)]
    assert 60 < picks.count(LOCAL) < 140


def test_affinity_is_refreshed_and_expires() -> None:
    info = ServicePortInfo(SPN, "10.96.0.20", 80, session_affinity_timeout=10)
    b = balancer(info, LOCAL, REMOTE)
    first = b.pick("10.244.0.9", external=False, now=0)
    assert all(b.pick("10.244.0.9", external=False, now=t) == first for t in range(1, 50, 5))
    later = {b.pick("10.244.0.9", external=False, now=1000 + 20 * i) for i in range(30)}
    assert later == {LOCAL, REMOTE}


def test_affinity_to_a_removed_endpoint_is_forgotten() -> None:
    info = ServicePortInfo(SPN, "10.96.0.20", 80, session_affinity_timeout=100)
    b = balancer(info, LOCAL, REMOTE)
    first = b.pick("10.244.0.9", external=False, now=0)
    other = REMOTE if first == LOCAL else LOCAL
    b.update(info, [other])
    assert b.pick("10.244.0.9", external=False, now=1) == other


def test_external_local_policy_short_circuits_pods_and_the_node() -> None:
    info = ServicePortInfo(SPN, "10.96.0.20", 80, node_port=30080, external_policy_local=True)
    b = balancer(info, REMOTE)
    assert b.pick("192.0.2.7", external=True, now=0) is Choice.DROP
    assert b.pick("10.244.0.9", external=True, now=0) == REMOTE
    assert b.pick("172.18.0.2", external=True, now=0) == REMOTE
    assert b.has_endpoints


def test_no_usable_endpoint_means_no_listener() -> None:
    b = balancer(ServicePortInfo(SPN, "10.96.0.20", 80),
                 EndpointInfo("10.244.0.2", 80, ready=False, serving=False))
    assert not b.has_endpoints
