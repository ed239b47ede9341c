"""The controller manager: one shared factory, every controller, supervision."""

import asyncio

from tinykube.api import kinds
from tinykube.controllers import manager as manager_module
from tinykube.controllers.manager import ControllerManager, supervise
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import pod, service


async def test_all_controllers_share_one_factory_and_run(api, running):
    m = ControllerManager(api, lb_pool="172.18.255.200-172.18.255.201")
    assert set(m.controllers) == {
        "garbagecollector", "namespace", "endpoint", "endpointslice",
        "endpointslicemirroring", "replicaset", "deployment", "statefulset", "scheduler",
        "loadbalancer"}
    assert all(c.informers is m.informers for c in m.controllers.values())
    # one informer per kind, however many controllers read it
    assert len(m.informers.informers()) == len(kinds.KINDS)
    await api.create(kinds.SERVICE, service("web", {"app": "web"}, clusterIP="10.96.0.3"))
    await api.create(kinds.POD, pod("a", {"app": "web"}, ip="10.0.0.1", ready=True))
    running(m.run)
    await eventually(lambda: m.has_synced)
    await eventually(lambda: api.find(kinds.ENDPOINTS, "web", "default") is not None)


async def test_a_caller_owned_factory_is_not_run_twice(api, running):
    shared = InformerFactory(api)
    m = ControllerManager(api, informers=shared)
    running(m.run)
    await asyncio.sleep(0.05)
    assert not m.has_synced  # nobody runs the factory yet
    running(shared.run)
    await eventually(lambda: m.has_synced)


async def test_supervise_restarts_a_failing_run(monkeypatch):
    monkeypatch.setattr(manager_module, "RESTART_DELAYS", (0.0,))
    calls = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("boom")
        await asyncio.Event().wait()

    task = asyncio.create_task(supervise("flaky", flaky))
    await eventually(lambda: len(calls) == 3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
