"""The dataplane contract against real nft and the userspace dataplane, in namespaces."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from tinykube.host.nssocket import NetnsSockets
from tinykube.proxy.dataplane import Dataplane
from tinykube.proxy.model import NodeConfig
from tinykube.proxy.nftables import HostNft, NftDataplane
from tinykube.proxy.userspace.dataplane import UserspaceDataplane
from tinykube.testing.dataplane_contract import CHECKS, DROPPED, REFUSED, Check
from tinykube.testing.netns_topology import (
    CLIENT_IPS,
    NODE_IP,
    SERVER_PORT,
    Topology,
    http_get,
    in_netns,
    usable,
)

pytestmark = pytest.mark.root

NODE = NodeConfig("node-0", (NODE_IP,))


class RealHarness:
    node = NODE
    clients = CLIENT_IPS
    target_port = SERVER_PORT

    def __init__(self, topo: Topology, dataplane: Dataplane) -> None:
        assert topo.client is not None
        self.topo = topo
        self.dataplane = dataplane
        self.pods = tuple(p.ip for p in topo.pods)
        self._by_name = {p.name: p.ip for p in topo.pods}
        self._client_ns = topo.client.netns

    def vip(self, i: int) -> str:
        return f"10.96.0.{20 + i}"

    async def connect(self, ip: str, port: int, *, client: int = 0, udp: bool = False) -> str:
        source = self.clients[client]

        def tcp() -> str:
            try:
                return self._by_name[http_get(ip, port, source=source, timeout=0.4)]
            except ConnectionRefusedError:
                return REFUSED
            except TimeoutError:
                return DROPPED

        def datagram() -> str:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(0.5)
                s.bind((source, 0))
                s.sendto(b"?", (ip, port))
                try:
                    return self._by_name[s.recv(100).decode()]
                except ConnectionRefusedError:
                    return REFUSED
                except TimeoutError:
                    return DROPPED

        return await asyncio.to_thread(in_netns, self._client_ns, datagram if udp else tcp)


@pytest.fixture(scope="module")
def local_route_topo() -> Iterator[Topology]:
    why = usable()
    if why is not None:
        pytest.skip(why)
    t = Topology.create(local_service_range="10.96.0.0/12")
    try:
        yield t
    finally:
        t.destroy()


@pytest.fixture(params=["nft", "userspace"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[RealHarness]:
    dp: NftDataplane | UserspaceDataplane
    sockets: NetnsSockets | None = None
    if request.param == "nft":
        topo: Topology = request.getfixturevalue("topo")
        dp = NftDataplane(HostNft(topo.node_ns), NODE)
    else:
        topo = request.getfixturevalue("local_route_topo")
        sockets = NetnsSockets(topo.node_ns)
        dp = UserspaceDataplane(NODE, sockets)
    try:
        yield RealHarness(topo, dp)
    finally:
        await dp.cleanup()
        if sockets is not None:
            sockets.close()


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
async def test_contract(harness: RealHarness, check: Check) -> None:
    await check(harness)
