"""The server as a whole: TLS, authentication, Status errors, non-resource paths, stop."""

from __future__ import annotations

import asyncio
import ssl

import aiohttp
import pytest

from tinykube.apiserver.discovery import AGGREGATED_CONTENT_TYPE
from tinykube.apiserver.negotiation import MAX_BODY
from tinykube.apiserver.server import ApiServer
from tinykube.store.memory import MemoryStore

from .conftest import TOKEN, Api

DISCOVERY_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                    "application/json")


async def test_version_is_public_and_says_1_32(api: Api) -> None:
    async with api.session.get(api.url + "/version") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert (body["major"], body["minor"], body["gitVersion"]) == ("1", "32", "v1.32.4")


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz"])
async def test_health_is_public(api: Api, path: str) -> None:
    async with api.session.get(api.url + path) as resp:
        assert resp.status == 200
        assert await resp.text() == "ok"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {TOKEN}"}])
async def test_no_or_wrong_token_is_401_status(api: Api, headers: dict[str, str]) -> None:
    async with api.session.get(api.url + "/api/v1/namespaces", headers=headers) as resp:
        assert resp.status == 401
        body = await resp.json()
    assert body["kind"] == "Status" and body["reason"] == "Unauthorized"
    assert body["code"] == 401


async def test_plain_http_is_refused(api: Api) -> None:
    url = api.url.replace("https://", "http://")
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.ClientError):
            async with s.get(url + "/version") as resp:
                await resp.read()


async def test_a_client_that_does_not_trust_the_ca_fails(api: Api) -> None:
    ctx = ssl.create_default_context()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await s.get(api.url + "/version")


@pytest.mark.parametrize("path", ["/api/v1/widgets", "/apis/nope/v1", "/openapi/v2", "/metrics",
                                  "/api/v1/namespaces/default/services/web/scale"])
async def test_unknown_paths_are_404_status(api: Api, path: str) -> None:
    status, _, body = await api.call("GET", path)
    assert status == 404
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert body["reason"] == "NotFound" and body["status"] == "Failure"


async def test_method_not_allowed(api: Api) -> None:
    status, _, body = await api.call("POST", "/version", {})
    assert status == 405 and body["reason"] == "MethodNotAllowed"
    status, _, body = await api.call("PUT", "/api/v1/namespaces/default/services", {})
    assert status == 405


async def test_aggregated_discovery_needs_the_exact_accept(api: Api) -> None:
    for path in ("/api", "/apis"):
        status, headers, body = await api.call("GET", path,
                                               headers={"Accept": DISCOVERY_ACCEPT})
        assert status == 200
        assert headers["Content-Type"] == AGGREGATED_CONTENT_TYPE
        assert body["kind"] == "APIGroupDiscoveryList"
    status, headers, body = await api.call("GET", "/api")
    assert headers["Content-Type"] == "application/json"
    assert body["kind"] == "APIVersions" and body["versions"] == ["v1"]
    status, _, body = await api.call("GET", "/apis")
    assert body["kind"] == "APIGroupList"
    assert {g["name"] for g in body["groups"]} >= {"apps", "discovery.k8s.io"}


async def test_legacy_discovery_documents(api: Api) -> None:
    status, _, body = await api.call("GET", "/api/v1")
    assert status == 200 and body["kind"] == "APIResourceList"
    assert "services" in {r["name"] for r in body["resources"]}
    status, _, body = await api.call("GET", "/apis/apps/v1")
    assert "deployments/scale" in {r["name"] for r in body["resources"]}
    status, _, body = await api.call("GET", "/apis/apps")
    assert body["kind"] == "APIGroup" and body["name"] == "apps"
    status, _, body = await api.call("GET", "/")
    assert "/api/v1" in body["paths"] and "/apis/apps/v1" in body["paths"]


async def test_openapi_v3_index_and_documents(api: Api) -> None:
    status, _, index = await api.call("GET", "/openapi/v3")
    assert status == 200
    url = index["paths"]["api/v1"]["serverRelativeURL"]
    status, _, doc = await api.call("GET", url)
    assert status == 200 and doc["openapi"].startswith("3.")
    status, _, _ = await api.call("GET", "/openapi/v3/apis/nope/v1")
    assert status == 404


