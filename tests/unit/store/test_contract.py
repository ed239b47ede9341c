"""The Storage contract, run against every backend (memory and SQLite).

A new backend (etcd) joins by adding a param to ``backend``; every test here must pass
unchanged. Waits are bounded by ``asyncio.timeout`` so a broken watch fails instead of
hanging; nothing asserts how long anything takes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tinykube.api.meta import Obj, resource_version
from tinykube.errors import (
    Compacted,
    KeyExists,
    KeyNotFound,
    RevisionConflict,
    StoreUnavailable,
)
from tinykube.store.memory import MemoryStore
from tinykube.store.retention import Retention
from tinykube.store.sqlite import SqliteStore
from tinykube.store.storage import Event, Storage

WAIT = 10.0  # seconds: generous bound on any single wait; a correct store needs far less


# --------------------------------------------------------------------------- fixtures


@dataclass
class Backend:
    """Makes stores of one kind; for SQLite every store made opens the same file."""

    name: str
    make: Callable[..., Storage]


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "memory":

        def memory(**kw: Any) -> Storage:
            return MemoryStore(**kw)

        return Backend("memory", memory)

    def sqlite(**kw: Any) -> Storage:
        return SqliteStore(tmp_path / "store.db", **kw)

    return Backend("sqlite", sqlite)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Storage]:
    s = backend.make()
    await s.start()
    try:
        yield s
    finally:
        await s.close()


def svc(name: str, ns: str = "default", **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": dict(spec),
    }


async def take(it: AsyncIterator[Event], n: int) -> list[Event]:
    """The next ``n`` events of ``it``."""
    async with asyncio.timeout(WAIT):
        return [await anext(it) for _ in range(n)]


async def ended(it: AsyncIterator[Event]) -> list[Event]:
    """Whatever ``it`` still yields, until it stops by itself."""
    async with asyncio.timeout(WAIT):
        return [e async for e in it]


def summary(events: list[Event]) -> list[tuple[str, str, int]]:
    return [(e.type, e.key, e.revision) for e in events]


# --------------------------------------------------------------------------- reads and writes


async def test_create_stamps_resource_version_and_get_returns_it(store: Storage) -> None:
    created = await store.create("/services/default/a", svc("a", port=80))
    assert created["metadata"]["resourceVersion"] == "1"
    assert created["spec"] == {"port": 80}
    assert store.revision == 1
    assert await store.get("/services/default/a") == created


async def test_objects_are_fresh_copies(store: Storage) -> None:
    given = svc("a")
    created = await store.create("/services/default/a", given)
    assert "resourceVersion" not in given["metadata"]  # the caller's object is untouched
    given["spec"]["x"] = 1
    created["spec"]["y"] = 2
    first = await store.get("/services/default/a")
    assert first is not None
    first["metadata"]["name"] = "changed"
    again = await store.get("/services/default/a")
    assert again == {**svc("a"), "metadata": {"name": "a", "namespace": "default",
                                              "resourceVersion": "1"}}
    items, _ = await store.list("/services/")
    items[0]["spec"]["z"] = 3
    assert (await store.list("/services/"))[0][0]["spec"] == {}


async def test_create_of_existing_key_raises_and_takes_no_revision(store: Storage) -> None:
    await store.create("/services/default/a", svc("a"))
    with pytest.raises(KeyExists) as err:
        await store.create("/services/default/a", svc("a", port=1))
    assert err.value.key == "/services/default/a"
    assert store.revision == 1
    assert resource_version(await store.create("/services/default/b", svc("b"))) == 2


async def test_missing_key(store: Storage) -> None:
    assert await store.get("/services/default/nope") is None
    with pytest.raises(KeyNotFound):
        await store.update("/services/default/nope", svc("nope"))
    with pytest.raises(KeyNotFound):
        await store.delete("/services/default/nope")
    assert store.revision == 0


async def test_update_checks_the_expected_revision(store: Storage) -> None:
    await store.create("/services/default/a", svc("a", port=1))
    await store.create("/services/default/b", svc("b"))
    updated = await store.update("/services/default/a", svc("a", port=2), expect=1)
    assert resource_version(updated) == 3
    with pytest.raises(RevisionConflict) as err:
        await store.update("/services/default/a", svc("a", port=3), expect=1)
    assert err.value.revision == 3
    assert await store.get("/services/default/a") == updated
    unconditional = await store.update("/services/default/a", svc("a", port=4))
    assert resource_version(unconditional) == 4
    assert store.revision == 4


async def test_update_ignores_a_resource_version_in_the_object(store: Storage) -> None:
    await store.create("/services/default/a", svc("a"))
    stale = svc("a")
    stale["metadata"]["resourceVersion"] = "999"
    assert (await store.update("/services/default/a", stale))["metadata"]["resourceVersion"] == "2"


async def test_delete_returns_last_state_at_the_delete_revision(store: Storage) -> None:
    await store.create("/services/default/a", svc("a", port=1))
    with pytest.raises(RevisionConflict):
        await store.delete("/services/default/a", expect=7)
    deleted = await store.delete("/services/default/a", expect=1)
    assert deleted == {**svc("a", port=1), "metadata": {"name": "a", "namespace": "default",
                                                        "resourceVersion": "2"}}
    assert await store.get("/services/default/a") is None
    assert store.revision == 2
    recreated = await store.create("/services/default/a", svc("a"))
    assert resource_version(recreated) == 3


async def test_every_write_takes_the_next_revision(store: Storage) -> None:
    seen = []
    for i in range(5):
        seen.append(resource_version(await store.create(f"/pods/ns/p{i}", {"i": i})))
    seen.append(resource_version(await store.update("/pods/ns/p0", {"i": 10})))
    seen.append(resource_version(await store.delete("/pods/ns/p1")))
    assert seen == list(range(1, 8))
    assert store.revision == 7


async def test_concurrent_writes_get_distinct_revisions_and_one_create_wins(store: Storage) -> None:
    async def create(i: int) -> Obj | Exception:
        try:
            return await store.create(f"/pods/ns/p{i % 10}", {"i": i})
        except KeyExists as e:
            return e

    outcomes = await asyncio.gather(*(create(i) for i in range(40)))
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(won) == 10
    assert sorted(resource_version(o) for o in won) == list(range(1, 11))
    assert store.revision == 10


async def test_a_bad_object_or_key_fails_alone(store: Storage) -> None:
    async def create(key: str, obj: Obj) -> Obj | Exception:
        try:
            return await store.create(key, obj)
        except (TypeError, ValueError) as e:  # not JSON; not a storable key
            return e

    good, bad, worse = await asyncio.gather(
        create("/a/good", {"x": 1}), create("/a/bad", {"x": {1, 2}}), create("/a/\ud800", {})
    )
    assert isinstance(bad, TypeError)
    assert isinstance(worse, ValueError)
    assert isinstance(good, dict) and resource_version(good) == 1
    assert await store.get("/a/bad") is None
    assert store.revision == 1


async def test_list_is_in_key_order_with_the_revision_read_at(store: Storage) -> None:
    names = ["b", "a", "c-2", "c", "c-10"]
    for n in names:
        await store.create(f"/services/default/{n}", svc(n))
    await store.delete("/services/default/c")
    items, rev = await store.list("/services/default/")
    assert [i["metadata"]["name"] for i in items] == ["a", "b", "c-10", "c-2"]
    assert rev == store.revision == 6
    assert [resource_version(i) for i in items] == [2, 1, 5, 3]


async def test_list_prefixes_are_isolated(store: Storage) -> None:
    await store.create("/services/default/a", svc("a"))
    await store.create("/services/default2/b", svc("b", "default2"))
    await store.create("/services/default/_x%", svc("_x%"))  # no LIKE wildcards
    await store.create("/servicesx/default/c", svc("c"))
    await store.create("/pods/default/p", {})

    def keys(items: list[Obj]) -> list[str]:
        return [i["metadata"]["name"] for i in items]

    assert keys((await store.list("/services/default/"))[0]) == ["_x%", "a"]
    assert keys((await store.list("/services/default2/"))[0]) == ["b"]
    assert keys((await store.list("/services/"))[0]) == ["_x%", "a", "b"]
    assert keys((await store.list("/services/default/_"))[0]) == ["_x%"]
    assert (await store.list("/nothing/"))[0] == []
    assert len((await store.list(""))[0]) == 5


async def test_empty_store(store: Storage) -> None:
    assert store.revision == 0
    assert store.oldest == 0
    assert await store.list("/") == ([], 0)


# --------------------------------------------------------------------------- watch


async def test_watch_from_zero_replays_history_then_follows_live(store: Storage) -> None:
    await store.create("/services/default/a", svc("a"))
    await store.update("/services/default/a", svc("a", port=1))
    it = store.watch("/services/", 0)
    history = await take(it, 2)
    assert summary(history) == [
        ("ADDED", "/services/default/a", 1),
        ("MODIFIED", "/services/default/a", 2),
    ]
    await store.create("/services/other/b", svc("b", "other"))
    await store.delete("/services/default/a")
    live = await take(it, 2)
    assert summary(live) == [
        ("ADDED", "/services/other/b", 3),
        ("DELETED", "/services/default/a", 4),
    ]


async def test_watch_from_the_middle_of_history(store: Storage) -> None:
    for i in range(6):
        await store.create(f"/pods/ns/p{i}", {"i": i})
    events = await take(store.watch("/pods/", 3), 3)
    assert [e.revision for e in events] == [4, 5, 6]
    assert [e.object["i"] for e in events] == [3, 4, 5]
    assert [resource_version(e.object) for e in events] == [4, 5, 6]


async def test_watch_from_the_current_revision_sees_only_new_changes(store: Storage) -> None:
    await store.create("/pods/ns/old", {})
    it = store.watch("/pods/", store.revision)
    waiting = asyncio.ensure_future(anext(it))
    await store.create("/pods/ns/new", {})
    async with asyncio.timeout(WAIT):
        first = await waiting
    assert (first.key, first.revision) == ("/pods/ns/new", 2)


async def test_watch_ahead_of_the_store_waits_for_that_revision(store: Storage) -> None:
    it = store.watch("/pods/", 2)
    waiting = asyncio.ensure_future(anext(it))
    for i in range(3):
        await store.create(f"/pods/ns/p{i}", {})
    async with asyncio.timeout(WAIT):
        first = await waiting
    assert first.revision == 3


async def test_watch_sees_only_its_prefix(store: Storage) -> None:
    it = store.watch("/services/default/", 0)
    await store.create("/services/default2/x", svc("x", "default2"))
    await store.create("/pods/default/y", {})
    await store.create("/services/default/z", svc("z"))
    [event] = await take(it, 1)
    assert (event.key, event.revision) == ("/services/default/z", 3)


async def test_events_carry_prev_and_deleted_carries_the_delete_revision(store: Storage) -> None:
    it = store.watch("/services/", 0)
    await store.create("/services/default/a", svc("a", port=1))
    await store.update("/services/default/a", svc("a", port=2))
    await store.delete("/services/default/a")
    added, modified, deleted = await take(it, 3)
    assert added.prev is None
    assert added.object == await_free(svc("a", port=1), rv=1)
    assert modified.object == await_free(svc("a", port=2), rv=2)
    assert modified.prev == added.object
    assert deleted.type == "DELETED" and deleted.revision == 3
    assert deleted.object == await_free(svc("a", port=2), rv=3)
    assert deleted.prev == modified.object
    # History gives the same events as live did.
    replay = await take(store.watch("/services/", 0), 3)
    assert replay == [added, modified, deleted]


def await_free(obj: Obj, rv: int) -> Obj:
    """``obj`` as the store returns it at revision ``rv``."""
    return {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}


async def test_each_watcher_gets_its_own_copies(store: Storage) -> None:
    one, two = store.watch("/a/", 0), store.watch("/a/", 0)
    await store.create("/a/x", {"v": 1})
    [e1], [e2] = await take(one, 1), await take(two, 1)
    e1.object["v"] = 2
    assert e2.object["v"] == 1


async def test_list_then_watch_misses_nothing_and_repeats_nothing(store: Storage) -> None:
    """Writers race with several list+watch pairs started at random moments."""
    prefix = "/pods/race/"
    written: dict[int, tuple[str, str]] = {}  # revision -> (type, key) under prefix
    rng = random.Random(7)

    async def writer(w: int) -> None:
        for i in range(60):
            key = f"{prefix}w{w}-{i // 3}"
            if i % 3 == 0:
                obj = await store.create(key, {"w": w, "i": i})
                written[resource_version(obj)] = ("ADDED", key)
            elif i % 3 == 1:
                obj = await store.update(key, {"w": w, "i": i})
                written[resource_version(obj)] = ("MODIFIED", key)
            else:
                obj = await store.delete(key)
                written[resource_version(obj)] = ("DELETED", key)
            await store.create(f"/pods/other/w{w}-{i}", {})  # revisions outside the prefix
            if rng.random() < 0.5:
                await asyncio.sleep(0)

    async def observer() -> tuple[list[Obj], int, list[Event]]:
        for _ in range(rng.randrange(30)):
            await asyncio.sleep(0)
        items, rev = await store.list(prefix)
        events = []
        async with asyncio.timeout(WAIT):
            async for event in store.watch(prefix, rev):
                events.append(event)
                if event.key == f"{prefix}done":
                    break
        return items, rev, events

    observers = [asyncio.ensure_future(observer()) for _ in range(6)]
    await asyncio.gather(*(writer(w) for w in range(4)))
    await store.create(f"{prefix}done", {"metadata": {"name": "done"}})
    for listed, rev, events in await asyncio.gather(*observers):
        revisions = [e.revision for e in events]
        expected = [*sorted(r for r in written if r > rev), store.revision]
        assert revisions == expected
        assert [(e.type, e.key) for e in events[:-1]] == [written[r] for r in expected[:-1]]
        assert all(resource_version(i) <= rev for i in listed)


async def test_list_and_watch_rebuild_the_final_state(store: Storage) -> None:
    async def churn() -> None:
        for i in range(50):
            key = f"/x/k{i % 7}"
            if await store.get(key) is None:
                await store.create(key, {"metadata": {"name": key}, "i": i})
            elif i % 3:
                await store.update(key, {"metadata": {"name": key}, "i": i})
            else:
                await store.delete(key)
            await asyncio.sleep(0)

    task = asyncio.ensure_future(churn())
    for _ in range(10):
        await asyncio.sleep(0)
    items, rev = await store.list("/x/")
    state = {i["metadata"]["name"]: i for i in items}
    it = store.watch("/x/", rev)
    await task
    async with asyncio.timeout(WAIT):
        while rev < store.revision:
            event = await anext(it)
            rev = event.revision
            if event.type == "DELETED":
                del state[event.key]
            else:
                state[event.key] = event.object
    final, _ = await store.list("/x/")
    assert state == {i["metadata"]["name"]: i for i in final}


# --------------------------------------------------------------------------- compaction


async def test_compact_keeps_the_newest_revisions(store: Storage) -> None:
    for i in range(10):
        await store.create(f"/pods/ns/p{i}", {})
    await store.compact(3)
    assert store.oldest == 7
    with pytest.raises(Compacted) as err:
        await anext(store.watch("/pods/", 6))
    assert err.value.oldest == 7
    with pytest.raises(Compacted):
        await anext(store.watch("/pods/", 0))
    events = await take(store.watch("/pods/", 7), 3)
    assert [e.revision for e in events] == [8, 9, 10]
    await store.compact(5)  # never un-compacts
    assert store.oldest == 7
    assert len((await store.list("/pods/"))[0]) == 10  # objects are not history


async def test_watch_from_zero_works_until_history_is_compacted(store: Storage) -> None:
    [event] = await take(_watch_then_create(store), 1)
    assert event.revision == 1
    await store.compact(0)
    assert store.oldest == 1
    with pytest.raises(Compacted):
        await anext(store.watch("/a/", 0))
    it = store.watch("/a/", 1)
    waiting = asyncio.ensure_future(anext(it))
    await store.create("/a/y", {})
    async with asyncio.timeout(WAIT):
        assert (await waiting).revision == 2


def _watch_then_create(store: Storage) -> AsyncIterator[Event]:
    async def gen() -> AsyncIterator[Event]:
        it = store.watch("/a/", 0)
        await store.create("/a/x", {})
        async for e in it:
            yield e

    return gen()


async def test_compaction_runs_in_the_background(backend: Backend) -> None:
    store = backend.make(retention=Retention(keep=2, interval=0.01))
    await store.start()
    try:
        for i in range(10):
            await store.create(f"/a/{i}", {})
        async with asyncio.timeout(WAIT):
            while store.oldest != 8:
                await asyncio.sleep(0.01)
        with pytest.raises(Compacted):
            await anext(store.watch("/a/", 7))
    finally:
        await store.close()


# --------------------------------------------------------------------------- ending watches


async def test_a_slow_watcher_is_ended_without_blocking_writers(backend: Backend) -> None:
    store = backend.make(watch_buffer=5)
    await store.start()
    try:
        it = store.watch("/a/", 0)
        await store.create("/a/first", {})
        await take(it, 1)  # now following live changes
        for i in range(20):  # nobody reads: the buffer overflows; writes still complete
            await store.create(f"/a/{i}", {})
        rest = await ended(it)
        assert 0 < len(rest) <= 5
        assert [e.revision for e in rest] == list(range(2, 2 + len(rest)))
        assert store.revision == 21
        assert len(await ended(_limit(store.watch("/a/", rest[-1].revision), 15))) == 15
    finally:
        await store.close()


async def _limit(it: AsyncIterator[Event], n: int) -> AsyncIterator[Event]:
    for _ in range(n):
        yield await anext(it)


async def test_close_ends_open_watches(backend: Backend) -> None:
    store = backend.make()
    await store.start()
    live = store.watch("/a/", 0)
    await store.create("/a/x", {})
    await take(live, 1)
    waiting = asyncio.ensure_future(anext(live))
    for _ in range(5):
        await asyncio.sleep(0)
    not_started = store.watch("/a/", 0)
    await store.close()
    with pytest.raises(StopAsyncIteration):
        async with asyncio.timeout(WAIT):
            await waiting
    with pytest.raises(StoreUnavailable):
        await anext(not_started)


async def test_a_closed_store_refuses_work(backend: Backend) -> None:
    store = backend.make()
    with pytest.raises(StoreUnavailable):
        await store.get("/a")
    await store.start()
    await store.create("/a/x", {})
    await store.close()
    for call in (
        store.get("/a/x"),
        store.list("/a/"),
        store.create("/a/y", {}),
        store.update("/a/x", {}),
        store.delete("/a/x"),
        store.compact(1),
    ):
        with pytest.raises(StoreUnavailable):
            await call
    await store.close()  # twice is fine


async def test_writes_submitted_before_close_complete(backend: Backend) -> None:
    store = backend.make()
    await store.start()
    writes = [asyncio.ensure_future(store.create(f"/a/{i}", {})) for i in range(50)]
    await asyncio.sleep(0)
    await store.close()
    done = await asyncio.gather(*writes, return_exceptions=True)
    assert all(isinstance(d, dict) for d in done)


# --------------------------------------------------------------------------- persistence


async def test_restart_restores_objects_revision_and_history(backend: Backend) -> None:
    if backend.name == "memory":
        pytest.skip("the memory store keeps nothing across restarts")
    store = backend.make()
    await store.start()
    for i in range(6):
        await store.create(f"/services/default/s{i}", svc(f"s{i}", port=i))
    await store.update("/services/default/s1", svc("s1", port=100))
    await store.delete("/services/default/s2")
    await store.compact(5)
    before_list = await store.list("/services/")
    before_history = await take(store.watch("/services/", store.oldest), 5)
    await store.close()

    reopened = backend.make()
    await reopened.start()
    try:
        assert reopened.revision == 8
        assert reopened.oldest == 3
        assert await reopened.list("/services/") == before_list
        assert await take(reopened.watch("/services/", 3), 5) == before_history
        with pytest.raises(Compacted):
            await anext(reopened.watch("/services/", 2))
        again = await reopened.create("/services/default/s2", svc("s2"))
        assert resource_version(again) == 9
    finally:
        await reopened.close()
