"""The nftables dataplane: plans transactions and runs them in the node's namespace.

The thin shell around ``plan.py``: it keeps the ``Applied`` state of the last committed
transaction, decides between a partial and a full sync (full at first, when asked, and
after any failed transaction, since the table may then differ from what we believe), lists
the table before a full sync so chains left by an earlier run are found and removed, and
after a commit deletes the UDP conntrack entries the change made stale.

It runs nft through an ``NftRunner`` — ``HostNft`` (``host/nft.py`` and
``host/conntrack.py`` in one network namespace) in production,
``testing.fake_nft.FakeNftRunner`` in unit tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Set
from typing import Protocol

from tinykube.errors import SystemError_
from tinykube.host import conntrack, nft
from tinykube.host.conntrack import UdpFlowFilter
from tinykube.host.nft import TableListing
from tinykube.machinery.clock import Clock, LoopClock
from tinykube.proxy import plan
from tinykube.proxy.dataplane import SyncResult
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName
from tinykube.proxy.staleudp import Programmed, stale_filters

log = logging.getLogger(__name__)


class NftRunner(Protocol):
    """The privileged operations the nftables dataplane needs, bound to one namespace."""

    async def apply(self, text: str) -> None: ...

    async def list_table(self) -> TableListing | None: ...

    async def delete_table(self) -> bool: ...

    async def delete_udp(self, flt: UdpFlowFilter) -> int: ...


class HostNft:
    """``NftRunner`` on the real ``nft`` and ``conntrack`` inside network namespace ``netns``."""

    def __init__(self, netns: str, table: str = plan.TABLE) -> None:
        self.netns = netns
        self.table = table

    async def apply(self, text: str) -> None:
        await nft.apply(self.netns, text)

    async def list_table(self) -> TableListing | None:
        return await nft.list_table(self.netns, self.table)

    async def delete_table(self) -> bool:
        return await nft.delete_table(self.netns, self.table)

    async def delete_udp(self, flt: UdpFlowFilter) -> int:
        return await conntrack.delete_udp(self.netns, flt)


class NftDataplane:
    """``Dataplane`` on an nftables table (see the module docstring)."""

    def __init__(self, runner: NftRunner, node: NodeConfig, *, clock: Clock | None = None,
                 table: str = plan.TABLE) -> None:
        self.runner = runner
        self.node = node
        self.table = table
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
                       now=self._clock.now(), kernel=kernel, table=self.table)
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
        return SyncResult(plan.STALE_DELAY if tx.stale_pending else None)

    async def _kernel_state(self) -> plan.KernelState:
        listing = await self.runner.list_table()
        if listing is None:
            return plan.KernelState()
        return plan.KernelState(listing.chains, dict(listing.sets))

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
        await self.runner.delete_table()
        self._applied, self._programmed, self._need_full = plan.EMPTY, {}, True


async def remove(netns: str, table: str = plan.TABLE) -> bool:
    """Delete our table from ``netns`` (``tinykube down`` from another process)."""
    return await nft.delete_table(netns, table)
