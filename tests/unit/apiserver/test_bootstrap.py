"""What the server creates for itself at start, and how a restart finds it again."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tinykube.api.kinds import ENDPOINT_SLICE, ENDPOINTS, NAMESPACE, SERVICE
from tinykube.apiserver import bootstrap, certs
from tinykube.apiserver.server import ApiServer
from tinykube.store.memory import MemoryStore

from .conftest import TOKEN, Api
from .samples import collection, sample


def test_first_address() -> None:
    assert bootstrap.first_address("10.96.0.0/12") == "10.96.0.1"
    assert bootstrap.first_address("10.0.0.0/24") == "10.0.0.1"


async def test_system_namespaces_and_the_kubernetes_service(api: Api) -> None:
    _, _, nss = await api.call("GET", "/api/v1/namespaces")
    assert {n["metadata"]["name"] for n in nss["items"]} == set(bootstrap.NAMESPACES)
    status, _, svc = await api.call("GET", "/api/v1/namespaces/default/services/kubernetes")
    assert status == 200
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert "selector" not in svc["spec"]
    port = svc["spec"]["ports"][0]
    assert (port["name"], port["port"], port["targetPort"]) == ("https", 443, api.server.port)
    status, _, _ = await api.call("GET", "/api/v1/namespaces/default/endpoints/kubernetes")
    assert status == 404  # no advertised address: nothing for pods to reach


@asynccontextmanager
async def running(store: MemoryStore, pki: certs.CertFiles, **kw: Any) -> AsyncIterator[ApiServer]:
    server = ApiServer(store, tokens=[TOKEN], cert_file=str(pki.cert), key_file=str(pki.key),
                       listen=[("127.0.0.1", 0)], **kw)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def get(store: MemoryStore, key: str) -> dict[str, Any]:
    obj = await store.get(key)
    assert obj is not None, key
    return obj


async def test_advertised_address_gets_endpoints_and_a_slice(pki: certs.CertFiles) -> None:
    store = MemoryStore()
    await store.start()
    async with running(store, pki, advertise_address="172.18.0.1") as server:
        ep = await get(store, ENDPOINTS.key("default", "kubernetes"))
        assert ep["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
        assert ep["subsets"][0]["addresses"] == [{"ip": "172.18.0.1"}]
        assert ep["subsets"][0]["ports"][0]["port"] == server.port
        es = await get(store, ENDPOINT_SLICE.key("default", "kubernetes"))
        assert es["metadata"]["labels"]["kubernetes.io/service-name"] == "kubernetes"
        assert es["endpoints"][0]["addresses"] == ["172.18.0.1"]
        assert es["ports"][0]["port"] == server.port
    await store.close()


async def test_a_restart_keeps_objects_and_allocations(pki: certs.CertFiles) -> None:
    store = MemoryStore()
    await store.start()
    async with running(store, pki) as server:
        first_port = server.port
        uid = (await get(store, SERVICE.key("default", "kubernetes")))["metadata"]["uid"]
        ns_uid = (await get(store, NAMESPACE.key("", "default")))["metadata"]["uid"]
        body = sample(SERVICE, "fixed")
        body["spec"]["clusterIP"] = "10.96.0.42"
        ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s, \
                s.post(server.url + collection(SERVICE), json=body,
                       headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 201
    async with running(store, pki) as server:
        svc = await get(store, SERVICE.key("default", "kubernetes"))
        assert svc["metadata"]["uid"] == uid
        assert (await get(store, NAMESPACE.key("", "default")))["metadata"]["uid"] == ns_uid
        if server.port != first_port:
            assert svc["spec"]["ports"][0]["targetPort"] == server.port
        body["metadata"]["name"] = "again"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s, \
                s.post(server.url + collection(SERVICE), json=body,
                       headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            out = await resp.json()
            assert resp.status == 422, out
            assert out["details"]["causes"][0]["field"] == "spec.clusterIPs"
            assert "already allocated" in out["details"]["causes"][0]["message"]
    await store.close()


@pytest.mark.parametrize("cidr", ["10.0.0.0/24"])
async def test_the_service_cidr_decides_the_kubernetes_ip(pki: certs.CertFiles,
                                                          cidr: str) -> None:
    store = MemoryStore()
    await store.start()
    async with running(store, pki, service_cidr=cidr):
        svc = await get(store, SERVICE.key("default", "kubernetes"))
        assert svc["spec"]["clusterIP"] == "10.0.0.1"
    await store.close()


async def test_deleted_bootstrap_objects_come_back(pki: certs.CertFiles) -> None:
    store = MemoryStore()
    await store.start()
    ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
    async with running(store, pki, bootstrap_interval=0.05) as server:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s, \
                s.delete(server.url + "/api/v1/namespaces/default/services/kubernetes",
                         headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200
        for _ in range(200):
            if await store.get(SERVICE.key("default", "kubernetes")) is not None:
                break
            await asyncio.sleep(0.02)
        svc = await get(store, SERVICE.key("default", "kubernetes"))
        assert svc["spec"]["clusterIP"] == "10.96.0.1"
    await store.close()
