"""The read cache: every stored object, decoded once and encoded once, kept current by a watch.

Lists are the API's heaviest reads (``kubectl get -A``, informers relisting, the bench's
10,000 Services). Reading them from the store decodes every object on every request;
this cache, like kube-apiserver's watch cache, holds each object as a read-only dict
(for selectors and Tables) and as its JSON bytes (joined straight into the response),
and follows one store watch over every key to stay current.

Reads are consistent: a list first notes the store's revision and waits until the cache
has applied every change up to it, so a client always sees its own writes. When the
cache cannot follow (its watch ended because it fell behind, or history was compacted
under it) it lists the store again; a read that waits too long is served by the store
directly. Objects handed out are shared: callers must not change them.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from dataclasses import dataclass

from tinykube.api.kinds import KINDS
from tinykube.api.meta import Obj
from tinykube.errors import Compacted, StoreUnavailable
from tinykube.store.storage import Event, Storage
from tinykube.wire import codec

log = logging.getLogger(__name__)

ALL = "/"  # the watch follows every key; reads are per kind
WAIT_LIMIT = 2.0  # seconds a read waits for the cache before asking the store itself
RETRY = 1.0


@dataclass(frozen=True, slots=True)
class Entry:
    obj: Obj  # read-only
    raw: bytes  # its JSON


class Cache:
    def __init__(self, store: Storage) -> None:
        self._store = store
        self._entries: dict[str, Entry] = {}
        self._keys: list[str] = []  # sorted
        self.revision = 0
        self._advanced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._fill()
        self._task = asyncio.create_task(self._follow(), name="apiserver-cache")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def list(self, prefix: str) -> tuple[list[Entry], int]:
        """Every entry under ``prefix`` in key order, at least as new as the store now."""
        if not await self._caught_up(self._store.revision):
            items, revision = await self._store.list(prefix)
            return [Entry(o, codec.dumps(o)) for o in items], revision
        lo = bisect.bisect_left(self._keys, prefix)
        hi = lo
        keys, entries = self._keys, self._entries
        while hi < len(keys) and keys[hi].startswith(prefix):
            hi += 1
        return [entries[k] for k in keys[lo:hi]], self.revision

    async def _caught_up(self, target: int) -> bool:
        if self.revision >= target:
            return True
        if self._task is None:
            return False
        try:
            async with asyncio.timeout(WAIT_LIMIT):
                while self.revision < target:
                    await self._advanced.wait()
        except TimeoutError:
            log.warning("cache behind the store revision=%d target=%d", self.revision, target)
            return False
        return True

    async def _fill(self) -> None:
        """Read every kind's objects; events after the first read fix what came later."""
        entries: dict[str, Entry] = {}
        since: int | None = None
        for kind in KINDS:
            items, revision = await self._store.list(kind.prefix())
            since = revision if since is None else since
            for obj in items:
                md = obj.get("metadata") or {}
                key = kind.key(str(md.get("namespace") or ""), str(md.get("name") or ""))
                entries[key] = Entry(obj, codec.dumps(obj))
        self._entries = entries
        self._keys = sorted(entries)
        self.revision = 0
        self._advance(since or 0)

    async def _follow(self) -> None:
        while True:
            try:
                async for ev in self._store.watch(ALL, self.revision):
                    self.apply(ev)
                log.info("cache watch ended at revision=%d; listing again", self.revision)
            except Compacted:
                log.info("cache fell behind compaction at revision=%d", self.revision)
            except StoreUnavailable:
                await asyncio.sleep(RETRY)
            try:
                await self._fill()
            except StoreUnavailable:
                await asyncio.sleep(RETRY)

    def apply(self, ev: Event) -> None:
        """Apply one store event (public for tests)."""
        if ev.type == "DELETED":
            if self._entries.pop(ev.key, None) is not None:
                i = bisect.bisect_left(self._keys, ev.key)
                if i < len(self._keys) and self._keys[i] == ev.key:
                    del self._keys[i]
        else:
            if ev.key not in self._entries:
                bisect.insort(self._keys, ev.key)
            self._entries[ev.key] = Entry(ev.object, codec.dumps(ev.object))
        self._advance(ev.revision)

    def _advance(self, revision: int) -> None:
        if revision > self.revision:
            self.revision = revision
            advanced, self._advanced = self._advanced, asyncio.Event()
            advanced.set()
