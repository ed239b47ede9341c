"""The in-memory store: the reference implementation of ``Storage``, and the tests' store.

Everything the contract promises, with nothing in the way: a dict of stamped JSON per key,
a sorted key list for prefix ranges, a list of changes for history. Every method runs
without awaiting, so each is atomic on the event loop and the order of writes is the order
of calls. Nothing survives the process; ``sqlite.SqliteStore`` is the one that persists.
"""

from __future__ import annotations

import bisect
import builtins
from collections.abc import AsyncIterator

from tinykube.api.meta import Obj
from tinykube.errors import StoreUnavailable
from tinykube.store.changes import Change, Stored, Write, apply, decode, decode_all
from tinykube.store.hub import DEFAULT_LIMIT, Hub
from tinykube.store.keys import key_range
from tinykube.store.retention import Compactor, Retention, compacted_after
from tinykube.store.storage import Event
from tinykube.store.watch import follow


class MemoryStore:
    """``Storage`` in a dict; history holds revisions ``oldest + 1 .. revision`` contiguously."""

    def __init__(
        self, *, retention: Retention | None = None, watch_buffer: int = DEFAULT_LIMIT
    ) -> None:
        self._objects: dict[str, Stored] = {}
        self._keys: list[str] = []  # sorted
        self._history: list[Change] = []  # _history[i].revision == _compacted + 1 + i
        self._revision = 0
        self._compacted = 0
        self._hub = Hub(watch_buffer)
        self._compactor = Compactor(self.compact, retention or Retention())
        self._open = False

    async def start(self) -> None:
        if self._hub.is_closed():
            raise StoreUnavailable("store is closed")
        self._open = True
        self._compactor.start()

    async def close(self) -> None:
        self._open = False
        await self._compactor.stop()
        self._hub.close()

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def oldest(self) -> int:
        return self._compacted

    async def get(self, key: str) -> Obj | None:
        self._check_open()
        stored = self._objects.get(key)
        return None if stored is None else decode(stored.value)

    async def list(self, prefix: str) -> tuple[list[Obj], int]:
        self._check_open()
        low, high = key_range(prefix)
        first = bisect.bisect_left(self._keys, low)
        end = len(self._keys) if high is None else bisect.bisect_left(self._keys, high, first)
        objects = self._objects
        keys = self._keys[first:end]
        return decode_all(objects[k].value for k in keys), self._revision

    async def create(self, key: str, obj: Obj) -> Obj:
        return self._write(Write("create", key, obj))

    async def update(self, key: str, obj: Obj, *, expect: int | None = None) -> Obj:
        return self._write(Write("update", key, obj, expect))

    async def delete(self, key: str, *, expect: int | None = None) -> Obj:
        return self._write(Write("delete", key, None, expect))

    def watch(self, prefix: str, since: int) -> AsyncIterator[Event]:
        return follow(self._hub, prefix, since, self._read_history)

    async def compact(self, keep: int) -> None:
        self._check_open()
        target = compacted_after(self._revision, self._compacted, keep)
        del self._history[: target - self._compacted]
        self._compacted = target

    def _write(self, write: Write) -> Obj:
        self._check_open()
        change = apply(write, self._objects.get(write.key), self._revision + 1)
        self._commit(change)
        self._hub.publish((change,))
        return change.object()

    def _commit(self, change: Change) -> None:
        key, stored = change.key, change.stored()
        if stored is None:
            del self._objects[key]
            del self._keys[bisect.bisect_left(self._keys, key)]
        else:
            if key not in self._objects:
                bisect.insort(self._keys, key)
            self._objects[key] = stored
        self._history.append(change)
        self._revision = change.revision

    async def _read_history(
        self, prefix: str, after: int, limit: int
    ) -> tuple[builtins.list[Change], int]:
        self._check_open()
        history: builtins.list[Change] = self._history
        out: builtins.list[Change] = []
        for i in range(max(after - self._compacted, 0), len(history)):
            if history[i].key.startswith(prefix):
                out.append(history[i])
                if len(out) == limit:
                    break
        return out, self._compacted

    def _check_open(self) -> None:
        if not self._open:
            state = "closed" if self._hub.is_closed() else "not started"
            raise StoreUnavailable(f"store is {state}")
