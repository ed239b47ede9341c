from __future__ import annotations

import asyncio

from tinykube.store.changes import Change
from tinykube.store.hub import Hub


def change(rev: int, key: str) -> Change:
    return Change(rev, key, "ADDED", b"{}")


async def test_publish_reaches_watchers_of_matching_prefixes_in_order() -> None:
    hub = Hub()
    services, default = hub.subscribe("/services/"), hub.subscribe("/services/a/")
    pods = hub.subscribe("/pods/")
    hub.publish([change(1, "/services/a/x"), change(2, "/services/b/y"), change(3, "/pods/a/z")])
    assert [(await services.next()).revision for _ in range(2)] == [1, 2]  # type: ignore[union-attr]
    assert (await default.next()).revision == 1  # type: ignore[union-attr]
    assert (await pods.next()).revision == 3  # type: ignore[union-attr]


async def test_a_waiting_watcher_wakes_on_publish() -> None:
    hub = Hub()
    watcher = hub.subscribe("/a/")
    waiting = asyncio.ensure_future(watcher.next())
    await asyncio.sleep(0)
    assert not waiting.done()
    hub.publish([change(1, "/a/x")])
    async with asyncio.timeout(5):
        assert (await waiting) == change(1, "/a/x")


async def test_overflow_ends_the_watcher_after_what_it_holds() -> None:
    hub = Hub(limit=2)
    slow, other = hub.subscribe("/a/"), hub.subscribe("/a/")
    hub.publish([change(1, "/a/x"), change(2, "/a/y")])
    assert (await other.next()) is not None
    hub.publish([change(3, "/a/z")])
    assert slow.overflowed and not other.overflowed
    assert len(hub) == 1
    assert [await slow.next(), await slow.next(), await slow.next()] == [
        change(1, "/a/x"), change(2, "/a/y"), None,
    ]


async def test_close_ends_every_watcher_at_once() -> None:
    hub = Hub()
    watcher = hub.subscribe("/a/")
    hub.publish([change(1, "/a/x")])
    waiting = asyncio.ensure_future(hub.subscribe("/b/").next())
    await asyncio.sleep(0)
    hub.close()
    assert await watcher.next() is None
    async with asyncio.timeout(5):
        assert await waiting is None
    assert len(hub) == 0
    assert await hub.subscribe("/a/").next() is None


def test_unsubscribe_forgets_the_watcher() -> None:
    hub = Hub()
    watcher = hub.subscribe("/a/")
    hub.unsubscribe(watcher)
    hub.unsubscribe(watcher)
    assert len(hub) == 0
    hub.publish([change(1, "/a/x")])
