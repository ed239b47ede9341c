"""The proxy's loop against the fake API and the fake nft table."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Set
from typing import Any

import pytest

from tinykube.api import kinds
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.listwatch import WatchEvent
from tinykube.proxy import names
from tinykube.proxy.follower import Problem
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName
from tinykube.proxy.nftables import NftDataplane
from tinykube.proxy.proxier import Proxier
from tinykube.testing.clock import FakeClock, settle
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.fake_nft import FakeNftRunner, Packet
from tinykube.testing.proxy_objects import endpoint, endpoint_slice, service
from tinykube.testing.wait import eventually

NODE = NodeConfig("node-0", ("172.18.0.2",))
WEB = ServicePortName("default", "web", "", "TCP")


class GatedLists:
    """A ListerWatcher whose EndpointSlice list waits until ``open()``."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.gate = asyncio.Event()

    async def list(self, kind: Kind, namespace: str | None = None, label_selector: str = "",
                   field_selector: str = "") -> tuple[list[Obj], str]:
        if kind is kinds.ENDPOINT_SLICE:
            await self.gate.wait()
        return await self.api.list(kind, namespace, label_selector, field_selector)

    def watch(self, kind: Kind, namespace: str | None = None, **kw: Any
              ) -> AsyncIterator[WatchEvent]:
        return self.api.watch(kind, namespace, **kw)


class Harness:
    def __init__(self, lw: Any, clock: FakeClock | None = None, **kw: Any) -> None:
        self.runner = FakeNftRunner()
        self.clock = clock
        self.dataplane = NftDataplane(self.runner, NODE, clock=clock)
        self.proxier = Proxier(InformerFactory(lw), self.dataplane, NODE, own_informers=True,
                               clock=clock, **kw)

    def reach(self, daddr: str, port: int = 80) -> str | None:
        return self.runner.nft.trace(Packet("10.244.0.50", daddr, port),
                                     local_ips=NODE.ips).endpoint


@pytest.fixture
async def started() -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def web(api: FakeApi, *ips: str) -> None:
    await api.create(kinds.SERVICE, service("web", "10.96.0.20"), "default")
    await api.create(kinds.ENDPOINT_SLICE,
                     endpoint_slice("web", [endpoint(ip) for ip in ips]), "default")


async def test_nothing_is_programmed_before_both_informers_synced(started: list) -> None:
    api = FakeApi()
    await web(api, "10.244.0.2")
    lw = GatedLists(api)
    h = Harness(lw)
    started.append(asyncio.create_task(h.proxier.run()))
    await eventually(lambda: h.proxier._services_inf.has_synced)
    await settle()
    assert h.runner.nft.transactions == []
    lw.gate.set()
    await eventually(lambda: h.reach("10.96.0.20") == "10.244.0.2:80")
    assert h.dataplane.full_syncs == 1


async def test_changes_after_the_first_sync_are_partial(started: list) -> None:
    api = FakeApi()
    await web(api, "10.244.0.2")
    h = Harness(api)
    started.append(asyncio.create_task(h.proxier.run()))
    await eventually(lambda: h.reach("10.96.0.20") == "10.244.0.2:80")
    await api.patch(kinds.ENDPOINT_SLICE, "web-abcde",
                    {"endpoints": [endpoint("10.244.0.3")]}, "default")
    await eventually(lambda: h.reach("10.96.0.20") == "10.244.0.3:80")
    assert (h.dataplane.full_syncs, h.dataplane.syncs) == (1, 2)
    assert h.dataplane.last_transaction is not None
    assert not h.dataplane.last_transaction.full


async def test_a_failed_transaction_is_followed_by_a_full_sync(started: list) -> None:
    api = FakeApi()
    await web(api, "10.244.0.2")
    h = Harness(api)
    started.append(asyncio.create_task(h.proxier.run()))
    await eventually(lambda: h.dataplane.syncs == 1)
    h.runner.fail_next()
    await api.patch(kinds.ENDPOINT_SLICE, "web-abcde",
                    {"endpoints": [endpoint("10.244.0.3")]}, "default")
    await eventually(lambda: h.reach("10.96.0.20") == "10.244.0.3:80", within=5)
    assert h.dataplane.full_syncs == 2


async def test_stale_chains_are_deleted_by_a_later_sync_it_asks_for(started: list) -> None:
    api = FakeApi()
    await web(api, "10.244.0.2")
    clock = FakeClock()
    h = Harness(api, clock=clock)
    started.append(asyncio.create_task(h.proxier.run()))
    await eventually(lambda: h.dataplane.syncs == 1)
    await api.delete(kinds.SERVICE, "web", "default")
    chain = names.cluster_chain(WEB)
    await eventually(lambda: h.dataplane.syncs == 2)
    assert chain in h.runner.nft.chain_names()
    await clock.advance(1.5)
    await eventually(lambda: chain not in h.runner.nft.chain_names())


class Complaining:
    def __init__(self) -> None:
        self.closed = False
        self.calls = 0

    async def follow(self, state: ProxyState, changed: Set[ServicePortName] | None
                     ) -> Set[Problem]:
        self.calls += 1
        return {Problem("default", "web", "PortInUse", "127.0.0.1:30080 is taken")}

    async def close(self) -> None:
        self.closed = True


async def test_follower_problems_are_recorded_once_and_cleanup_removes_everything(
        started: list) -> None:
    api = FakeApi()
    await web(api, "10.244.0.2")
    recorded: list[tuple[str, str]] = []

    def warn(obj: Obj, reason: str, message: str) -> None:
        recorded.append((obj["metadata"]["name"], reason))

    follower = Complaining()
    h = Harness(api, followers=[follower], warn=warn)
    started.append(asyncio.create_task(h.proxier.run()))
    await eventually(lambda: follower.calls == 1)
    await api.patch(kinds.ENDPOINT_SLICE, "web-abcde",
                    {"endpoints": [endpoint("10.244.0.3")]}, "default")
    await eventually(lambda: follower.calls == 2)
    assert recorded == [("web", "PortInUse")]
    await h.proxier.cleanup()
    assert follower.closed and not h.runner.nft.tables


async def test_udp_endpoint_removal_deletes_its_conntrack_entries(started: list) -> None:
    api = FakeApi()
    svc = service("dns", "10.96.0.10", ports=[{"name": "dns", "port": 53, "protocol": "UDP"}])
    await api.create(kinds.SERVICE, svc, "default")
    await api.create(kinds.ENDPOINT_SLICE, endpoint_slice(
        "dns", [endpoint("10.244.0.2"), endpoint("10.244.0.3")],
        ports=[("dns", 53, "UDP")]), "default")
    h = Harness(api)
    started.append(asyncio.create_task(h.proxier.run()))
    await eventually(lambda: h.dataplane.syncs == 1)
    await api.patch(kinds.ENDPOINT_SLICE, "dns-abcde",
                    {"endpoints": [endpoint("10.244.0.2")]}, "default")
    await eventually(lambda: h.dataplane.syncs == 2)
    flts = [(f.orig_dst, f.dst_nat) for f in h.runner.conntrack_deleted if f.dst_nat]
    assert flts == [("10.96.0.10", "10.244.0.3")]
