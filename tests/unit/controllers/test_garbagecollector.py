from tinykube.api import kinds, meta
from tinykube.controllers.garbagecollector import GarbageCollector
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

DEPLOY, RS, POD, NS = kinds.DEPLOYMENT, kinds.REPLICA_SET, kinds.POD, kinds.NAMESPACE


def ref(owner: dict, block: bool = True) -> dict:
    return meta.owner_reference(owner, controller=True, block=block)


async def make(api: FakeApi, kind, name: str, *owners: dict, block: bool = True,
               finalizers: list[str] | None = None, ns: str = "default") -> dict:
    md: dict = {"name": name, "namespace": ns}
    if owners:
        md["ownerReferences"] = [ref(o, block) for o in owners]
    if finalizers:
        md["finalizers"] = finalizers
    return await api.create(kind, {"metadata": md})


def exists(api: FakeApi, kind, name: str) -> bool:
    return api.find(kind, name, "default") is not None


async def chain(api: FakeApi) -> tuple[dict, dict, dict, dict]:
    d = await make(api, DEPLOY, "web")
    rs = await make(api, RS, "web-1", d)
    p1 = await make(api, POD, "web-1-a", rs)
    p2 = await make(api, POD, "web-1-b", rs)
    return d, rs, p1, p2


async def start(api: FakeApi, running) -> GarbageCollector:
    gc = GarbageCollector(api)
    running(gc.run)
    await eventually(lambda: gc.has_synced)
    return gc


async def test_background_deletion_cascades_down_the_chain(api, running):
    await chain(api)
    await start(api, running)
    await api.delete(DEPLOY, "web", "default", propagation="Background")
    await eventually(lambda: not any(exists(api, k, n) for k, n in [
        (RS, "web-1"), (POD, "web-1-a"), (POD, "web-1-b")]))
    deletes = [(c.kind, c.name, c.detail) for c in api.calls if c.verb == "delete"]
    assert ("replicasets", "web-1", "Background") in deletes


async def test_objects_with_live_owners_or_no_owners_are_left_alone(api, running):
    await chain(api)
    await make(api, kinds.SERVICE, "lonely")
    gc = await start(api, running)
    await eventually(lambda: len(gc.queue) == 0 and gc.queue.processing() == 0)
    assert not [c for c in api.calls if c.verb != "create"]


async def test_an_owner_gone_before_the_gc_started_is_noticed(api, running):
    d = await make(api, DEPLOY, "old")
    await make(api, RS, "orphaned", d)
    await api.delete(DEPLOY, "old", "default")
    assert exists(api, RS, "orphaned")
    await start(api, running)
    await eventually(lambda: not exists(api, RS, "orphaned"))


async def test_an_owner_recreated_with_a_new_uid_is_dangling(api, running):
    d = await make(api, DEPLOY, "web")
    await make(api, RS, "rs", d)
    await start(api, running)
    await api.delete(DEPLOY, "web", "default")
    await make(api, DEPLOY, "web")  # same name, new uid
    await eventually(lambda: not exists(api, RS, "rs"))
    assert exists(api, DEPLOY, "web")


async def test_a_dependent_with_a_remaining_owner_is_unlinked_not_deleted(api, running):
    a = await make(api, DEPLOY, "a")
    b = await make(api, DEPLOY, "b")
    await make(api, RS, "shared", a, b)
    await start(api, running)
    await api.delete(DEPLOY, "a", "default")
    await eventually(lambda: len(meta.owner_references(api.find(RS, "shared", "default"))) == 1)
    assert meta.owner_references(api.find(RS, "shared", "default"))[0]["uid"] == meta.uid(b)


async def test_foreground_deletes_dependents_first_then_the_owner(api, running):
    await chain(api)
    await start(api, running)
    await api.delete(DEPLOY, "web", "default", propagation="Foreground")
    assert exists(api, DEPLOY, "web")
    await eventually(lambda: not exists(api, DEPLOY, "web"))
    for k, n in [(RS, "web-1"), (POD, "web-1-a"), (POD, "web-1-b")]:
        assert not exists(api, k, n)
    deletes = [(c.kind, c.name, c.detail) for c in api.calls if c.verb == "delete"]
    # the replica set has dependents of its own: it goes in the foreground too
    assert ("replicasets", "web-1", "Foreground") in deletes
    order = [c.name for c in api.calls if c.verb == "update" and c.kind in ("deployments",
                                                                            "replicasets")]
    assert order.index("web-1") < order.index("web")  # finalizers removed bottom-up


async def test_foreground_waits_for_a_blocking_dependent_held_by_a_finalizer(api, running):
    d = await make(api, DEPLOY, "web")
    await make(api, RS, "held", d, finalizers=["example.com/hold"])
    await make(api, RS, "free", d, block=False, finalizers=["example.com/hold"])
    await start(api, running)
    await api.delete(DEPLOY, "web", "default", propagation="Foreground")
    await eventually(lambda: meta.is_terminating(api.find(RS, "held", "default")))
    await eventually(lambda: meta.is_terminating(api.find(RS, "free", "default")))
    assert "foregroundDeletion" in api.find(DEPLOY, "web", "default")["metadata"]["finalizers"]
    held = dict(api.find(RS, "held", "default"))
    held["metadata"] = {**held["metadata"], "finalizers": []}
    await api.update(RS, held)  # only the blocking one matters
    await eventually(lambda: not exists(api, DEPLOY, "web"))
    assert exists(api, RS, "free")


async def test_orphan_unlinks_dependents_and_lets_the_owner_go(api, running):
    d, rs, _, _ = await chain(api)
    await make(api, RS, "web-2", d, rs)  # two owners; only the deployment's ref goes
    await start(api, running)
    await api.delete(DEPLOY, "web", "default", propagation="Orphan")
    await eventually(lambda: not exists(api, DEPLOY, "web"))
    assert meta.owner_references(api.find(RS, "web-1", "default")) == []
    remaining = meta.owner_references(api.find(RS, "web-2", "default"))
    assert [r["uid"] for r in remaining] == [meta.uid(rs)]
    assert exists(api, POD, "web-1-a") and exists(api, POD, "web-1-b")


async def test_owners_of_unknown_kinds_are_never_dangling(api, running):
    await api.create(POD, {"metadata": {"name": "p", "namespace": "default", "ownerReferences": [
        {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w", "uid": "nope"}]}})
    gc = await start(api, running)
    await eventually(lambda: len(gc.queue) == 0 and gc.queue.processing() == 0)
    assert exists(api, POD, "p")


async def test_cluster_scoped_owner_of_a_namespaced_dependent(api, running):
    node = await api.create(kinds.NODE, {"metadata": {"name": "n1"}})
    await make(api, POD, "on-n1", node)
    await start(api, running)
    await api.delete(kinds.NODE, "n1")
    await eventually(lambda: not exists(api, POD, "on-n1"))
