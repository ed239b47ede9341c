"""The real API server in the test's own event loop, on a free loopback port.

``async with serving(tmp_path) as api:`` starts a MemoryStore and an ``ApiServer`` with a
fresh CA and token, and yields ``Serving`` (``url``, ``ca_file``, ``token``, ``client()``);
everything is stopped when the block ends, even when the test fails. Faster than a
subprocess cluster (``testing.cluster``) and enough for client, informer and controller
integration tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tinykube.apiserver import certs
from tinykube.apiserver.server import ApiServer
from tinykube.client import Client
from tinykube.store.memory import MemoryStore

TOKEN = "integration-test-token"


@dataclass
class Serving:
    url: str
    ca_file: str
    token: str
    store: MemoryStore
    server: ApiServer
    _clients: list[Client] = field(default_factory=list)

    def client(self) -> Client:
        """A client trusting the test CA; closed when ``serving`` ends."""
        c = Client(self.url, self.token, self.ca_file)
        self._clients.append(c)
        return c


@contextlib.asynccontextmanager
async def serving(directory: Path) -> AsyncIterator[Serving]:
    files = certs.ensure(directory / "pki")
    store = MemoryStore()
    await store.start()
    server = ApiServer(store, tokens=TOKEN, cert_file=str(files.cert),
                       key_file=str(files.key), listen=[("127.0.0.1", 0)])
    try:
        await server.start()
        s = Serving(server.url, str(files.ca_cert), TOKEN, store, server)
        try:
            yield s
        finally:
            for c in s._clients:
                await c.close()
            await server.stop()
    finally:
        await store.close()
