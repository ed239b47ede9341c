"""The garbage collector and the namespace controller against the real API server."""

from collections.abc import AsyncIterator

import pytest

from tinykube.api import kinds, meta
from tinykube.controllers.garbagecollector import GarbageCollector
from tinykube.controllers.namespace import NamespaceController
from tinykube.errors import NotFound
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.wait import eventually

apiserver = pytest.importorskip("tinykube.testing.apiserver")

LABELS = {"app": "web"}
POD_SPEC = {"containers": [{"name": "c", "image": "nginx"}]}


@pytest.fixture
async def api(tmp_path) -> AsyncIterator:
    async with apiserver.serving(tmp_path) as s:
        yield s


def deployment(ns: str = "default") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {"replicas": 1, "selector": {"matchLabels": LABELS},
                     "template": {"metadata": {"labels": LABELS}, "spec": POD_SPEC}}}


def replicaset(owner: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-1", "namespace": meta.namespace(owner),
                         "ownerReferences": [meta.owner_reference(owner)]},
            "spec": {"replicas": 1, "selector": {"matchLabels": LABELS},
                     "template": {"metadata": {"labels": LABELS}, "spec": POD_SPEC}}}


def pod(name: str, owner: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": meta.namespace(owner), "labels": LABELS,
                         "ownerReferences": [meta.owner_reference(owner)]},
            "spec": POD_SPEC}


async def chain(c) -> tuple[dict, dict]:
    d = await c.create(kinds.DEPLOYMENT, deployment())
    rs = await c.create(kinds.REPLICA_SET, replicaset(d))
    for n in ("web-1-a", "web-1-b"):
        await c.create(kinds.POD, pod(n, rs))
    return d, rs


async def gone(c, kind, name: str, ns: str | None = "default") -> bool:
    try:
        await c.get(kind, name, ns)
    except NotFound:
        return True
    return False


async def test_background_cascade(api, running):
    c = api.client()
    await chain(c)
    gc = GarbageCollector(c)
    running(gc.run)
    await eventually(lambda: gc.has_synced)
    await c.delete(kinds.DEPLOYMENT, "web", "default", propagation="Background")
    await eventually(lambda: gone(c, kinds.REPLICA_SET, "web-1"))
    await eventually(lambda: gone(c, kinds.POD, "web-1-a"))
    await eventually(lambda: gone(c, kinds.POD, "web-1-b"))


async def test_foreground_and_orphan(api, running):
    c = api.client()
    await chain(c)
    gc = GarbageCollector(c)
    running(gc.run)
    await eventually(lambda: gc.has_synced)
    await c.delete(kinds.REPLICA_SET, "web-1", "default", propagation="Orphan")
    await eventually(lambda: gone(c, kinds.REPLICA_SET, "web-1"))
    p = await c.get(kinds.POD, "web-1-a", "default")
    assert not meta.owner_references(p)
    await c.delete(kinds.DEPLOYMENT, "web", "default", propagation="Foreground")
    await eventually(lambda: gone(c, kinds.DEPLOYMENT, "web"))
    assert not await gone(c, kinds.POD, "web-1-a")  # orphaned before: stays


async def test_namespace_deletion_empties_and_finalizes(api, running):
    c = api.client()
    await c.create(kinds.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": "doomed"}})
    await c.create(kinds.DEPLOYMENT, deployment("doomed"))
    await c.create(kinds.SERVICE, {"apiVersion": "v1", "kind": "Service",
                                   "metadata": {"name": "s", "namespace": "doomed"},
                                   "spec": {"ports": [{"port": 80}]}})
    shared = InformerFactory(c)
    ctrl = NamespaceController(c, informers=shared)
    gc = GarbageCollector(c, informers=shared)
    running(shared.run)
    running(ctrl.run)
    running(gc.run)
    await eventually(lambda: ctrl.has_synced and gc.has_synced)
    await c.delete(kinds.NAMESPACE, "doomed")
    await eventually(lambda: gone(c, kinds.NAMESPACE, "doomed", None))
    items, _ = await c.list(kinds.SERVICE, "doomed")
    assert items == []
