"""Every controller of a cluster, on one set of shared informers: kube-controller-manager.

``ControllerManager(client).run()`` runs, until cancelled, the shared ``InformerFactory``
(unless the caller passes one it runs itself), the event recorder and each controller:
garbage collection, namespaces, Endpoints, EndpointSlices, slice mirroring, ReplicaSets,
Deployments, StatefulSets, the scheduler and LoadBalancer IPs. A controller whose
``run`` fails is logged and started again after a growing delay, so one bug does not stop
the others; cancellation stops them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tinykube.controllers.deployment.controller import DeploymentController
from tinykube.controllers.endpoints import EndpointsController
from tinykube.controllers.endpointslice.controller import EndpointSliceController
from tinykube.controllers.events import EventRecorder
from tinykube.controllers.garbagecollector import GarbageCollector
from tinykube.controllers.ippool import DEFAULT_POOL, IPPool
from tinykube.controllers.loadbalancer import LB_CLASS, LoadBalancerController
from tinykube.controllers.mirroring import MirroringController
from tinykube.controllers.namespace import NamespaceController
from tinykube.controllers.reconcile import Controller
from tinykube.controllers.replicaset import ReplicaSetController
from tinykube.controllers.scheduler import Scheduler
from tinykube.controllers.statefulset.controller import StatefulSetController
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


class ControllerManager:
    def __init__(self, client: ApiClient, *, lb_pool: str | IPPool = DEFAULT_POOL,
                 informers: InformerFactory | None = None, lb_class: str = LB_CLASS,
                 events_host: str = "") -> None:
        self._own_informers = informers is None
        self.informers = informers or InformerFactory(client)
        self.events = EventRecorder(client, host=events_host)
        rec, shared = self.events.recorder, self.informers
        self.controllers: dict[str, Controller[str]] = {
            "garbagecollector": GarbageCollector(client, informers=shared),
            "namespace": NamespaceController(client, informers=shared),
            "endpoint": EndpointsController(client, informers=shared),
            "endpointslice": EndpointSliceController(client, informers=shared),
            "endpointslicemirroring": MirroringController(client, informers=shared),
            "replicaset": ReplicaSetController(client, informers=shared,
                                               recorder=rec("replicaset-controller")),
            "deployment": DeploymentController(client, informers=shared,
                                               recorder=rec("deployment-controller")),
            "statefulset": StatefulSetController(client, informers=shared,
                                                 recorder=rec("statefulset-controller")),
            "scheduler": Scheduler(client, informers=shared, recorder=rec("default-scheduler")),
            "loadbalancer": LoadBalancerController(client, pool=lb_pool, informers=shared,
                                                   lb_class=lb_class,
                                                   recorder=rec("service-lb-controller")),
        }

    @property
    def has_synced(self) -> bool:
        return all(c.has_synced for c in self.controllers.values())

    async def wait_synced(self) -> None:
        await self.informers.wait_synced()

    async def run(self) -> None:
        """Run everything until cancelled."""
        async with asyncio.TaskGroup() as tg:
            if self._own_informers:
                tg.create_task(self.informers.run(), name="controller-informers")
            tg.create_task(supervise("events", self.events.run), name="controller-events")
            for name, ctrl in self.controllers.items():
                tg.create_task(supervise(name, ctrl.run), name=f"controller-{name}")


async def supervise(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Run ``run`` until cancelled, starting it again after a failure or an early return."""
    failures = 0
    while True:
        try:
            await run()
            log.warning("controller=%s returned; starting it again", name)
        except Exception:
            log.exception("controller=%s failed", name)
        delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
        failures += 1
        await asyncio.sleep(delay)
