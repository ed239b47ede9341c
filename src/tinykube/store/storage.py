"""What the API server needs from a store: keys, objects, one global revision, watch.

The model is etcd's. Every write takes the next value of one global, monotonically
increasing revision; an object's ``metadata.resourceVersion`` is the revision that last
wrote it (a DELETED event carries the revision of the delete). A watch replays every
change after a given revision that is still in the retained history, then follows live
changes; asking for a revision that was compacted away raises ``Compacted``.

The store knows nothing of kinds, defaults or validation: it stores JSON objects under
string keys (``/services/default/my-nginx``, see ``api.kinds.Kind.key``) and stamps
``metadata.resourceVersion`` on what it returns. Every object it returns is a fresh copy
the caller may change.

Backends: ``memory.MemoryStore`` (tests) and ``sqlite.SqliteStore`` (the embedded default).
Both pass ``tests/unit/store/test_contract.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from tinykube.api.meta import Obj

EventType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class Event:
    """One change to one key.

    ``object`` is the new state (for DELETED: the last state, stamped with the delete's
    revision). ``prev`` is the state before the change (None for ADDED); the API server
    uses it to turn an object that stops matching a selector into a DELETED event.
    """

    type: EventType
    key: str
    object: Obj
    revision: int
    prev: Obj | None = None


class Storage(Protocol):
    """An ordered key space of JSON objects with a global revision and watch."""

    async def start(self) -> None:
        """Open the backend; after it returns, reads and writes work."""

    async def close(self) -> None:
        """Close the backend; open watches end (their iterators stop)."""

    @property
    def revision(self) -> int:
        """The revision of the latest write (0 for an empty store)."""

    async def get(self, key: str) -> Obj | None:
        """The object at ``key`` or None."""

    async def list(self, prefix: str) -> tuple[list[Obj], int]:
        """Every object whose key starts with ``prefix``, in key order, and the revision read at."""

    async def create(self, key: str, obj: Obj) -> Obj:
        """Store a new object. Raises ``KeyExists``. Returns it with its resourceVersion."""

    async def update(self, key: str, obj: Obj, *, expect: int | None = None) -> Obj:
        """Replace the object at ``key``.

        ``expect`` is the revision the caller read; a different current revision raises
        ``RevisionConflict``. A missing key raises ``KeyNotFound``.
        """

    async def delete(self, key: str, *, expect: int | None = None) -> Obj:
        """Delete ``key``; returns the last state stamped with the delete's revision."""

    def watch(self, prefix: str, since: int) -> AsyncIterator[Event]:
        """Changes under ``prefix`` with revision > ``since``, history first, then live.

        Raises ``Compacted`` (when iterated) if ``since`` is older than the retained
        history. A watcher too slow to keep up is ended (the iterator stops) rather than
        holding memory without bound; callers re-watch from their last revision.
        """

    async def compact(self, keep: int) -> None:
        """Forget history older than the latest ``keep`` revisions."""

    @property
    def oldest(self) -> int:
        """The oldest revision a watch may still start from (``since`` >= oldest)."""
