from tinykube.api import kinds
from tinykube.controllers.namespace import NamespaceController
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

NS = kinds.NAMESPACE


async def fill(api: FakeApi, ns: str) -> None:
    await api.create(NS, {"metadata": {"name": ns}})
    await api.create(kinds.POD, {"metadata": {"name": "p"}}, ns)
    await api.create(kinds.SERVICE, {"metadata": {"name": "s"}}, ns)
    await api.create(kinds.DEPLOYMENT, {"metadata": {"name": "d"}}, ns)
    await api.create(kinds.ENDPOINT_SLICE, {"metadata": {"name": "e"}}, ns)


def contents(api: FakeApi, ns: str) -> list[str]:
    return sorted(f"{k.plural}/{name}" for (k, n, name) in api.objects if n == ns and k.namespaced)


async def start(api: FakeApi, running, **kw) -> NamespaceController:
    ctrl = NamespaceController(api, **kw)
    running(ctrl.run)
    await eventually(lambda: ctrl.has_synced)
    return ctrl


async def test_a_deleted_namespace_is_emptied_then_finalized(api, running):
    await fill(api, "doomed")
    await fill(api, "kept")
    await start(api, running)
    await api.delete(NS, "doomed")
    assert api.find(NS, "doomed")["status"]["phase"] == "Terminating"
    await eventually(lambda: api.find(NS, "doomed") is None)
    assert contents(api, "doomed") == []
    assert len(contents(api, "kept")) == 4
    assert api.find(NS, "kept") is not None
    finalize = [c for c in api.calls if c.verb == "update" and c.detail == "finalize"]
    assert [c.name for c in finalize] == ["doomed"]


async def test_the_namespace_waits_for_objects_held_by_finalizers(api, running):
    await fill(api, "slow")
    await api.create(kinds.POD, {"metadata": {"name": "held", "finalizers": ["x/hold"]}}, "slow")
    await start(api, running, retry_delay=3600.0)  # only the event can wake it in time
    await api.delete(NS, "slow")
    await eventually(lambda: contents(api, "slow") == ["pods/held"])
    held = api.find(kinds.POD, "held", "slow")
    assert held["metadata"]["deletionTimestamp"]
    assert api.find(NS, "slow")["spec"]["finalizers"] == ["kubernetes"]
    released = {**held, "metadata": {**held["metadata"], "finalizers": []}}
    await api.update(kinds.POD, released)  # the pod's delete event wakes the controller
    await eventually(lambda: api.find(NS, "slow") is None)


async def test_active_namespaces_are_left_alone(api, running):
    await fill(api, "busy")
    ctrl = await start(api, running)
    await eventually(lambda: len(ctrl.queue) == 0 and ctrl.queue.processing() == 0)
    assert [c.verb for c in api.calls] == ["create"] * 5
    assert len(contents(api, "busy")) == 4


async def test_an_empty_terminating_namespace_is_finalized_at_start(api, running):
    await api.create(NS, {"metadata": {"name": "empty"}})
    await api.delete(NS, "empty")
    await start(api, running)
    await eventually(lambda: api.find(NS, "empty") is None)
