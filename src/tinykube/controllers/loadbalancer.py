"""LoadBalancer IPs from a local pool, as k3s's ServiceLB or MetalLB do on bare metal.

Each Service of type LoadBalancer without ``spec.loadBalancerClass`` (or with this
controller's class) gets an address from the ``IPPool`` (``spec.loadBalancerIP`` when it is
in the pool and free) written to ``status.loadBalancer.ingress`` as
``[{ip, ipMode: VIP}]`` through the status subresource; the proxy then programs it like a
cluster IP. A pool that has run dry leaves the Service pending (no ingress) with a
Warning Event ``AllocationFailed`` saying so; the address goes back to the pool when the
Service is deleted or stops being a LoadBalancer, and pending Services are tried again.
After a restart the pool is rebuilt from the ingress addresses Services already show
before anything is allocated, so nobody's address moves.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.controllers.events import Recorder
from tinykube.controllers.ippool import DEFAULT_POOL, IPPool
from tinykube.controllers.reconcile import Controller, object_key
from tinykube.errors import NotFound
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

LB_CLASS = "tinykube.io/loadbalancer"


def spec(svc: Obj) -> dict[str, Any]:
    return svc.get("spec") or {}


def ingress(svc: Obj) -> list[dict[str, Any]]:
    return list(((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [])


def ingress_for(ip: str) -> list[dict[str, Any]]:
    return [{"ip": ip, "ipMode": "VIP"}]


class LoadBalancerController(Controller[str]):
    name = "loadbalancer"

    def __init__(self, api: ApiClient, *, pool: str | IPPool = DEFAULT_POOL,
                 informers: InformerFactory | None = None, recorder: Recorder | None = None,
                 lb_class: str = LB_CLASS, clock: Clock | None = None) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=1, clock=clock)
        self._api = api
        self._recorder = recorder
        self.pool = pool if isinstance(pool, IPPool) else IPPool(pool)
        self.lb_class = lb_class
        self._services = self.informers.informer(kinds.SERVICE)
        self._rebuilt = False
        self.watch(self._services, object_key)

    def ours(self, svc: Obj) -> bool:
        cls = spec(svc).get("loadBalancerClass")
        return (spec(svc).get("type") == "LoadBalancer" and not meta.is_terminating(svc)
                and cls in (None, "", self.lb_class))

    def rebuild(self) -> None:
        """Take back the addresses Services already show (oldest Service first)."""
        services = sorted(self._services.list(),
                          key=lambda s: (str(meta.metadata(s).get("creationTimestamp")),
                                         meta.key_of(s)))
        for svc in services:
            if not self.ours(svc):
                continue
            for entry in ingress(svc):
                ip = str(entry.get("ip") or "")
                if ip in self.pool and self.pool.assign(meta.key_of(svc), ip):
                    break
        self._rebuilt = True
        log.info("loadbalancer pool=%s in use=%d free=%d", self.pool.spec,
                 self.pool.size - self.pool.free(), self.pool.free())

    async def reconcile(self, key: str) -> None:
        if not self._rebuilt:
            self.rebuild()
        svc = self._services.get(key)
        if svc is None or not self.ours(svc):
            released = self.pool.release(key)
            if svc is not None and released is not None:
                await self._clear(svc, released)
            if released is not None:
                log.info("service=%s released ip=%s", key, released)
                self._wake_pending()
            return
        await self._allocate(key, svc)

    async def _allocate(self, key: str, svc: Obj) -> None:
        requested = str(spec(svc).get("loadBalancerIP") or "") or None
        before = self.pool.of(key)
        if requested and before != requested:
            self.pool.release(key)
        ip = self.pool.allocate(key, requested)
        if ip is None:
            if before is not None:
                self._wake_pending()
            await self._fail(key, svc, requested)
            return
        if ingress(svc) != ingress_for(ip):
            await self._write(svc, ingress_for(ip))
            if before != ip and self._recorder is not None:
                self._recorder.normal(svc, "IPAllocated", f'Assigned IP ["{ip}"]')
            log.info("service=%s allocated ip=%s", key, ip)

    async def _fail(self, key: str, svc: Obj, requested: str | None) -> None:
        if requested and requested not in self.pool:
            why = f"requested IP {requested} is not in pool {self.pool.spec}"
        elif requested:
            why = f"requested IP {requested} is already in use by {self.pool.holder(requested)}"
        else:
            why = f"no available IPs: pool {self.pool.spec} is exhausted"
        message = f'Failed to allocate IP for "{key}": {why}'
        log.warning("service=%s %s", key, message)
        if self._recorder is not None:
            self._recorder.warning(svc, "AllocationFailed", message)
        if any(str(e.get("ip") or "") in self.pool for e in ingress(svc)):
            await self._write(svc, [])

    async def _clear(self, svc: Obj, ip: str) -> None:
        if any(e.get("ip") == ip for e in ingress(svc)):
            await self._write(svc, [e for e in ingress(svc) if e.get("ip") != ip])

    async def _write(self, svc: Obj, entries: list[dict[str, Any]]) -> None:
        new = copy.deepcopy(svc)
        status = new.setdefault("status", {})
        status["loadBalancer"] = {"ingress": entries} if entries else {}
        with contextlib.suppress(NotFound):
            await self._api.update(kinds.SERVICE, new, subresource="status")

    def _wake_pending(self) -> None:
        for svc in self._services.list():
            if self.ours(svc) and self.pool.of(meta.key_of(svc)) is None:
                self.enqueue(meta.key_of(svc))
