"""The proxy's control loop: Services and EndpointSlices in, one dataplane sync at a time.

kube-proxy's ``Proxier`` in nftables mode, with the dataplane behind an interface:

- informer handlers only record before/after pairs in the change trackers and ask the
  ``BoundedFrequencyRunner`` for a sync; nothing is programmed from a handler;
- nothing is programmed before both informers delivered their first full list (a
  restart must not wipe working rules on partial data);
- a sync applies the pending changes to the proxy's maps and hands the dataplane the
  changed service ports; the first sync, any sync after a failure and one at least every
  ``full_sync_period`` are full syncs;
- syncs are rate limited (``min_sync_period``) and happen at least every
  ``max_sync_period`` even when nothing changes;
- after a committed sync the followers (health checks, host publisher) catch up and their
  problems become Warning Events on the Service (``warn``), each reported once while it
  lasts.

``run()`` runs until cancelled; ``cleanup()`` removes what the dataplane and the followers
created (``tinykube down``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from tinykube.api import kinds
from tinykube.api.meta import Obj
from tinykube.machinery.clock import Clock, LoopClock
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.runner import BoundedFrequencyRunner
from tinykube.proxy.changes import (
    EndpointsChangeTracker,
    EndpointsMap,
    ServiceChangeTracker,
    ServicePortMap,
)
from tinykube.proxy.dataplane import Dataplane
from tinykube.proxy.follower import Follower, Problem
from tinykube.proxy.model import NodeConfig, ProxyState, ServicePortName, slice_service

log = logging.getLogger(__name__)

# ``controllers.events.Recorder.warning`` has this shape: (involved object, reason, message)
Warn = Callable[[Obj, str, str], None]


class Proxier:
    def __init__(self, informers: InformerFactory, dataplane: Dataplane, node: NodeConfig, *,
                 followers: Sequence[Follower] = (), warn: Warn | None = None,
                 min_sync_period: float = 0.0, max_sync_period: float = 3600.0,
                 full_sync_period: float = 3600.0, own_informers: bool = False,
                 clock: Clock | None = None) -> None:
        self.node = node
        self.dataplane = dataplane
        self.followers = list(followers)
        self._warn = warn
        self._informers = informers
        self._own_informers = own_informers
        self._clock = clock or LoopClock()
        self._services_inf = informers.informer(kinds.SERVICE)
        self._slices_inf = informers.informer(kinds.ENDPOINT_SLICE)
        self.service_changes = ServiceChangeTracker()
        self.endpoint_changes = EndpointsChangeTracker(node.name)
        self.services: ServicePortMap = {}
        self.endpoints: EndpointsMap = {}
        self.full_sync_period = full_sync_period
        self._need_full = True
        self._last_full = 0.0
        self._reported: set[Problem] = set()
        self.syncs = 0
        self.runner = BoundedFrequencyRunner(
            "proxy-sync", self._sync, min_interval=min_sync_period,
            max_interval=max_sync_period, clock=self._clock)
        self._services_inf.add_handlers(self._on_service_add, self._on_service_update,
                                        self._on_service_delete)
        self._slices_inf.add_handlers(self._on_slice_add, self._on_slice_update,
                                      self._on_slice_delete)

    # ------------------------------------------------------------------ handlers

    def _on_service_add(self, obj: Obj) -> None:
        self._changed(self.service_changes.update(None, obj))

    def _on_service_update(self, old: Obj, new: Obj) -> None:
        self._changed(self.service_changes.update(old, new))

    def _on_service_delete(self, obj: Obj) -> None:
        self._changed(self.service_changes.update(obj, None))

    def _on_slice_add(self, obj: Obj) -> None:
        self._changed(self.endpoint_changes.update(obj))

    def _on_slice_update(self, old: Obj, new: Obj) -> None:
        if slice_service(old) != slice_service(new):  # relabelled to another Service
            self._changed(self.endpoint_changes.update(old, removed=True))
        self._changed(self.endpoint_changes.update(new))

    def _on_slice_delete(self, obj: Obj) -> None:
        self._changed(self.endpoint_changes.update(obj, removed=True))

    def _changed(self, pending: bool) -> None:
        if pending and self.synced:
            self.runner.run()

    # ------------------------------------------------------------------ the loop

    @property
    def synced(self) -> bool:
        """Both informers have delivered their first list."""
        return self._services_inf.has_synced and self._slices_inf.has_synced

    async def run(self) -> None:
        """Sync until cancelled (first sync once both informers have synced)."""
        async with asyncio.TaskGroup() as tg:
            if self._own_informers:
                tg.create_task(self._informers.run(), name="proxy-informers")
            await self._services_inf.wait_synced()
            await self._slices_inf.wait_synced()
            log.info("proxy node=%s informers synced; programming", self.node.name)
            self.runner.run()
            tg.create_task(self.runner.loop(), name="proxy-sync")

    async def _sync(self) -> None:
        if not self.synced:
            return
        changed = (self.service_changes.apply(self.services)
                   | self.endpoint_changes.apply(self.endpoints))
        now = self._clock.now()
        full = self._need_full or now - self._last_full >= self.full_sync_period
        state = ProxyState(self.services, self.endpoints)
        try:
            result = await self.dataplane.sync(state, None if full else changed)
        except BaseException:
            self._need_full = True  # the changes taken above are only in the maps now
            raise
        self.syncs += 1
        if full:
            self._need_full, self._last_full = False, now
        if result.retry_after is not None:
            self.runner.retry_after(result.retry_after)
        await self._follow(state, None if full else changed)

    async def _follow(self, state: ProxyState, changed: set[ServicePortName] | None) -> None:
        problems: set[Problem] = set()
        for f in self.followers:
            try:
                problems |= await f.follow(state, changed)
            except Exception:
                log.exception("proxy follower %r failed", f)
        for p in sorted(problems - self._reported):
            log.warning("service=%s/%s reason=%s %s", p.namespace, p.name, p.reason, p.message)
            svc = self._services_inf.get(f"{p.namespace}/{p.name}")
            if self._warn is not None and svc is not None:
                try:
                    self._warn(svc, p.reason, p.message)
                except Exception as e:
                    log.warning("could not record event for %s/%s: %s", p.namespace, p.name, e)
        self._reported = problems

    async def cleanup(self) -> None:
        """Remove the table (or listeners) and close the followers."""
        for f in self.followers:
            await f.close()
        await self.dataplane.cleanup()
