"""NodePorts published on the host's loopback reach pods in the node namespace."""

from __future__ import annotations

import asyncio
import random
import socket

import pytest

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.nftables import HostNft, NftDataplane
from tinykube.proxy.publish import Publisher
from tinykube.testing.netns_topology import NODE_IP, SERVER_PORT, Topology, http_get

pytestmark = pytest.mark.root

NODE = NodeConfig("node-0", (NODE_IP,))
NP = ServicePortName("default", "np", "", "TCP")


def free_node_port() -> int:
    """A NodePort-range port nothing on the host listens on."""
    for port in random.sample(range(30000, 32768), 50):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in the NodePort range")


async def test_node_port_answers_on_host_loopback(topo: Topology) -> None:
    port, lb_port = free_node_port(), free_node_port()
    info = ServicePortInfo(NP, "10.96.0.30", lb_port, node_port=port,
                           load_balancer_ips=("127.241.0.7",))
    eps = tuple(EndpointInfo(p.ip, SERVER_PORT) for p in topo.pods)
    state = ProxyState({NP: info}, {NP: eps})
    dp = NftDataplane(HostNft(topo.node_ns), NODE)
    upstream = NetnsSockets(topo.node_ns)
    pub = Publisher(NODE, upstream, NetnsSockets(None))
    try:
        await dp.sync(state, None)
        assert await pub.follow(state, None) == set()
        names = {await asyncio.to_thread(http_get, "127.0.0.1", port) for _ in range(30)}
        assert names <= {"pod0", "pod1", "pod2"} and len(names) >= 2
        lb = await asyncio.to_thread(http_get, "127.241.0.7", lb_port)
        assert lb in {"pod0", "pod1", "pod2"}
    finally:
        await pub.close()
        upstream.close()
        await dp.cleanup()
