import asyncio

from tinykube.api import kinds
from tinykube.machinery.factory import InformerFactory
from tinykube.testing.clock import FakeClock
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually


def test_the_same_collection_gets_the_same_informer():
    f = InformerFactory(FakeApi(), clock=FakeClock())
    a = f.informer(kinds.POD)
    assert f.informer(kinds.POD) is a
    assert f.informer(kinds.POD, "ns") is not a
    assert f.informer(kinds.POD, label_selector="app=x") is not a
    # cluster-scoped kinds ignore the namespace
    assert f.informer(kinds.NODE, "ns") is f.informer(kinds.NODE)


async def test_run_starts_informers_asked_for_later():
    api = FakeApi()
    await api.create(kinds.NAMESPACE, {"metadata": {"name": "x"}})
    f = InformerFactory(api, clock=FakeClock())
    pods = f.informer(kinds.POD)
    task = asyncio.create_task(f.run())
    try:
        await asyncio.wait_for(f.wait_synced(), 5)
        assert pods.has_synced
        ns = f.informer(kinds.NAMESPACE)
        assert not f.has_synced
        await eventually(lambda: ns.has_synced)
        assert ns.keys() == ["x"]
        assert f.has_synced
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not pods.running and not ns.running


async def test_run_again_after_cancel_restarts_the_informers():
    api = FakeApi()
    f = InformerFactory(api, clock=FakeClock())
    pods = f.informer(kinds.POD)
    for _ in range(2):
        task = asyncio.create_task(f.run())
        await eventually(lambda: pods.running and api.watchers == 1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert not pods.running
