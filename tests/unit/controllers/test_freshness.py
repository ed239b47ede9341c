"""The write tracker: a reconcile waits until the cache has seen its own writes."""

from tinykube.api import kinds
from tinykube.controllers.freshness import WriteTracker
from tinykube.machinery.informer import Informer
from tinykube.testing.wait import eventually
from tinykube.testing.workloads import pod


async def test_fresh_after_the_informer_caught_up(api, running):
    inf = Informer(api, kinds.POD)
    tracker = WriteTracker(inf)
    assert tracker.fresh("k")
    created = await api.create(kinds.POD, pod("a"))
    tracker.wrote("k", created)
    assert not tracker.fresh("k")  # the informer is not even running
    running(inf.run)
    await eventually(lambda: tracker.fresh("k"))


async def test_deletes_wait_until_the_object_leaves_the_cache(api, running):
    inf = Informer(api, kinds.POD)
    running(inf.run)
    await api.create(kinds.POD, pod("a"))
    await eventually(lambda: inf.get("default/a") is not None)
    tracker = WriteTracker(inf)
    tracker.deleted("k", inf.get("default/a"))
    assert not tracker.fresh("k")
    await api.delete(kinds.POD, "a", "default")
    await eventually(lambda: tracker.fresh("k"))
    tracker.wrote("k", {"metadata": {"resourceVersion": "999"}})
    tracker.forget("k")
    assert tracker.fresh("k")
