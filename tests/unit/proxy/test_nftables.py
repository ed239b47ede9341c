"""The nftables dataplane shell: full and partial syncs, restarts, failures, cleanup."""

from __future__ import annotations

import pytest

from tinykube.errors import SystemError_
from tinykube.proxy import layout, names
from tinykube.proxy.model import (
    EndpointInfo,
    NodeConfig,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
)
from tinykube.proxy.nftables import NftDataplane
from tinykube.testing.clock import FakeClock
from tinykube.testing.fake_nft import FakeNftRunner

NODE = NodeConfig("node-0", ("172.18.0.2",))
WEB = ServicePortName("default", "web", "", "TCP")
OLD = ServicePortName("default", "old", "", "TCP")


def state(*spns: ServicePortName) -> ProxyState:
    services = {s: ServicePortInfo(s, f"10.96.0.{20 + i}", 80) for i, s in enumerate(spns)}
    return ProxyState(services, {s: (EndpointInfo("10.244.0.2", 80),) for s in spns})


async def test_a_restarted_proxy_removes_what_the_previous_one_left() -> None:
    runner = FakeNftRunner()
    first = NftDataplane(runner, NODE, clock=FakeClock())
    await first.sync(state(WEB, OLD), None)
    clock = FakeClock()
    second = NftDataplane(runner, NODE, clock=clock)  # same table, new process
    result = await second.sync(state(WEB), {WEB})  # asked for partial: first is full anyway
    assert runner.listings == 2 and second.full_syncs == 1
    old_chain = names.cluster_chain(OLD)
    assert runner.nft.chain(old_chain).rules == [] and result.retry_after is not None
    await clock.advance(2)
    await second.sync(state(WEB), set())
    assert old_chain not in runner.nft.chain_names()


async def test_after_a_failure_the_next_sync_is_full_and_consistent() -> None:
    runner = FakeNftRunner()
    dp = NftDataplane(runner, NODE, clock=FakeClock())
    await dp.sync(state(WEB), None)
    runner.fail_next()
    with pytest.raises(SystemError_):
        await dp.sync(state(WEB, OLD), {OLD})
    await dp.sync(state(WEB, OLD), set())  # nothing "changed", but the table is unknown
    assert dp.full_syncs == 2
    assert "10.96.0.21 . tcp . 80" in runner.nft.elements("service-ips")


async def test_cleanup_deletes_every_table_and_leaves_others_alone() -> None:
    runner = FakeNftRunner()
    runner.nft.apply("add table ip someone-else\n")
    dp = NftDataplane(runner, NODE, clock=FakeClock())
    await dp.sync(state(WEB), None)
    assert set(runner.nft.tables) == {"someone-else", *layout.TABLES.all}
    await dp.cleanup()
    assert set(runner.nft.tables) == {"someone-else"}


async def test_a_full_sync_deletes_shards_of_another_layout() -> None:
    runner = FakeNftRunner()
    await NftDataplane(runner, NODE, clock=FakeClock(), tables=layout.Tables(shards=20)
                       ).sync(state(WEB, OLD), None)
    dp = NftDataplane(runner, NODE, clock=FakeClock())
    await dp.sync(state(WEB, OLD), None)
    assert set(runner.nft.tables) == set(layout.TABLES.all)
    assert "10.96.0.21 . tcp . 80" in runner.nft.elements("service-ips")
