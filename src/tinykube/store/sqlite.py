"""The SQLite store: the embedded default backend, one database file in the data dir.

Durability. The database runs in WAL mode. With ``durability="normal"`` (the default,
``synchronous=NORMAL``) a write is acknowledged once its transaction is appended to the
WAL file: it survives the death of the process (``kill -9``, a crash, OOM) because the
bytes are in the operating system's page cache, but a power loss or kernel crash may lose
the last acknowledged writes (never corrupt the database). ``durability="full"``
(``synchronous=FULL``) fsyncs the WAL on every commit, so acknowledged writes also survive
power loss, at the price of one fsync per transaction — which group commit shares among
all the writes that arrive together.

Threads. SQLite calls block, so they all run on one thread the store owns (a one-worker
executor, reached only through ``_call``); the event loop never waits on the disk. Writes
go through ``GroupCommit``: concurrent writes share a transaction. Reads run on the same
thread between transactions, so a list sees a committed state and the revision of exactly
that state. One process owns a database file at a time.

The SQL itself is in ``sqlitedb``; the watch algorithm is ``watch.follow`` over ``hub``.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from tinykube.api.meta import Obj
from tinykube.errors import StoreUnavailable
from tinykube.store.changes import Change, Write
from tinykube.store.groupcommit import GroupCommit
from tinykube.store.hub import DEFAULT_LIMIT, Hub
from tinykube.store.retention import Compactor, Retention
from tinykube.store.sqlitedb import Database, Durability, Outcome
from tinykube.store.storage import Event
from tinykube.store.watch import follow

T = TypeVar("T")


class SqliteStore:
    """``Storage`` in one SQLite file at ``path`` (created if missing)."""

    def __init__(
        self,
        path: str | Path,
        *,
        durability: Durability = "normal",
        retention: Retention | None = None,
        watch_buffer: int = DEFAULT_LIMIT,
        max_batch: int = 1000,
    ) -> None:
        if durability not in ("normal", "full"):
            raise ValueError(f"durability must be 'normal' or 'full', not {durability!r}")
        self._path = str(path)
        self._durability: Durability = durability
        self._hub = Hub(watch_buffer)
        self._writes = GroupCommit(self._commit, self._hub.publish, max_batch)
        self._compactor = Compactor(self.compact, retention or Retention())
        self._executor: ThreadPoolExecutor | None = None
        self._db: Database | None = None
        self._open = False

    async def start(self) -> None:
        if self._hub.is_closed() or self._executor is not None:
            raise StoreUnavailable("store was already started or closed")
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="tinykube-sqlite")
        try:
            self._db = await self._call(Database.open, self._path, self._durability)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        self._open = True
        self._compactor.start()

    async def close(self) -> None:
        """Finish the writes already submitted, end every watch, close the file."""
        was_open, self._open = self._open, False
        await self._compactor.stop()
        await self._writes.wait_idle()
        self._hub.close()
        executor, db = self._executor, self._db
        if executor is None:
            return
        if was_open and db is not None:
            await asyncio.get_running_loop().run_in_executor(executor, db.close)
        executor.shutdown(wait=False)

    @property
    def revision(self) -> int:
        return 0 if self._db is None else self._db.revision

    @property
    def oldest(self) -> int:
        return 0 if self._db is None else self._db.compacted

    async def get(self, key: str) -> Obj | None:
        return await self._call(self._database().get, key)

    async def list(self, prefix: str) -> tuple[list[Obj], int]:
        return await self._call(self._database().list_prefix, prefix)

    async def create(self, key: str, obj: Obj) -> Obj:
        return await self._write(Write("create", key, obj))

    async def update(self, key: str, obj: Obj, *, expect: int | None = None) -> Obj:
        return await self._write(Write("update", key, obj, expect))

    async def delete(self, key: str, *, expect: int | None = None) -> Obj:
        return await self._write(Write("delete", key, None, expect))

    def watch(self, prefix: str, since: int) -> AsyncIterator[Event]:
        return follow(self._hub, prefix, since, self._read_history)

    async def compact(self, keep: int) -> None:
        await self._call(self._database().compact, keep)

    async def _write(self, write: Write) -> Obj:
        self._database()
        change = await self._writes.submit(write)
        return change.object()

    async def _commit(self, batch: builtins.list[Write]) -> builtins.list[Outcome]:
        # Not _database(): writes submitted before close() still commit during it.
        if self._db is None:
            raise StoreUnavailable("store is not started")
        return await self._call(self._db.write, batch)

    async def _read_history(
        self, prefix: str, after: int, limit: int
    ) -> tuple[builtins.list[Change], int]:
        return await self._call(self._database().history, prefix, after, limit)

    def _database(self) -> Database:
        if not self._open or self._db is None:
            state = "closed" if self._hub.is_closed() else "not started"
            raise StoreUnavailable(f"store is {state}")
        return self._db

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` on the store's thread; SQLite's errors become ``StoreUnavailable``."""
        if self._executor is None:
            raise StoreUnavailable("store is not started")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, functools.partial(fn, *args))
        except sqlite3.Error as e:
            raise StoreUnavailable(f"sqlite {self._path}: {e}") from e