async def test_bodies_over_3_mib_are_413(api: Api) -> None:
    big = b'{"metadata":{"name":"x","annotations":{"a":"' + b"x" * MAX_BODY + b'"}}}'
    status, _, body = await api.call("POST", "/api/v1/namespaces/default/services", raw=big)
    assert status == 413
    assert body["reason"] == "RequestEntityTooLarge"
    assert body["message"] == f"Request entity too large: limit is {MAX_BODY}"
    # the connection is still usable, the store unchanged
    status, _, body = await api.call("GET", "/api/v1/namespaces/default/services/x")
    assert status == 404


@pytest.mark.parametrize("raw", [b"{nope", b"[]", b"", b"\xff\xfe"])
async def test_malformed_bodies_are_400(api: Api, raw: bytes) -> None:
    rev = api.store.revision
    status, _, body = await api.call("POST", "/api/v1/namespaces/default/services", raw=raw)
    assert status == 400 and body["reason"] == "BadRequest"
    assert api.store.revision == rev


async def test_malformed_yaml_is_400(api: Api) -> None:
    status, _, body = await api.call("POST", "/api/v1/namespaces/default/services",
                                     raw=b"metadata: [", content_type="application/yaml")
    assert status == 400 and "YAML" in body["message"]


async def test_unexpected_exceptions_are_500_status(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from tinykube.apiserver import registry

    def boom(*args: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(registry.defaults, "apply", boom)
    rev = api.store.revision
    status, _, body = await api.call("POST", "/api/v1/namespaces/default/services",
                                     {"metadata": {"name": "web"},
                                      "spec": {"ports": [{"port": 80}]}})
    assert status == 500 and body["reason"] == "InternalError"
    assert "kaboom" in caplog.text
    assert api.store.revision == rev
    status, _, _ = await api.call("GET", "/version")
    assert status == 200


async def test_port_zero_reports_the_bound_port_and_url(api: Api) -> None:
    host, port = api.server.addresses[0]
    assert host == "127.0.0.1" and port > 0 and api.server.port == port
    assert api.server.url == f"https://127.0.0.1:{port}"
    assert api.server.ready


async def test_stop_ends_watches_and_readiness(pki: object) -> None:
    from .conftest import Api as _Api  # noqa: F401  (the fixture type, for readers)

    store = MemoryStore()
    await store.start()
    files = pki
    server = ApiServer(store, tokens=TOKEN, cert_file=str(files.cert),  # type: ignore[attr-defined]
                       key_file=str(files.key), listen=[("127.0.0.1", 0)])  # type: ignore[attr-defined]
    await server.start()
    ctx = ssl.create_default_context(cafile=str(files.ca_cert))  # type: ignore[attr-defined]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s:
        resp = await s.get(server.url + "/api/v1/namespaces?watch=true",
                           headers={"Authorization": f"Bearer {TOKEN}"})
        assert resp.status == 200
        first = await resp.content.readline()
        assert b'"ADDED"' in first
        await asyncio.wait_for(server.stop(), 10)
        assert not server.ready
        rest = await asyncio.wait_for(resp.read(), 10)  # the stream ends: no hang
        assert rest.count(b"\n") == 3  # the other three namespaces, then the end
        resp.release()
        with pytest.raises(aiohttp.ClientError):
            await s.get(server.url + "/version")
    await store.close()


async def test_listening_on_a_port_in_use_raises_oserror(api: Api, pki: object) -> None:
    store = MemoryStore()
    await store.start()
    server = ApiServer(store, tokens=TOKEN, cert_file=str(pki.cert),  # type: ignore[attr-defined]
                       key_file=str(pki.key),  # type: ignore[attr-defined]
                       listen=[("127.0.0.1", api.server.port)])
    with pytest.raises(OSError):
        await server.start()
    assert not server.ready
    await store.close()
