"""The read cache: consistent with the store, in key order, recovering when it falls behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from tinykube.api.kinds import NAMESPACE, SERVICE
from tinykube.apiserver.cache import Cache
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore
from tinykube.store.storage import Storage


def svc(name: str, ns: str = "default") -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}}


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    s: Storage = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "db")
    await s.start()
    yield s
    await s.close()


async def test_every_read_sees_the_write_before_it(store: Storage) -> None:
    cache = Cache(store)
    await cache.start()
    try:
        for i in range(30):
            await store.create(SERVICE.key("default", f"s{i:02}"), svc(f"s{i:02}"))
            entries, rev = await cache.list(SERVICE.prefix())
            assert len(entries) == i + 1 and rev >= store.revision
    finally:
        await cache.stop()


async def names(cache: Cache, prefix: str) -> list[str]:
    entries, _ = await cache.list(prefix)
    return [e.obj["metadata"]["name"] for e in entries]


async def test_reads_see_every_write_before_them(store: Storage) -> None:
    await store.create(SERVICE.key("default", "a"), svc("a"))
    cache = Cache(store)
    await cache.start()
    try:
        assert await names(cache, SERVICE.prefix()) == ["a"]
        await store.create(SERVICE.key("default", "c"), svc("c"))
        await store.create(SERVICE.key("other", "b"), svc("b", "other"))
        await store.create(NAMESPACE.key("", "other"), {"apiVersion": "v1", "kind": "Namespace",
                                                        "metadata": {"name": "other"}})
        assert await names(cache, SERVICE.prefix()) == ["a", "c", "b"]  # key order
        assert await names(cache, SERVICE.prefix("default")) == ["a", "c"]
        await store.delete(SERVICE.key("default", "a"))
        entries, rev = await cache.list(SERVICE.prefix("default"))
        assert [e.obj["metadata"]["name"] for e in entries] == ["c"]
        assert rev == store.revision
        assert orjson.loads(entries[0].raw) == entries[0].obj
    finally:
        await cache.stop()


async def test_a_prefix_is_not_a_name_prefix(store: Storage) -> None:
    await store.create(SERVICE.key("default", "web"), svc("web"))
    await store.create(SERVICE.key("default-2", "web"), svc("web", "default-2"))
    cache = Cache(store)
    await cache.start()
    try:
        entries, _ = await cache.list(SERVICE.prefix("default"))
        assert [e.obj["metadata"]["namespace"] for e in entries] == ["default"]
    finally:
        await cache.stop()


async def test_updates_replace_entries(store: Storage) -> None:
    key = SERVICE.key("default", "a")
    await store.create(key, svc("a"))
    cache = Cache(store)
    await cache.start()
    try:
        changed = svc("a")
        changed["metadata"]["labels"] = {"x": "y"}  # type: ignore[index]
        await store.update(key, changed)
        entries, _ = await cache.list(SERVICE.prefix())
        assert entries[0].obj["metadata"]["labels"] == {"x": "y"}
        assert b'"labels":{"x":"y"}' in entries[0].raw
    finally:
        await cache.stop()


async def test_the_cache_lists_again_after_compaction_passed_it(store: Storage) -> None:
    cache = Cache(store)
    await cache.start()
    await cache.stop()  # stop following: the cache falls behind
    for n in "abc":
        await store.create(SERVICE.key("default", n), svc(n))
    await store.compact(1)
    cache._task = asyncio.create_task(cache._follow())  # follow again from the old revision
    try:
        assert await names(cache, SERVICE.prefix()) == ["a", "b", "c"]
    finally:
        await cache.stop()


async def test_without_a_follower_reads_go_to_the_store(store: Storage) -> None:
    cache = Cache(store)
    await cache.start()
    await cache.stop()
    await store.create(SERVICE.key("default", "late"), svc("late"))
    entries, rev = await cache.list(SERVICE.prefix())
    assert [e.obj["metadata"]["name"] for e in entries] == ["late"]
    assert rev == store.revision
