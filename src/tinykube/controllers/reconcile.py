"""The controller framework: informers → work queue → ``reconcile(key)``.

A controller subclasses ``Controller``, asks its ``InformerFactory`` for the informers it
reads, maps their objects to queue keys with ``watch(informer, keys)``, and implements
``reconcile(key)``. ``run()`` waits until every watched informer has synced, enqueues the
keys of everything cached (so a restart repairs what changed while it was down), and runs
``workers`` tasks that take keys off the queue. A key is never reconciled by two workers at
once; keys added while it runs are coalesced into one more run.

A reconcile reads the caches, computes what should exist and writes only the difference; it
must be safe to run twice and never trusts the event that woke it. What it raises decides
what happens next (kopf's ``execution.py``):

    returns            done; the key's retry backoff is forgotten
    Retry(delay)       run again after exactly ``delay`` seconds
    Permanent(reason)  logged; not retried until an event adds the key again
    anything else      logged; run again after the rate limiter's per-key backoff
                       (5 ms doubling to 1000 s, like client-go)

A controller built without a factory makes its own and runs it inside ``run()``; pass a
shared ``InformerFactory`` (run by its owner) to let controllers share caches.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from typing import ClassVar, Generic, TypeVar

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.errors import Conflict, Permanent, Retry, TinykubeError
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory
from tinykube.machinery.informer import Informer
from tinykube.machinery.ratelimit import RateLimiter, default_controller_limiter
from tinykube.machinery.workqueue import ShutDown, WorkQueue

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
KeyFunc = Callable[[Obj], Iterable[K]]


def object_key(obj: Obj) -> list[str]:
    """The usual key: ``namespace/name`` (``name`` when cluster-scoped)."""
    return [meta.key_of(obj)]


class Controller(ABC, Generic[K]):
    name: ClassVar[str] = "controller"

    def __init__(self, informers: InformerFactory, *, own_informers: bool = False,
                 workers: int = 1, clock: Clock | None = None,
                 rate_limiter: Callable[[], RateLimiter[K]] | None = None) -> None:
        self.informers = informers
        self.workers = workers
        self._own_informers = own_informers
        self._clock = clock
        self._limiter = rate_limiter or (lambda: default_controller_limiter(clock))
        self._watched: list[tuple[Informer, KeyFunc[K]]] = []
        self._queue = self._new_queue()

    def _new_queue(self) -> WorkQueue[K]:
        return WorkQueue(rate_limiter=self._limiter(), clock=self._clock, name=self.name)

    @property
    def queue(self) -> WorkQueue[K]:
        return self._queue

    # ------------------------------------------------------------------ wiring

    def watch(self, informer: Informer, keys: KeyFunc[K]) -> None:
        """Enqueue ``keys(obj)`` for every add, update (old and new) and delete."""
        self._watched.append((informer, keys))
        informer.add_handlers(
            on_add=lambda obj: self._enqueue(keys(obj)),
            on_update=lambda old, new: self._enqueue([*keys(old), *keys(new)]),
            on_delete=lambda obj: self._enqueue(keys(obj)),
        )

    def enqueue(self, key: K) -> None:
        self._queue.add(key)

    def _enqueue(self, keys: Iterable[K]) -> None:
        for key in keys:
            self._queue.add(key)

    # ------------------------------------------------------------------ work

    @abstractmethod
    async def reconcile(self, key: K) -> None:
        """Make the world match the caches for ``key``; see the module docstring."""

    @property
    def has_synced(self) -> bool:
        return all(inf.has_synced for inf, _ in self._watched)

    async def run(self) -> None:
        """Reconcile until cancelled."""
        if self._queue.shutting_down:
            self._queue = self._new_queue()
        try:
            async with asyncio.TaskGroup() as tg:
                if self._own_informers:
                    tg.create_task(self.informers.run(), name=f"{self.name}-informers")
                for inf, _ in self._watched:
                    await inf.wait_synced()
                self._resync()
                log.info("controller=%s synced, workers=%d", self.name, self.workers)
                for i in range(self.workers):
                    tg.create_task(self._work(), name=f"{self.name}-worker-{i}")
        finally:
            self._queue.shutdown()

    def _resync(self) -> None:
        for inf, keys in self._watched:
            for obj in inf.list():
                self._enqueue(keys(obj))

    async def _work(self) -> None:
        while True:
            try:
                key = await self._queue.get()
            except ShutDown:
                return
            try:
                await self.process(key)
            finally:
                self._queue.done(key)

    async def process(self, key: K) -> None:
        """Reconcile one key and requeue it as its outcome says (the caller calls ``done``)."""
        try:
            await self.reconcile(key)
        except Retry as r:
            log.debug("controller=%s key=%s retry in %.3fs: %s", self.name, key, r.delay, r)
            self._queue.add_after(key, r.delay)
        except Permanent as p:
            log.warning("controller=%s key=%s gave up: %s", self.name, key, p.reason)
            self._queue.forget(key)
        except Conflict as e:
            log.debug("controller=%s key=%s conflict, retrying: %s", self.name, key, e)
            self._queue.add_rate_limited(key)
        except Exception as e:
            log.warning("controller=%s key=%s failed (retry %d): %s: %s", self.name, key,
                        self._queue.retries(key) + 1, type(e).__name__, e,
                        exc_info=not isinstance(e, TinykubeError))
            self._queue.add_rate_limited(key)
        else:
            self._queue.forget(key)
