"""Live-watch fan-out: committed changes pushed to every watcher of a matching prefix.

Both backends call ``Hub.publish`` on the event loop, once per commit, in revision order;
nothing here awaits or touches a database, so a writer never waits for a watcher. Each
watcher has a bounded buffer: a watcher that falls ``limit`` changes behind is ended (it
hands out what it already holds, then stops) and forgotten, so a stuck reader costs at
most ``limit`` changes of memory and its caller re-watches from the last revision it saw.

Replaying history before the live changes is ``watch.follow``'s job.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable

from tinykube.store.changes import Change

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 10_000


class Watcher:
    """One subscriber's buffer of live changes under ``prefix``."""

    __slots__ = ("_buffer", "_limit", "_waiter", "ended", "overflowed", "prefix")

    def __init__(self, prefix: str, limit: int) -> None:
        self.prefix = prefix
        self._limit = limit
        self._buffer: deque[Change] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.ended = False
        self.overflowed = False

    def push(self, change: Change) -> bool:
        """Buffer ``change``; False when the watcher has ended (now or before)."""
        if self.ended:
            return False
        if len(self._buffer) >= self._limit:
            self.overflowed = True
            self.end(drain=True)
            return False
        self._buffer.append(change)
        self._wake()
        return True

    def end(self, *, drain: bool) -> None:
        """Stop; with ``drain`` the changes already buffered are still handed out."""
        self.ended = True
        if not drain:
            self._buffer.clear()
        self._wake()

    async def next(self) -> Change | None:
        """The next live change, or None once the watcher has ended and is drained."""
        while not self._buffer:
            if self.ended:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._buffer.popleft()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class Hub:
    """The set of live watchers, grouped by prefix (callers watch few distinct prefixes)."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"watch buffer limit must be positive, not {limit}")
        self._limit = limit
        self._by_prefix: dict[str, set[Watcher]] = {}
        self._closed = False

    def is_closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return sum(len(ws) for ws in self._by_prefix.values())

    def subscribe(self, prefix: str) -> Watcher:
        """A new watcher of live changes under ``prefix`` (already ended if the hub is closed)."""
        watcher = Watcher(prefix, self._limit)
        if self._closed:
            watcher.end(drain=False)
        else:
            self._by_prefix.setdefault(prefix, set()).add(watcher)
        return watcher

    def unsubscribe(self, watcher: Watcher) -> None:
        watchers = self._by_prefix.get(watcher.prefix)
        if watchers is None:
            return
        watchers.discard(watcher)
        if not watchers:
            del self._by_prefix[watcher.prefix]

    def publish(self, changes: Iterable[Change]) -> None:
        """Hand committed ``changes`` (in revision order) to every matching watcher."""
        ended: list[Watcher] = []
        for change in changes:
            for prefix, watchers in self._by_prefix.items():
                if change.key.startswith(prefix):
                    ended.extend(w for w in watchers if not w.push(change))
        for watcher in ended:
            log.warning("watch ended: too slow prefix=%s limit=%d", watcher.prefix, self._limit)
            self.unsubscribe(watcher)

    def close(self) -> None:
        """End every watcher now, dropping what they buffered."""
        self._closed = True
        for watchers in self._by_prefix.values():
            for watcher in watchers:
                watcher.end(drain=False)
        self._by_prefix.clear()
