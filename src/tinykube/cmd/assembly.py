"""How each component of a one-process cluster is built, started and stopped.

``up.py`` decides the order and prints the progress; this module holds the handles and
knows each component's constructor, so a changed constructor is a change here only.
Controllers talk to the API through a client like any other process would (DESIGN.md:
components talk only through the API), so they could move to their own process unchanged.
A controller whose ``run`` fails is logged and started again after a growing delay.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from tinykube.apiserver import certs
from tinykube.apiserver.server import ApiServer
from tinykube.client import Client
from tinykube.cmd import port
from tinykube.cmd.options import UpOptions
from tinykube.controllers.garbagecollector import GarbageCollector
from tinykube.controllers.namespace import NamespaceController
from tinykube.machinery.factory import InformerFactory
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore
from tinykube.store.storage import Storage

log = logging.getLogger(__name__)

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
SYNC_TIMEOUT = 10.0

Stage = tuple[str, Callable[[], Awaitable[None]]]


class Runnable(Protocol):
    async def run(self) -> None: ...


class _Informers:
    """The shared informer factory as something to supervise."""

    def __init__(self, factory: InformerFactory) -> None:
        self._factory = factory

    async def run(self) -> None:
        await self._factory.run()


class Cluster:
    """The components of one ``tinykube up``, started one by one."""

    def __init__(self, opts: UpOptions) -> None:
        self._opts = opts
        self._store: Storage | None = None
        self._server: ApiServer | None = None
        self._client: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._certs: certs.CertFiles | None = None

    def certificates(self) -> None:
        """The CA and serving certificate (made once, reused after) and the token."""
        d = self._opts.data_dir
        self._certs = certs.ensure(d.pki, extra_ips=_extra_ips(self._opts.address))
        d.token()

    async def start_store(self) -> None:
        d = self._opts.data_dir
        store: Storage = SqliteStore(d.store) if self._opts.store == "sqlite" else MemoryStore()
        await store.start()
        self._store = store

    async def start_apiserver(self) -> None:
        assert self._store is not None and self._certs is not None
        d, o = self._opts.data_dir, self._opts
        server = ApiServer(
            self._store,
            tokens=d.token(),
            cert_file=str(self._certs.cert),
            key_file=str(self._certs.key),
            listen=[(o.address, o.port)],
        )
        try:
            await server.start()
        except OSError as e:
            if not port.is_bind_error(e):
                raise
            raise port.as_config_error(e, o.address, o.port) from e
        self._server = server

    async def start_controllers(self) -> None:
        """Start the controllers on one set of shared informers; wait (bounded) for their sync."""
        d = self._opts.data_dir
        client = Client(self._opts.server, d.token(), str(d.ca_file))
        self._client = client
        informers = InformerFactory(client)
        runners: dict[str, Runnable] = {
            "garbagecollector": GarbageCollector(client, informers=informers),
            "namespace": NamespaceController(client, informers=informers),
            "informers": _Informers(informers),
        }
        for name, runner in runners.items():
            self._tasks.append(asyncio.create_task(_supervise(name, runner), name=name))
        try:
            async with asyncio.timeout(SYNC_TIMEOUT):
                await informers.wait_synced()
        except TimeoutError:
            log.warning("controllers' informers not synced after %.0f s; going on", SYNC_TIMEOUT)

    def stop_stages(self) -> list[Stage]:
        """What to stop, in order, for what has started."""
        stages: list[Stage] = []
        if self._server is not None:
            stages.append(("apiserver stopped", self._server.stop))
        if self._tasks or self._client is not None:
            stages.append(("controllers stopped", self._stop_controllers))
        if self._store is not None:
            stages.append((f"store closed ({self._opts.store})", self._store.close))
        return stages

    async def _stop_controllers(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.close()
            self._client = None


async def _supervise(name: str, controller: Runnable) -> None:
    """Run ``controller`` until cancelled, restarting it after a failure."""
    failures = 0
    while True:
        try:
            await controller.run()
            log.warning("controller=%s returned; starting it again", name)
        except Exception:
            log.exception("controller=%s failed", name)
        delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
        failures += 1
        await asyncio.sleep(delay)


def _extra_ips(address: str) -> list[str]:
    """The listen address, when clients may reach it by a specific IP (not loopback or any)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return []
    return [] if ip.is_unspecified or ip.is_loopback else [str(ip)]
