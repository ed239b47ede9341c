"""The nftables dataplane: plans transactions and runs them in the node's namespace.

The thin shell around ``plan.py``: it keeps the ``Applied`` state of the last committed
transaction, decides between a partial and a full sync (full at first, when asked, and
after any failed transaction, since the table may then differ from what we believe), lists
the table before a full sync so chains left by an earlier run are found and removed, and
after a commit deletes the UDP conntrack entries the change made stale. The rules live in
a main table and its shards (``layout``); listing and cleanup cover all of them.

It runs nft through an ``NftRunner`` — ``HostNft`` (``host/nft.py`` and
``host/conntrack.py`` in one network namespace) in production,
``testing.fake_nft.FakeNftRunner`` in unit tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Set
from typing import Protocol

from tinykube.errors import SystemError_
from tinykube.host import conntrack, nft, nftlisting
from tinykube.host.conntrack import UdpFlowFilter
from tinykube.host.nft import TableListing
from tinykube.machinery.clock import Clock, LoopClock
from tinykube.proxy import layout, plan
from tinykube.proxy.dataplane import SyncResult
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName
from tinykube.proxy.staleudp import Programmed, stale_filters

log = logging.getLogger(__name__)


class NftRunner(Protocol):
    """The privileged operations the nftables dataplane needs, bound to one namespace."""

    async def apply(self, text: str) -> None: ...

    async def list_tables(self) -> Mapping[str, TableListing]:
        """Our tables that exist, by name."""
        ...

    async def delete_tables(self) -> bool:
        """Delete all our tables; whether the main one existed."""
        ...

    async def delete_udp(self, flt: UdpFlowFilter) -> int: ...


class HostNft:
    """``NftRunner`` on the real ``nft`` and ``conntrack`` inside network namespace ``netns``."""

    def __init__(self, netns: str, tables: layout.Tables = layout.TABLES) -> None:
        self.netns = netns
        self.tables = tables

    async def apply(self, text: str) -> None:
        await nft.apply(self.netns, text)

    async def list_tables(self) -> Mapping[str, TableListing]:
        return await nftlisting.list_tables(self.netns, self.tables.all)

    async def delete_tables(self) -> bool:
        return await remove(self.netns, self.tables)

    async def delete_udp(self, flt: UdpFlowFilter) -> int:
        return await conntrack.delete_udp(self.netns, flt)


class NftDataplane:
    """``Dataplane`` on an nftables table (see the module docstring)."""

    def __init__(self, runner: NftRunner, node: NodeConfig, *, clock: Clock | None = None,
                 tables: layout.Tables = layout.TABLES) -> None:
        self.runner = runner
        self.node = node
        self.tables = tables
        self._clock = clock or LoopClock()
        self._applied = plan.EMPTY
        self._programmed: dict[ServicePortName, Programmed] = {}
        self._need_full = True
        self.last_transaction: plan.Transaction | None = None
        self.syncs = 0
        self.full_syncs = 0

    async def sync(self, state: ProxyState,
                   changed: Set[ServicePortName] | None) -> SyncResult:
        full = changed is None or self._need_full
        kernel = await self._kernel_state() if full else None
        started = time.perf_counter()
        tx = plan.plan(state, self.node, self._applied, None if full else changed,
                       now=self._clock.now(), kernel=kernel, tables=self.tables)
        try:
            await self.runner.apply(tx.text)
        except BaseException:
            self._need_full = True
            raise
        self._applied, self._need_full, self.last_transaction = tx.applied, False, tx
        self.syncs += 1
        self.full_syncs += full
        log.debug("nft sync full=%s services=%d bytes=%d seconds=%.4f", full,
                  len(state.services), len(tx.text), time.perf_counter() - started)
        ports = (set(state.services) | set(self._programmed)) if full or changed is None \
            else changed
        await self._clean_conntrack(state, ports)
        return SyncResult(tx.applied.retry_after(self._clock.now()))

    async def _kernel_state(self) -> plan.KernelState:
        listings = await self.runner.list_tables()
        return plan.KernelState(
            frozenset(listings),
            frozenset((t, c) for t, listing in listings.items() for c in listing.chains),
            {(t, n): timeout for t, listing in listings.items()
             for n, timeout in listing.sets.items()})

    async def _clean_conntrack(self, state: ProxyState, ports: Set[ServicePortName]) -> None:
        pairs = []
        for spn in ports:
            info = state.services.get(spn)
            now: Programmed | None = (info, state.endpoints.get(spn, ())) if info else None
            before = self._programmed.pop(spn, None)
            if now is not None:
                self._programmed[spn] = now
            if before != now:
                pairs.append((before, now))
        for flt in stale_filters(pairs):
            try:
                deleted = await self.runner.delete_udp(flt)
            except SystemError_ as e:  # stale entries age out; the rules are right
                log.warning("conntrack cleanup failed filter=%s: %s", flt, e)
                continue
            log.debug("conntrack deleted=%d filter=%s", deleted, flt)

    async def cleanup(self) -> None:
        await self.runner.delete_tables()
        self._applied, self._programmed, self._need_full = plan.EMPTY, {}, True


async def remove(netns: str, tables: layout.Tables = layout.TABLES) -> bool:
    """Delete our tables from ``netns`` (also ``tinykube down`` from another process);
    whether the main one existed. The shards go first, in one transaction (adding a table
    before deleting it makes that work whether it exists or not), the main table last,
    which also lets go of our nft context there."""
    await nft.apply(netns, "".join(f"add table ip {t}\ndelete table ip {t}\n"
                                   for t in tables.shard_names))
    return await nft.delete_table(netns, tables.main)
