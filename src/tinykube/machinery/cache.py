"""The informer's local copy of a collection: objects by key, with named indexes.

Keys are ``meta.key_of`` (``namespace/name``, or ``name`` when cluster-scoped). An index
maps each object to some strings (its namespace, a label value, the uids of its owners) so
"every pod of this node" is a dictionary lookup. ``diff`` compares the cache with a fresh
list, which is what an informer delivers after it had to relist. Pure: no I/O, no asyncio.

Objects in the cache are shared with every reader and must not be changed in place; copy
them (``copy.deepcopy``) before editing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from tinykube.api import meta
from tinykube.api.meta import Obj

IndexFunc = Callable[[Obj], Iterable[str]]


def by_namespace(obj: Obj) -> list[str]:
    return [meta.namespace(obj)]


def by_owner_uid(obj: Obj) -> list[str]:
    return [str(ref.get("uid") or "") for ref in meta.owner_references(obj)]


def by_uid(obj: Obj) -> list[str]:
    return [meta.uid(obj)]


class Cache:
    def __init__(self) -> None:
        self._objects: dict[str, Obj] = {}
        self._index_funcs: dict[str, IndexFunc] = {}
        self._indexes: dict[str, dict[str, dict[str, Obj]]] = {}

    # ------------------------------------------------------------------ reading

    def get(self, key: str) -> Obj | None:
        return self._objects.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def __len__(self) -> int:
        return len(self._objects)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._objects))

    def values(self) -> list[Obj]:
        return list(self._objects.values())

    def snapshot(self) -> dict[str, Obj]:
        return dict(self._objects)

    def by_index(self, name: str, value: str) -> list[Obj]:
        """Objects whose index function ``name`` returned ``value``. Unknown index: KeyError."""
        return list(self._indexes[name].get(value, {}).values())

    def index_values(self, name: str) -> list[str]:
        return [v for v, objs in self._indexes[name].items() if objs]

    # ------------------------------------------------------------------ indexes

    def add_index(self, name: str, fn: IndexFunc) -> None:
        """Add an index; adding an existing name again is a no-op (the first one stays)."""
        if name in self._index_funcs:
            return
        self._index_funcs[name] = fn
        self._indexes[name] = {}
        for key, obj in self._objects.items():
            self._index_one(name, key, obj)

    def has_index(self, name: str) -> bool:
        return name in self._index_funcs

    def _index_one(self, name: str, key: str, obj: Obj) -> None:
        buckets = self._indexes[name]
        for value in set(self._index_funcs[name](obj)):
            buckets.setdefault(value, {})[key] = obj

    def _unindex_one(self, name: str, key: str, obj: Obj) -> None:
        buckets = self._indexes[name]
        for value in set(self._index_funcs[name](obj)):
            bucket = buckets.get(value)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del buckets[value]

    # ------------------------------------------------------------------ writing

    def put(self, obj: Obj) -> Obj | None:
        """Store ``obj`` under its key; returns the object it replaced."""
        key = meta.key_of(obj)
        old = self._objects.get(key)
        for name in self._index_funcs:
            if old is not None:
                self._unindex_one(name, key, old)
            self._index_one(name, key, obj)
        self._objects[key] = obj
        return old

    def remove(self, key: str) -> Obj | None:
        old = self._objects.pop(key, None)
        if old is not None:
            for name in self._index_funcs:
                self._unindex_one(name, key, old)
        return old


@dataclass(frozen=True)
class Change:
    """One difference between the cache and a fresh list."""

    type: Literal["add", "update", "delete"]
    old: Obj | None
    new: Obj | None


def diff(cached: Mapping[str, Obj], listed: Iterable[Obj]) -> list[Change]:
    """What to deliver so ``cached`` becomes ``listed``: adds and updates in list order
    (an update only when the resourceVersion moved), then deletes in key order."""
    out: list[Change] = []
    seen: set[str] = set()
    for obj in listed:
        key = meta.key_of(obj)
        seen.add(key)
        old = cached.get(key)
        if old is None:
            out.append(Change("add", None, obj))
        elif _rv(old) != _rv(obj):
            out.append(Change("update", old, obj))
    out.extend(Change("delete", cached[k], None) for k in sorted(cached) if k not in seen)
    return out


def _rv(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")
