"""A real API server on 127.0.0.1 (port 0, TLS, token) over a MemoryStore, per test.

``api`` gives a started server and an aiohttp session that trusts its CA and sends the
token; ``Api.call`` returns (status, headers, decoded body). The official ``kubernetes``
client is synchronous: tests drive it through ``asyncio.to_thread`` so the server keeps
running on the test's loop.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tinykube.apiserver import certs
from tinykube.apiserver.server import ApiServer
from tinykube.store.memory import MemoryStore

TOKEN = "test-token-0123456789"


@dataclass
class Api:
    server: ApiServer
    store: MemoryStore
    session: aiohttp.ClientSession
    ca_file: Path

    @property
    def url(self) -> str:
        return self.server.url

    async def call(self, method: str, path: str, body: Any = None, *,
                   content_type: str | None = "application/json",
                   headers: dict[str, str] | None = None,
                   raw: bytes | None = None) -> tuple[int, Any, Any]:
        hdrs = {"Authorization": f"Bearer {TOKEN}"}
        if content_type is not None and (body is not None or raw is not None):
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        skip = ("Content-Type",) if content_type is None else ()  # as kubectl's PUT scale
        async with self.session.request(method, self.url + path, data=data, headers=hdrs,
                                        skip_auto_headers=skip) as resp:
            payload = await resp.read()
            try:
                decoded = orjson.loads(payload) if payload else None
            except orjson.JSONDecodeError:
                decoded = payload.decode()
            return resp.status, resp.headers, decoded

    def kube(self) -> Any:
        """An official ``kubernetes`` ApiClient configured for this server."""
        from kubernetes import client

        cfg = client.Configuration()
        cfg.host = self.url
        cfg.ssl_ca_cert = str(self.ca_file)
        cfg.api_key = {"authorization": TOKEN}
        cfg.api_key_prefix = {"authorization": "Bearer"}
        return client.ApiClient(cfg)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> certs.CertFiles:
    return certs.ensure(tmp_path_factory.mktemp("pki"))


@pytest.fixture
async def api(pki: certs.CertFiles) -> AsyncIterator[Api]:
    store = MemoryStore()
    await store.start()
    server = ApiServer(store, tokens=[TOKEN], cert_file=str(pki.cert), key_file=str(pki.key),
                       listen=[("127.0.0.1", 0)], bookmark_interval=0.2)
    await server.start()
    ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx))
    try:
        yield Api(server, store, session, pki.ca_cert)
    finally:
        await session.close()
        await server.stop()
        await store.close()
