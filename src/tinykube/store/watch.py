"""A watch: the retained history after a revision, then live changes, with no gap and no repeat.

The order of steps is what makes it exact. The watcher subscribes to the hub *before*
history is read, so every change committed after the read is buffered live; a change that
is both in the history read and in the live buffer is skipped by revision (live changes
at or below the last revision handed out are dropped). Both backends supply only
``read``: history is read in pages, so a long replay neither holds the store's thread
nor loads all of history into memory at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from tinykube.errors import Compacted, StoreUnavailable
from tinykube.store.changes import Change
from tinykube.store.hub import Hub
from tinykube.store.storage import Event

HistoryReader = Callable[[str, int, int], Awaitable[tuple[list[Change], int]]]
"""``read(prefix, after, limit)``: up to ``limit`` changes under ``prefix`` with revision >
``after``, in revision order, and the store's oldest watchable revision at that read."""

PAGE = 1000


async def follow(hub: Hub, prefix: str, since: int, read: HistoryReader) -> AsyncIterator[Event]:
    """Events under ``prefix`` after ``since``: history first, then live, until the watch ends."""
    if hub.is_closed():
        raise StoreUnavailable("store is closed")
    watcher = hub.subscribe(prefix)
    try:
        cursor = since
        while True:
            try:
                changes, oldest = await read(prefix, cursor, PAGE)
            except StoreUnavailable:
                if hub.is_closed():
                    return
                raise
            if cursor < oldest:
                raise Compacted(
                    f"revision {cursor} has been compacted; the oldest is {oldest}",
                    revision=cursor,
                    oldest=oldest,
                )
            for change in changes:
                cursor = change.revision
                yield change.event()
                if hub.is_closed():
                    return
            if len(changes) < PAGE:
                break
        while (live := await watcher.next()) is not None:
            if live.revision > cursor:
                cursor = live.revision
                yield live.event()
    finally:
        hub.unsubscribe(watcher)
