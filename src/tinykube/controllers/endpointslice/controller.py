"""The EndpointSlice controller's shell: informers in, slice writes out.

For each Service with a selector it reads the selected pods and the slices labelled
``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`` and
``kubernetes.io/service-name: <svc>`` from the caches, asks ``plan.plan_service`` for the
writes and makes them: creates first, then updates, then deletes, so a Service never
briefly loses endpoints. Slices are named ``<svc>-<random>`` by the API server
(``generateName``) and owned by the Service, so deleting the Service lets the garbage
collector remove them.

Since slices are created with generated names, a reconcile on a cache that has not yet
seen the previous reconcile's writes would create them twice; ``freshness.WriteTracker``
holds it back until the informer has caught up. A Service that loses its selector (or
becomes ExternalName) has its managed slices deleted: the mirroring controller or the user
takes over (upstream leaves them behind).
"""

from __future__ import annotations

import contextlib
import logging

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules as rules
from tinykube.controllers.endpointslice import build
from tinykube.controllers.endpointslice.plan import MAX_ENDPOINTS_PER_SLICE, Plan, plan_service
from tinykube.controllers.freshness import WriteTracker
from tinykube.controllers.reconcile import Controller, object_key
from tinykube.controllers.serviceselectors import ServiceSelectors
from tinykube.errors import Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

SERVICE_INDEX = "endpointslice-service"


def _by_service(eps: Obj) -> list[str]:
    key = build.service_key(eps)
    return [key] if key else []


class EndpointSliceController(Controller[str]):
    name = "endpointslice"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 workers: int = 4, clock: Clock | None = None,
                 max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self.max_endpoints_per_slice = max_endpoints_per_slice
        self._services = self.informers.informer(kinds.SERVICE)
        self._pods = self.informers.informer(kinds.POD)
        self._slices = self.informers.informer(kinds.ENDPOINT_SLICE)
        self._slices.index(SERVICE_INDEX, _by_service)
        self._selectors = ServiceSelectors(self._services, self._pods)
        self._tracker = WriteTracker(self._slices)
        self.watch(self._services, object_key)
        self.watch(self._slices, _by_service)
        self.watch(self._pods, lambda _: [])  # synced before the first reconcile
        self._selectors.wake_on_pod_changes(self._pods, self._enqueue)

    def slices_of(self, key: str) -> list[Obj]:
        return self._slices.by_index(SERVICE_INDEX, key)

    async def reconcile(self, key: str) -> None:
        if not self._tracker.fresh(key):
            log.debug("service=%s slices cache behind our writes; waiting", key)
            return
        svc = self._services.get(key)
        existing = self.slices_of(key)
        if svc is None:
            self._tracker.forget(key)
            return  # the garbage collector removes slices owned by a deleted Service
        if meta.is_terminating(svc):
            return
        if rules.selector(svc) is None or rules.is_external_name(svc):
            await self._apply(key, Plan(delete=existing))
            return
        pods = self._selectors.pods_of(svc, self._pods)
        await self._apply(key, plan_service(svc, pods, existing, self.max_endpoints_per_slice))

    async def _apply(self, key: str, plan: Plan) -> None:
        if plan.empty():
            return
        log.debug("service=%s slices create=%d update=%d delete=%d", key, len(plan.create),
                  len(plan.update), len(plan.delete))
        for eps in plan.create:
            self._tracker.wrote(key, await self._api.create(kinds.ENDPOINT_SLICE, eps,
                                                            meta.namespace(eps)))
        for eps in plan.update:
            try:
                self._tracker.wrote(key, await self._api.update(kinds.ENDPOINT_SLICE, eps))
            except NotFound as e:
                raise Conflict(f"slice {meta.name(eps)} is gone") from e
        for eps in plan.delete:
            with contextlib.suppress(NotFound, Conflict):  # gone, or replaced meanwhile
                await self._api.delete(kinds.ENDPOINT_SLICE, meta.name(eps),
                                       meta.namespace(eps), uid=meta.uid(eps))
            self._tracker.deleted(key, eps)
