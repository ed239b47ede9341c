import asyncio
from collections.abc import AsyncIterator

import pytest

from tinykube.api import kinds
from tinykube.errors import ServiceUnavailable
from tinykube.machinery.informer import Informer
from tinykube.machinery.ratelimit import Backoff
from tinykube.testing.clock import FakeClock, settle
from tinykube.testing.fake_api import FakeApi
from tinykube.testing.wait import eventually

SVC = kinds.SERVICE


def svc(name: str, ns: str = "default", **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"ports": [{"port": 80}]}}


class Recorder:
    def __init__(self, inf: Informer) -> None:
        self.events: list[tuple[str, str]] = []
        inf.add_handlers(
            on_add=lambda o: self.events.append(("add", o["metadata"]["name"])),
            on_update=lambda old, new: self.events.append(("update", new["metadata"]["name"])),
            on_delete=lambda o: self.events.append(("delete", o["metadata"]["name"])),
        )


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def tasks() -> AsyncIterator[list[asyncio.Task[None]]]:
    running: list[asyncio.Task[None]] = []
    yield running
    for t in running:
        t.cancel()
    await asyncio.gather(*running, return_exceptions=True)


def informer(api: FakeApi, clock: FakeClock, **kw) -> Informer:
    return Informer(api, SVC, clock=clock,
                    backoff=Backoff(initial=1.0, maximum=8.0, jitter=0.0), **kw)


async def start(inf: Informer, tasks: list) -> None:
    tasks.append(asyncio.create_task(inf.run()))
    await asyncio.wait_for(inf.wait_synced(), 5)


async def test_first_list_is_delivered_before_has_synced(api, clock, tasks):
    await api.create(SVC, svc("a"))
    await api.create(SVC, svc("b"))
    inf = informer(api, clock)
    rec = Recorder(inf)
    assert not inf.has_synced
    await start(inf, tasks)
    assert inf.has_synced
    assert rec.events == [("add", "a"), ("add", "b")]
    assert inf.get("default/a")["metadata"]["name"] == "a"
    assert inf.find("b", "default") is not None
    assert inf.resource_version == str(api.revision)


async def test_watch_events_reach_cache_and_handlers(api, clock, tasks):
    inf = informer(api, clock)
    rec = Recorder(inf)
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    created = await api.create(SVC, svc("a"))
    created["metadata"]["labels"] = {"x": "y"}
    await api.update(SVC, created)
    await api.delete(SVC, "a", "default")
    await eventually(lambda: len(rec.events) == 3)
    assert rec.events == [("add", "a"), ("update", "a"), ("delete", "a")]
    assert inf.get("default/a") is None
    assert inf.resource_version == str(api.revision)


async def test_rewatch_after_the_stream_ends_misses_nothing(api, clock, tasks):
    inf = informer(api, clock)
    rec = Recorder(inf)
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    await api.create(SVC, svc("a"))
    await eventually(lambda: rec.events == [("add", "a")])
    api.end_watches()
    await api.create(SVC, svc("b"))  # while no watch is open
    await eventually(lambda: ("add", "b") in rec.events)
    assert rec.events == [("add", "a"), ("add", "b")]


async def test_an_empty_short_watch_backs_off_before_rewatching(api, clock, tasks):
    inf = informer(api, clock)
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    api.end_watches()
    await settle()
    assert api.watchers == 0  # waiting for the backoff
    await clock.advance(1.0)
    await eventually(lambda: api.watchers == 1)


async def test_bookmarks_advance_the_resource_version(api, clock, tasks):
    inf = informer(api, clock, namespace="other")
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    await api.create(SVC, svc("elsewhere", ns="default"))  # not in our namespace
    api.bookmark()
    await eventually(lambda: inf.resource_version == str(api.revision))
    assert len(inf) == 0


async def test_expired_relists_and_delivers_only_the_differences(api, clock, tasks):
    await api.create(SVC, svc("keep"))
    changed = await api.create(SVC, svc("change"))
    await api.create(SVC, svc("gone"))
    inf = informer(api, clock)
    rec = Recorder(inf)
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    rec.events.clear()
    api.fail("watch", ServiceUnavailable("down for a while"))
    api.end_watches()
    await settle()
    # while the informer waits to retry: changes, then history is compacted away
    changed["metadata"]["labels"] = {"v": "2"}
    await api.update(SVC, changed)
    await api.delete(SVC, "gone", "default")
    await api.create(SVC, svc("new"))
    api.compact()
    await clock.advance(1.0)  # first retry fails (injected), then backoff 2 s
    await clock.advance(2.0)
    await eventually(lambda: len(rec.events) == 3)
    assert sorted(rec.events) == [("add", "new"), ("delete", "gone"), ("update", "change")]
    assert sorted(inf.keys()) == ["default/change", "default/keep", "default/new"]


async def test_error_event_with_410_relists(api, clock, tasks):
    inf = informer(api, clock)
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    lists_before = api.revision
    await api.create(SVC, svc("a"))
    api.compact()
    api.error_watches({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                       "reason": "Expired", "code": 410, "message": "too old"})
    await eventually(lambda: inf.get("default/a") is not None)
    assert api.revision == lists_before + 1
    await eventually(lambda: api.watchers == 1)


async def test_list_failures_back_off_then_sync(api, clock, tasks):
    api.fail("list", ServiceUnavailable("not yet"))
    api.fail("list", ServiceUnavailable("still not"))
    await api.create(SVC, svc("a"))
    inf = informer(api, clock)
    tasks.append(asyncio.create_task(inf.run()))
    await settle()
    assert not inf.has_synced
    await clock.advance(1.0)
    assert not inf.has_synced
    await clock.advance(2.0)
    await eventually(lambda: inf.has_synced)
    assert inf.keys() == ["default/a"]


async def test_a_failing_handler_does_not_stop_the_informer(api, clock, tasks):
    inf = informer(api, clock)

    def boom(obj: dict) -> None:
        raise RuntimeError("handler bug")

    inf.add_handlers(on_add=boom)
    rec = Recorder(inf)
    await start(inf, tasks)
    await eventually(lambda: api.watchers == 1)
    await api.create(SVC, svc("a"))
    await api.create(SVC, svc("b"))
    await eventually(lambda: len(rec.events) == 2)


async def test_late_handlers_get_the_cache_replayed(api, clock, tasks):
    await api.create(SVC, svc("a"))
    inf = informer(api, clock)
    await start(inf, tasks)
    rec = Recorder(inf)
    assert rec.events == [("add", "a")]


async def test_indexes_and_namespace_listing(api, clock, tasks):
    await api.create(SVC, svc("a", app="web"))
    await api.create(SVC, svc("b", ns="other", app="web"))
    await api.create(SVC, svc("c", app="db"))
    inf = informer(api, clock)
    inf.index("app", lambda o: [o["metadata"].get("labels", {}).get("app", "")])
    await start(inf, tasks)
    assert sorted(o["metadata"]["name"] for o in inf.by_index("app", "web")) == ["a", "b"]
    assert sorted(o["metadata"]["name"] for o in inf.list("default")) == ["a", "c"]
    assert len(inf.list()) == 3


async def test_cancel_stops_run_and_closes_the_watch(api, clock):
    inf = informer(api, clock)
    task = asyncio.create_task(inf.run())
    await asyncio.wait_for(inf.wait_synced(), 5)
    await eventually(lambda: api.watchers == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert api.watchers == 0
    assert not inf.running


async def test_running_twice_is_refused(api, clock, tasks):
    inf = informer(api, clock)
    await start(inf, tasks)
    with pytest.raises(RuntimeError):
        await inf.run()
