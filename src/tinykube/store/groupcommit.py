"""Group commit: writes that arrive while a transaction runs go together in the next one.

A commit costs the same fixed work (a thread hop, BEGIN/COMMIT, a WAL append, an fsync
with ``durability="full"``) however many writes it carries, so under load the writes
queued behind a running transaction share the next one; with one writer at a time each
write is its own transaction and waits for nobody. At most one batch is in flight, so
batches commit, and their changes are published, in revision order.

The caller learns of its write only after the batch committed and its changes were handed
to ``publish``: an acknowledged write is durable and already on its way to every watcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tinykube.errors import StoreUnavailable
from tinykube.store.changes import Change, Write

log = logging.getLogger(__name__)

Pending = tuple[Write, "asyncio.Future[Change]"]

Commit = Callable[[list[Write]], Awaitable[list[Change | Exception]]]


class GroupCommit:
    """Collects writes on the event loop and commits them in batches of at most ``max_batch``."""

    def __init__(
        self, commit: Commit, publish: Callable[[list[Change]], None], max_batch: int = 1000
    ) -> None:
        self._commit = commit
        self._publish = publish
        self._max_batch = max_batch
        self._pending: list[Pending] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, write: Write) -> Change:
        """The change ``write`` made, once it is committed and published; or its error."""
        future: asyncio.Future[Change] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="store-group-commit")
        return await future

    async def wait_idle(self) -> None:
        """Return once every submitted write has been committed (or failed)."""
        while (task := self._task) is not None:
            await asyncio.wait([task])

    async def _drain(self) -> None:
        batch: list[Pending] = []
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._run(batch)
        except BaseException as e:  # cancelled, or a bug: no caller may wait forever
            _fail([*batch, *self._pending], StoreUnavailable(f"write aborted: {e!r}"))
            self._pending.clear()
            raise
        finally:
            self._task = None

    async def _run(self, batch: list[Pending]) -> None:
        try:
            outcomes = await self._commit([write for write, _ in batch])
        except Exception as e:  # the whole transaction failed: every write in it fails
            log.error("commit failed writes=%d error=%s", len(batch), e)
            _fail(batch, e)
            return
        self._publish([o for o in outcomes if isinstance(o, Change)])
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the caller was cancelled; its write stands
                continue
            if isinstance(outcome, Change):
                future.set_result(outcome)
            else:
                future.set_exception(outcome)


def _fail(batch: list[Pending], error: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
