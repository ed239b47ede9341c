"""The nftables dataplane with the real nft, in namespaces with real pods and traffic."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from tinykube.api import kinds
from tinykube.host import nft
from tinykube.machinery.factory import InformerFactory
from tinykube.proxy import layout, names
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.nftables import HostNft, NftDataplane
from tinykube.proxy.proxier import Proxier
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.netns_topology import (
    CLIENT_IPS,
    NODE_IP,
    SERVER_PORT,
    Topology,
    http_get,
    in_netns,
)
from tinykube.testing.proxy_objects import endpoint, endpoint_slice, service
from tinykube.testing.wait import eventually

pytestmark = pytest.mark.root

NODE = NodeConfig("node-0", (NODE_IP,))
WEB = ServicePortName("default", "web", "", "TCP")
VIP = "10.96.0.20"


def web_state(topo: Topology, pods: range | list[int] = range(3), *, affinity: int = 0,
              node_port: int = 0, itp_local: bool = False, local: bool = True,
              protocol: str = "TCP", port: int = 80) -> ProxyState:
    spn = ServicePortName("default", "web", "", protocol)
    info = ServicePortInfo(spn, VIP, port, node_port=node_port,
                           session_affinity_timeout=affinity, internal_policy_local=itp_local)
    eps = tuple(EndpointInfo(topo.pods[i].ip, SERVER_PORT, node_name="node-0", local=local)
                for i in pods)
    return ProxyState({spn: info}, {spn: eps} if eps else {})


@pytest.fixture
async def dataplane(topo: Topology) -> AsyncIterator[NftDataplane]:
    dp = NftDataplane(HostNft(topo.node_ns), NODE)
    try:
        yield dp
    finally:
        await dp.cleanup()


async def from_client(topo: Topology, n: int, ip: str = VIP, port: int = 80,
                      source: str = "") -> Counter[str]:
    assert topo.client is not None
    ns = topo.client.netns

    def run() -> Counter[str]:
        return Counter(http_get(ip, port, source=source) for _ in range(n))

    return await asyncio.to_thread(in_netns, ns, run)


async def outcome(topo: Topology, ns: str, ip: str, port: int, timeout: float = 2.0) -> str:
    def run() -> str:
        try:
            return http_get(ip, port, timeout=timeout)
        except ConnectionRefusedError:
            return "refused"
        except TimeoutError:
            return "timeout"

    return await asyncio.to_thread(in_netns, ns, run)


async def test_300_new_connections_reach_every_pod(topo: Topology,
                                                   dataplane: NftDataplane) -> None:
    await dataplane.sync(web_state(topo), None)
    counts = await from_client(topo, 300)
    assert set(counts) == {"pod0", "pod1", "pod2"}
    assert all(c >= 45 for c in counts.values()), counts


async def test_client_ip_affinity_keeps_each_client_on_one_pod(
        topo: Topology, dataplane: NftDataplane) -> None:
    await dataplane.sync(web_state(topo, affinity=60), None)
    for source in CLIENT_IPS:
        counts = await from_client(topo, 30, source=source)
        assert len(counts) == 1, counts


async def test_no_endpoints_and_unused_ports_are_refused(topo: Topology,
                                                         dataplane: NftDataplane) -> None:
    assert topo.client is not None
    await dataplane.sync(web_state(topo, []), None)
    assert await outcome(topo, topo.client.netns, VIP, 80) == "refused"
    await dataplane.sync(web_state(topo), None)
    assert await outcome(topo, topo.client.netns, VIP, 81) == "refused"
    assert await outcome(topo, topo.client.netns, VIP, 80) in {"pod0", "pod1", "pod2"}


async def test_a_pod_reaches_itself_through_its_service(topo: Topology,
                                                        dataplane: NftDataplane) -> None:
    await dataplane.sync(web_state(topo, [0]), None)
    assert await outcome(topo, topo.pods[0].netns, VIP, 80) == "pod0"


async def test_a_removed_endpoint_gets_no_new_connections_after_the_next_sync(
        topo: Topology, dataplane: NftDataplane) -> None:
    await dataplane.sync(web_state(topo), None)
    assert "pod2" in await from_client(topo, 60)
    await dataplane.sync(web_state(topo, [0, 1]), {WEB})
    assert dataplane.last_transaction is not None and not dataplane.last_transaction.full
    counts = await from_client(topo, 60)
    assert "pod2" not in counts and set(counts) == {"pod0", "pod1"}


async def test_node_port_on_the_node_ip(topo: Topology, dataplane: NftDataplane) -> None:
    await dataplane.sync(web_state(topo, node_port=30080), None)
    counts = await from_client(topo, 20, ip=NODE_IP, port=30080)
    assert set(counts) <= {"pod0", "pod1", "pod2"} and sum(counts.values()) == 20


async def test_internal_policy_local_without_local_endpoints_drops(
        topo: Topology, dataplane: NftDataplane) -> None:
    assert topo.client is not None
    await dataplane.sync(web_state(topo, itp_local=True, local=False), None)
    assert await outcome(topo, topo.client.netns, VIP, 80, timeout=0.5) == "timeout"


async def test_udp_flows_move_when_their_endpoint_is_removed(
        topo: Topology, dataplane: NftDataplane) -> None:
    assert topo.client is not None
    udp = ServicePortName("default", "web", "", "UDP")
    await dataplane.sync(web_state(topo, [0], protocol="UDP", port=53), None)

    def exchange(sock: socket.socket) -> str:
        sock.sendto(b"?", (VIP, 53))
        return sock.recv(100).decode()

    def open_socket() -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.bind((CLIENT_IPS[0], 40053))
        return s

    sock = await asyncio.to_thread(in_netns, topo.client.netns, open_socket)
    try:
        assert await asyncio.to_thread(exchange, sock) == "pod0"
        await dataplane.sync(web_state(topo, [1], protocol="UDP", port=53), {udp})
        # the same 5-tuple: without the conntrack cleanup it would stay on pod0
        assert await asyncio.to_thread(exchange, sock) == "pod1"
    finally:
        sock.close()


def many_services(topo: Topology, n: int) -> ProxyState:
    """Service i at 10.96.1.i goes to pod i % 3 alone."""
    services, endpoints = {}, {}
    for i in range(n):
        spn = ServicePortName("default", f"s{i}", "", "TCP")
        services[spn] = ServicePortInfo(spn, f"10.96.1.{i}", 80)
        endpoints[spn] = (EndpointInfo(topo.pods[i % 3].ip, SERVER_PORT, node_name="node-0",
                                       local=True),)
    return ProxyState(services, endpoints)


async def listed(topo: Topology) -> dict[str, nft.TableListing]:
    out = {}
    for t in layout.TABLES.all:
        listing = await nft.list_table(topo.node_ns, t)
        if listing is not None:
            out[t] = listing
    return out


async def test_services_in_every_shard_answer_and_cleanup_removes_every_table(
        topo: Topology) -> None:
    assert topo.client is not None
    state = many_services(topo, 24)
    shards = {layout.TABLES.shard_of(names.service_base(spn)) for spn in state.services}
    assert len(shards) >= 10
    dp = NftDataplane(HostNft(topo.node_ns), NODE)
    try:
        await dp.sync(state, None)
        for i in range(24):  # one DNAT per connection, whichever table's chain runs first
            assert await outcome(topo, topo.client.netns, f"10.96.1.{i}", 80) == f"pod{i % 3}"
        for i in (0, 3, 6):  # hairpin, masqueraded by the main table for any shard
            assert await outcome(topo, topo.pods[0].netns, f"10.96.1.{i}", 80) == "pod0"
        assert set(await listed(topo)) == set(layout.TABLES.all)
        # a restarted proxy finds what the previous one left in the shards and flushes it
        again = NftDataplane(HostNft(topo.node_ns), NODE)
        fewer = many_services(topo, 12)
        await again.sync(fewer, None)
        tx = again.last_transaction
        gone = set(state.services) - set(fewer.services)
        assert tx is not None and {n for _, n in tx.flushed_stale} == {
            *(names.cluster_chain(spn) for spn in gone),
            *(names.endpoint_chain(spn, state.endpoints[spn][0]) for spn in gone)}
        assert await outcome(topo, topo.client.netns, "10.96.1.20", 80, timeout=0.5) \
            == "timeout"  # no rule for it any more (and no service CIDR here to drop it)
        assert await outcome(topo, topo.client.netns, "10.96.1.11", 80) == "pod2"
    finally:
        await dp.cleanup()
    assert await listed(topo) == {}


async def test_the_proxier_programs_services_from_the_api(topo: Topology) -> None:
    assert topo.client is not None
    api = FakeApi()
    await api.create(kinds.SERVICE, service("web", VIP), "default")
    await api.create(kinds.ENDPOINT_SLICE, endpoint_slice(
        "web", [endpoint(topo.pods[1].ip)], ports=[("", SERVER_PORT, "TCP")]), "default")
    dp = NftDataplane(HostNft(topo.node_ns), NODE)
    proxier = Proxier(InformerFactory(api), dp, NODE, own_informers=True)
    task = asyncio.create_task(proxier.run())
    client_ns = topo.client.netns
    try:
        await eventually(lambda: dp.syncs >= 1, within=10)
        assert await outcome(topo, client_ns, VIP, 80) == "pod1"
        await api.patch(kinds.ENDPOINT_SLICE, "web-abcde",
                        {"endpoints": [endpoint(topo.pods[2].ip)]}, "default")
        await eventually(lambda: dp.syncs >= 2, within=10)
        assert await outcome(topo, client_ns, VIP, 80) == "pod2"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await proxier.cleanup()
