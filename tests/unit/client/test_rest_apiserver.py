"""The client and an informer against the real API server (in-process, MemoryStore)."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from tinykube.api import kinds
from tinykube.client import Client
from tinykube.errors import AlreadyExists, Expired, Invalid, NotFound, Unauthorized
from tinykube.machinery.informer import Informer
from tinykube.testing.wait import eventually

apiserver = pytest.importorskip("tinykube.testing.apiserver")

SVC = kinds.SERVICE


def service(name: str, port: int = 80) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": port}]}}


@pytest.fixture
async def api(tmp_path) -> AsyncIterator:
    async with apiserver.serving(tmp_path) as s:
        yield s


async def test_crud_and_patches(api):
    c = api.client()
    created = await c.create(SVC, service("web"))
    assert created["spec"]["clusterIP"]
    with pytest.raises(AlreadyExists):
        await c.create(SVC, service("web"))
    got = await c.get(SVC, "web", "default")
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    got["metadata"]["labels"]["tier"] = "front"
    updated = await c.update(SVC, got)
    assert updated["metadata"]["labels"]["tier"] == "front"
    merged = await c.patch(SVC, "web", {"metadata": {"annotations": {"a": "1"}}}, "default")
    assert merged["metadata"]["annotations"] == {"a": "1"}
    smp = await c.patch(SVC, "web", {"spec": {"ports": [{"name": "alt", "port": 8080}]}}, "default",
                        patch_type="strategic")
    assert sorted(p["port"] for p in smp["spec"]["ports"]) == [80, 8080]
    jp = await c.patch(SVC, "web", [{"op": "remove", "path": "/metadata/annotations/a"}],
                       "default", patch_type="json")
    assert not (jp["metadata"].get("annotations") or {})
    items, rv = await c.list(SVC, "default", label_selector="app=web")
    assert [i["metadata"]["name"] for i in items] == ["web"]
    assert int(rv) > 0
    await c.delete(SVC, "web", "default")
    with pytest.raises(NotFound):
        await c.get(SVC, "web", "default")


async def test_server_side_apply(api):
    c = api.client()
    applied = await c.patch(SVC, "applied", service("applied"), "default",
                            patch_type="apply", field_manager="tinykube-test")
    assert applied["metadata"]["name"] == "applied"
    assert applied["spec"]["clusterIP"]


async def test_invalid_objects_come_back_with_causes(api):
    c = api.client()
    with pytest.raises(Invalid) as e:
        await c.create(SVC, service("bad", port=0))
    assert any("port" in cause.field for cause in e.value.causes)


async def test_a_wrong_token_is_unauthorized(api):
    async with Client(api.url, "wrong", api.ca_file) as c:
        with pytest.raises(Unauthorized):
            await c.list(kinds.NAMESPACE)


async def test_watch_from_a_list_resource_version(api):
    c = api.client()
    _, rv = await c.list(SVC, "default")
    await c.create(SVC, service("w1"))
    await c.delete(SVC, "w1", "default")
    seen = []
    async for ev in c.watch(SVC, "default", resource_version=rv, timeout_seconds=5):
        if ev.type != "BOOKMARK":
            seen.append((ev.type, ev.object["metadata"]["name"]))
        if len(seen) == 2:
            break
    assert seen == [("ADDED", "w1"), ("DELETED", "w1")]


async def test_watch_from_a_compacted_revision_is_expired(api):
    c = api.client()
    _, rv = await c.list(SVC, "default")
    for i in range(3):
        await c.create(SVC, service(f"c{i}"))
    await api.store.compact(1)
    with pytest.raises(Expired):
        async for _ in c.watch(SVC, "default", resource_version=rv):
            pass


async def test_an_informer_follows_the_server(api):
    c = api.client()
    await c.create(SVC, service("before"))
    inf = Informer(c, SVC, "default")
    events: list[tuple[str, str]] = []
    inf.add_handlers(on_add=lambda o: events.append(("add", o["metadata"]["name"])),
                     on_delete=lambda o: events.append(("delete", o["metadata"]["name"])))
    task = asyncio.create_task(inf.run())
    try:
        await asyncio.wait_for(inf.wait_synced(), 10)
        assert ("add", "before") in events
        await c.create(SVC, service("after"))
        await c.delete(SVC, "before", "default")
        await eventually(lambda: ("delete", "before") in events and ("add", "after") in events)
        assert inf.get("default/after")["kind"] == "Service"
        assert inf.get("default/before") is None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
