"""How much history a store keeps: the background task that compacts it.

A watch can resume from any revision still in history, so history is what lets a client
that lost its connection carry on without a relist; it is also what grows with every
write. Both backends run ``compact_periodically`` from ``start()`` and cancel it in
``close()``: every ``interval`` seconds all but the newest ``keep`` revisions are dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tinykube.errors import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    """Keep the newest ``keep`` revisions; compact every ``interval`` seconds."""

    keep: int = 10_000
    interval: float = 60.0

    def __post_init__(self) -> None:
        if self.keep < 0 or self.interval <= 0:
            raise ValueError(f"bad retention: keep={self.keep} interval={self.interval}")


class Compactor:
    """Owns the compaction task of one store: started by ``start()``, stopped by ``close()``."""

    def __init__(self, compact: Callable[[int], Awaitable[None]], retention: Retention) -> None:
        self._compact = compact
        self._retention = retention
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(
                compact_periodically(self._compact, self._retention), name="store-compactor"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # our own cancellation still propagates


async def compact_periodically(
    compact: Callable[[int], Awaitable[None]], retention: Retention
) -> None:
    """Compact forever (until cancelled); a failed compaction is logged and tried again later."""
    while True:
        await asyncio.sleep(retention.interval)
        try:
            await compact(retention.keep)
        except StoreError as e:
            log.warning("compaction failed keep=%d error=%s", retention.keep, e)


def compacted_after(revision: int, compacted: int, keep: int) -> int:
    """The oldest watchable revision once all but the newest ``keep`` revisions are dropped."""
    if keep < 0:
        raise ValueError(f"keep must not be negative, not {keep}")
    return max(compacted, revision - keep)
