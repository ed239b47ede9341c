"""What a write does: the one place the store's write semantics live.

Both backends turn a ``Write`` into a ``Change`` with ``apply(write, current, revision)``
(KeyExists, KeyNotFound, RevisionConflict, the stamping of ``resourceVersion``, the
DELETED object carrying the delete's revision), then persist the change their own way.

A ``Change`` holds JSON bytes with ``metadata.resourceVersion`` already stamped: storage,
history and the watch fan-out pass bytes around, and an object is decoded only when it is
handed to a caller, so every caller gets a fresh copy for the price of one ``loads``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from tinykube.api.meta import Obj
from tinykube.errors import KeyExists, KeyNotFound, RevisionConflict
from tinykube.store.storage import Event, EventType
from tinykube.wire.codec import dumps, loads

WriteOp = Literal["create", "update", "delete"]


@dataclass(frozen=True, slots=True)
class Write:
    """One requested write; ``obj`` is None for a delete.

    A key must be valid Unicode (no lone surrogates: SQLite stores UTF-8); a bad one is
    refused here, before the write can share a transaction with others.
    """

    op: WriteOp
    key: str
    obj: Obj | None = None
    expect: int | None = None

    def __post_init__(self) -> None:
        try:
            self.key.encode()
        except UnicodeEncodeError as e:
            raise ValueError(f"key {self.key!r} is not valid Unicode") from e
        if (self.obj is None) != (self.op == "delete"):
            raise ValueError(f"{self.op} of {self.key} with obj={self.obj!r}")


@dataclass(frozen=True, slots=True)
class Stored:
    """A key's current state: the revision that last wrote it and its stamped JSON."""

    revision: int
    value: bytes


@dataclass(frozen=True, slots=True)
class Change:
    """One committed write, as history keeps it and watchers receive it.

    ``value`` is the new state (for DELETED: the last state stamped with the delete's
    revision); ``prev`` is the stored state before the write (None for ADDED).
    """

    revision: int
    key: str
    type: EventType
    value: bytes
    prev: bytes | None = None

    def object(self) -> Obj:
        """A fresh copy of the written object."""
        return decode(self.value)

    def event(self) -> Event:
        """The change as a watch event, with fresh copies of both states."""
        prev = None if self.prev is None else loads(self.prev)
        return Event(self.type, self.key, loads(self.value), self.revision, prev)

    def stored(self) -> Stored | None:
        """The key's state after this change (None after a delete)."""
        return None if self.type == "DELETED" else Stored(self.revision, self.value)


def decode(value: bytes) -> Obj:
    """A fresh object from stored JSON."""
    obj: Obj = loads(value)
    return obj


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a bulk read (rows, then objects) with the cyclic garbage collector paused.

    Every fetched row and every decoded object is new containers, and the collector runs
    on container allocations: a list of 10,000 Services triggers a hundred collections,
    the older-generation ones walking every object the process holds (measured: more than
    half the time of such a list). What is allocated here cannot form cycles, so the
    collector waits until the end, unless it was already off. The process's thresholds
    (``gc.set_threshold``) are its owner's to tune; this only spares the burst.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def decode_all(values: Iterable[bytes]) -> list[Obj]:
    """Fresh objects from stored JSON, many at once, with the collector paused."""
    with paused_gc():
        return [loads(v) for v in values]


def stamp(obj: Obj, revision: int) -> bytes:
    """``obj`` as JSON with ``metadata.resourceVersion`` set; ``obj`` itself is untouched."""
    md = obj.get("metadata")
    out = dict(obj)
    out["metadata"] = {**(md if isinstance(md, dict) else {}), "resourceVersion": str(revision)}
    return dumps(out)


def restamp(value: bytes, revision: int) -> bytes:
    """Stored JSON re-stamped with another revision (a deleted object's last state)."""
    return stamp(decode(value), revision)


def apply(write: Write, current: Stored | None, revision: int) -> Change:
    """The change ``write`` makes at ``revision`` to a key whose state is ``current``.

    Raises KeyExists, KeyNotFound or RevisionConflict (or ValueError/TypeError for a key or
    object that cannot be stored), and then nothing must be written (the revision is not
    used).
    """
    key = write.key
    if write.op == "create":
        if current is not None:
            raise KeyExists(f"{key} already exists", key=key, revision=current.revision)
        return Change(revision, key, "ADDED", stamp(_obj(write), revision))
    if current is None:
        raise KeyNotFound(f"{key} not found", key=key)
    if write.expect is not None and write.expect != current.revision:
        raise RevisionConflict(
            f"{key} is at revision {current.revision}, not {write.expect}",
            key=key,
            revision=current.revision,
        )
    if write.op == "update":
        return Change(revision, key, "MODIFIED", stamp(_obj(write), revision), current.value)
    return Change(revision, key, "DELETED", restamp(current.value, revision), current.value)


def _obj(write: Write) -> Obj:
    assert write.obj is not None  # Write.__post_init__
    return write.obj
