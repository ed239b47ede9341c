"""An informer: a local, always-catching-up copy of one collection, and change handlers.

It lists the collection, then watches from the list's resourceVersion, applying each event
to its ``Cache`` and calling the handlers (``on_add(obj)``, ``on_update(old, new)``,
``on_delete(obj)``) in order, from its own task. ``has_synced`` becomes true once the first
list has been delivered: a consumer must not act on "X does not exist" before that.

When a watch ends it re-watches from the last resourceVersion it saw (bookmarks advance it);
when the server says that version is gone (410 ``Expired``) it lists again and delivers only
the differences against its cache. Failures wait a jittered, growing backoff. Cancelling
``run()`` stops it; nothing here swallows ``CancelledError``.

Handlers must be quick and must not change the objects they are given (they are the
cache's own); typically they put keys on a work queue.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from tinykube.api import meta
from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj
from tinykube.errors import Expired, from_status
from tinykube.machinery.cache import Cache, Change, IndexFunc, by_namespace, diff
from tinykube.machinery.clock import Clock, LoopClock
from tinykube.machinery.listwatch import ListerWatcher, WatchEvent
from tinykube.machinery.ratelimit import Backoff

log = logging.getLogger(__name__)

AddHandler = Callable[[Obj], None]
UpdateHandler = Callable[[Obj, Obj], None]
DeleteHandler = Callable[[Obj], None]

# A watch that ends this soon after it started without delivering anything counts as a
# failure (backoff) rather than a normal end (immediate re-watch), so a server that closes
# every watch at once is not hammered.
_SHORT_WATCH = 1.0


@dataclass(frozen=True)
class Handlers:
    on_add: AddHandler | None = None
    on_update: UpdateHandler | None = None
    on_delete: DeleteHandler | None = None


class _Relist(Exception):
    """The watch cannot continue from the last resourceVersion; list again."""


class Informer:
    def __init__(
        self,
        lw: ListerWatcher,
        kind: Kind,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        watch_timeout: int | None = None,
    ) -> None:
        self.kind = kind
        self.namespace = namespace if kind.namespaced else None
        self.label_selector = label_selector
        self.field_selector = field_selector
        self._lw = lw
        self._clock = clock or LoopClock()
        self._backoff = backoff or Backoff()
        self._watch_timeout = watch_timeout
        self._cache = Cache()
        self._cache.add_index("namespace", by_namespace)
        self._handlers: list[Handlers] = []
        self._synced = asyncio.Event()
        self._rv = ""
        self._running = False

    # ------------------------------------------------------------------ consumers

    def add_handlers(self, on_add: AddHandler | None = None,
                     on_update: UpdateHandler | None = None,
                     on_delete: DeleteHandler | None = None) -> None:
        """Register handlers; objects already cached are replayed to ``on_add`` at once."""
        h = Handlers(on_add, on_update, on_delete)
        self._handlers.append(h)
        if on_add is not None:
            for obj in self._cache.values():
                _call(self.kind, on_add, obj)

    def index(self, name: str, fn: IndexFunc) -> None:
        """Add a named index (``fn(obj)`` -> the values it is found under); idempotent."""
        self._cache.add_index(name, fn)

    def by_index(self, name: str, value: str) -> list[Obj]:
        return self._cache.by_index(name, value)

    def get(self, key: str) -> Obj | None:
        """The cached object with ``meta.key_of`` ``key`` (``ns/name`` or ``name``)."""
        return self._cache.get(key)

    def find(self, name: str, namespace: str | None = None) -> Obj | None:
        return self._cache.get(f"{namespace}/{name}" if namespace else name)

    def list(self, namespace: str | None = None) -> list[Obj]:
        """Cached objects, all or those of one namespace."""
        if namespace is None:
            return self._cache.values()
        return self._cache.by_index("namespace", namespace)

    def keys(self) -> builtins.list[str]:
        return list(self._cache)

    def __len__(self) -> int:
        return len(self._cache)

    @property
    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    @property
    def resource_version(self) -> str:
        """The last resourceVersion seen (from a list, an event or a bookmark)."""
        return self._rv

    @property
    def running(self) -> bool:
        return self._running

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        """List and watch until cancelled."""
        if self._running:
            raise RuntimeError(f"informer for {self.kind.plural} is already running")
        self._running = True
        try:
            while True:
                try:
                    await self._list()
                except Exception as e:
                    await self._fail("list", e)
                    continue
                await self._watch_until_relist()
        finally:
            self._running = False

    async def _list(self) -> None:
        items, rv = await self._lw.list(self.kind, self.namespace, self.label_selector,
                                        self.field_selector)
        for change in diff(self._cache.snapshot(), items):
            self._apply(change)
        self._rv = rv
        self._backoff.reset()
        if not self._synced.is_set():
            log.debug("informer=%s synced objects=%d rv=%s", self.kind.plural,
                      len(self._cache), rv)
            self._synced.set()

    async def _watch_until_relist(self) -> None:
        while True:
            started = self._clock.now()
            try:
                delivered = await self._watch_once()
            except (Expired, _Relist) as e:
                log.info("informer=%s rv=%s expired, relisting: %s", self.kind.plural,
                         self._rv, e)
                return
            except Exception as e:
                await self._fail("watch", e)
                continue
            if delivered:
                self._backoff.reset()
            elif self._clock.now() - started < _SHORT_WATCH:
                await self._clock.sleep(self._backoff.next())

    async def _watch_once(self) -> bool:
        """One watch stream from ``self._rv``; True if it delivered any event."""
        stream = self._lw.watch(
            self.kind, self.namespace, resource_version=self._rv,
            label_selector=self.label_selector, field_selector=self.field_selector,
            timeout_seconds=self._watch_timeout,
        )
        delivered = False
        try:
            async for event in stream:
                self._handle(event)
                delivered = True
        finally:
            await _close(stream)
        return delivered

    async def _fail(self, what: str, e: Exception) -> None:
        delay = self._backoff.next()
        log.warning("informer=%s %s failed, retry in %.2fs: %s: %s", self.kind.plural, what,
                    delay, type(e).__name__, e)
        await self._clock.sleep(delay)

    # ------------------------------------------------------------------ events

    def _handle(self, event: WatchEvent) -> None:
        obj = event.object
        if event.type == "ERROR":
            err = from_status(obj)
            if isinstance(err, Expired):
                raise _Relist(str(err))
            raise err
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if event.type == "BOOKMARK":
            self._rv = rv or self._rv
            return
        key = meta.key_of(obj)
        old = self._cache.get(key)
        if event.type == "DELETED":
            if old is not None:
                self._apply(Change("delete", old, None))
        elif old is None:
            self._apply(Change("add", None, obj))
        else:
            self._apply(Change("update", old, obj))
        if rv:
            self._rv = rv

    def _apply(self, change: Change) -> None:
        if change.type == "delete":
            assert change.old is not None
            self._cache.remove(meta.key_of(change.old))
            for h in list(self._handlers):
                if h.on_delete is not None:
                    _call(self.kind, h.on_delete, change.old)
            return
        assert change.new is not None
        self._cache.put(change.new)
        for h in list(self._handlers):
            if change.old is None and h.on_add is not None:
                _call(self.kind, h.on_add, change.new)
            elif change.old is not None and h.on_update is not None:
                _call(self.kind, h.on_update, change.old, change.new)


def _call(kind: Kind, fn: Callable[..., None], *args: Obj) -> None:
    """A handler that raises is logged, never allowed to stop the informer."""
    try:
        fn(*args)
    except Exception:
        log.exception("informer=%s handler %r failed", kind.plural, fn)


async def _close(stream: AsyncIterator[WatchEvent]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()

