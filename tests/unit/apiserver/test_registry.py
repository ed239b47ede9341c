"""The registry without HTTP: races, retries, and allocations that a failed write gives back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tinykube.api.kinds import NAMESPACE, SERVICE
from tinykube.apiserver.allocation import ServiceAllocator
from tinykube.apiserver.options import DeleteOptions, WriteOptions
from tinykube.apiserver.registry import Ref, Registry
from tinykube.errors import Conflict, StoreUnavailable
from tinykube.store.sqlite import SqliteStore

from .samples import sample


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Registry]:
    store = SqliteStore(tmp_path / "db")
    await store.start()
    allocator = ServiceAllocator(service_cidr="10.96.0.0/24", node_ports=(30000, 30010))
    reg = Registry(store, allocator)
    await reg.create(NAMESPACE, None, sample(NAMESPACE, "default"), WriteOptions())
    yield reg
    await store.close()


MERGE = "merge"


async def test_concurrent_unconditional_patches_all_land(registry: Registry) -> None:
    await registry.create(SERVICE, "default", sample(SERVICE, "web"), WriteOptions())
    ref = Ref(SERVICE, "default", "web")

    async def label(i: int) -> None:
        await registry.patch(ref, MERGE, {"metadata": {"labels": {f"l{i}": "x"}}},
                             WriteOptions())

    await asyncio.gather(*(label(i) for i in range(12)))
    svc = await registry.get(ref)
    assert set(svc["metadata"]["labels"]) == {f"l{i}" for i in range(12)}


async def test_concurrent_conditional_updates_one_wins(registry: Registry) -> None:
    out = await registry.create(SERVICE, "default", sample(SERVICE, "web"), WriteOptions())
    ref = Ref(SERVICE, "default", "web")

    async def update(i: int) -> bool:
        body = dict(out.obj, metadata=dict(out.obj["metadata"], labels={"winner": str(i)}))
        try:
            await registry.update(ref, body, WriteOptions())
        except Conflict:
            return False
        return True

    results = await asyncio.gather(*(update(i) for i in range(6)))
    assert results.count(True) == 1


async def test_a_failed_store_write_gives_the_cluster_ip_back(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    body = sample(SERVICE, "web")
    body["spec"]["clusterIP"] = "10.96.0.20"

    async def broken(key: str, obj: object) -> object:
        raise StoreUnavailable("disk on fire")

    with monkeypatch.context() as m:
        m.setattr(registry.store, "create", broken)
        with pytest.raises(StoreUnavailable):
            await registry.create(SERVICE, "default", body, WriteOptions())
    body = sample(SERVICE, "web")
    body["spec"]["clusterIP"] = "10.96.0.20"
    out = await registry.create(SERVICE, "default", body, WriteOptions())
    assert out.obj["spec"]["clusterIP"] == "10.96.0.20"


async def test_a_type_change_releases_node_ports_only_after_the_write(registry: Registry) -> None:
    body = sample(SERVICE, "np")
    body["spec"]["type"] = "NodePort"
    body["spec"]["ports"][0]["nodePort"] = 30005
    await registry.create(SERVICE, "default", body, WriteOptions())
    ref = Ref(SERVICE, "default", "np")
    await registry.patch(ref, MERGE, {"spec": {"type": "ClusterIP"}},
                         WriteOptions(dry_run=True))
    other = sample(SERVICE, "np2")
    other["spec"]["type"] = "NodePort"
    other["spec"]["ports"][0]["nodePort"] = 30005
    with pytest.raises(Exception, match="already allocated"):
        await registry.create(SERVICE, "default", other, WriteOptions())
    out = await registry.patch(ref, MERGE, {"spec": {"type": "ClusterIP"}}, WriteOptions())
    assert "nodePort" not in out.obj["spec"]["ports"][0]
    created = await registry.create(SERVICE, "default", other, WriteOptions())
    assert created.obj["spec"]["ports"][0]["nodePort"] == 30005


async def test_dry_run_delete_keeps_the_object_and_its_ip(registry: Registry) -> None:
    body = sample(SERVICE, "web")
    body["spec"]["clusterIP"] = "10.96.0.21"
    await registry.create(SERVICE, "default", body, WriteOptions())
    ref = Ref(SERVICE, "default", "web")
    removal = await registry.delete(ref, DeleteOptions(dry_run=True))
    assert removal.gone
    assert (await registry.get(ref))["spec"]["clusterIP"] == "10.96.0.21"
    other = sample(SERVICE, "web2")
    other["spec"]["clusterIP"] = "10.96.0.21"
    with pytest.raises(Exception, match="already allocated"):
        await registry.create(SERVICE, "default", other, WriteOptions())
