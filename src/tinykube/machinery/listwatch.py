"""What an informer needs from the API: list a collection, then watch it.

``ListerWatcher`` is a Protocol so the machinery does not import the client (the client is
the layer above): ``client.Client`` satisfies it over HTTP, and
``tinykube.testing.fake_api.FakeApi`` in memory. Watch events arrive as ``WatchEvent``
values, the ``{"type": ..., "object": ...}`` lines of a Kubernetes watch stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from tinykube.api.kinds import Kind
from tinykube.api.meta import Obj

WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]
WATCH_EVENT_TYPES: frozenset[str] = frozenset(
    {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"}
)


@dataclass(frozen=True)
class WatchEvent:
    """One watch event. For BOOKMARK only ``object.metadata.resourceVersion`` means anything;
    for ERROR ``object`` is a ``Status`` (an ERROR carrying 410 is raised as ``Expired``
    by the client instead of being yielded)."""

    type: WatchEventType
    object: Obj


class ListerWatcher(Protocol):
    async def list(
        self,
        kind: Kind,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> tuple[list[Obj], str]:
        """Every matching object and the resourceVersion the list was read at."""
        ...

    def watch(
        self,
        kind: Kind,
        namespace: str | None = None,
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Changes after ``resource_version``; ends when the server closes the stream.

        Raises ``errors.Expired`` when ``resource_version`` is too old.
        """
        ...
