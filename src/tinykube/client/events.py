"""The one Event writer behind the controllers' and the agent's recorders.

Both tell what they did as core/v1 Events, in the same way, like client-go's broadcaster;
they may not import each other, so the shared core lives here, below both, parameterised by
what differs (the source component and host, the involved object's defaults and fieldPath):

- an Event names its ``involvedObject`` (kind, namespace, name, uid, apiVersion,
  resourceVersion, and ``fieldPath`` when a part of the object is meant) and lives in that
  object's namespace (``default`` for cluster-scoped ones), named
  ``<object>.<hex nanoseconds>``;
- ``source`` is the component and its host, ``reportingComponent``/``reportingInstance``
  the same two;
- the same (object, fieldPath, type, reason, message, component) again bumps ``count`` and
  ``lastTimestamp`` of the Event already written instead of writing another (the
  correlator's aggregation; its "similar events" folding is left out);
- ``record`` never blocks and never fails the caller: it queues, and ``run`` (a task)
  writes; when the queue is full new events are dropped and logged, as Kubernetes does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.errors import ApiError, NotFound
from tinykube.machinery.apiclient import ApiClient

log = logging.getLogger(__name__)

EventType = Literal["Normal", "Warning"]
QUEUE_CAPACITY = 1000
REMEMBERED = 4096


@dataclass(frozen=True)
class Pending:
    """An event recorded and not yet written."""

    involved: dict[str, str]
    type: EventType
    reason: str
    message: str
    component: str
    timestamp: str

    @property
    def key(self) -> tuple[str, ...]:
        """What makes a repeat: the same object (and part of it) and the same words."""
        inv = self.involved
        return (inv["kind"], inv["namespace"], inv["name"], inv["uid"],
                inv.get("fieldPath", ""), self.type, self.reason, self.message, self.component)

    @property
    def namespace(self) -> str:
        return self.involved["namespace"] or "default"


@dataclass
class _Written:
    name: str
    namespace: str
    count: int


def involved_object(obj: Obj, *, kind: str = "", api_version: str = "",
                    field_path: str = "") -> dict[str, str]:
    """The ``involvedObject`` of an event about ``obj``; ``kind`` and ``api_version`` are
    used when ``obj`` lacks its own."""
    md = obj.get("metadata") or {}
    out = {"kind": str(obj.get("kind") or kind), "namespace": str(md.get("namespace") or ""),
           "name": str(md.get("name") or ""), "uid": str(md.get("uid") or ""),
           "apiVersion": str(obj.get("apiVersion") or api_version)}
    if md.get("resourceVersion"):
        out["resourceVersion"] = str(md["resourceVersion"])
    if field_path:
        out["fieldPath"] = field_path
    return out


def new_event(ev: Pending, host: str, unique: int) -> Obj:
    """The Event first written for ``ev`` (pure)."""
    source = {"component": ev.component}
    if host:
        source["host"] = host
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{ev.involved['name']}.{unique:x}", "namespace": ev.namespace},
        "involvedObject": ev.involved,
        "reason": ev.reason, "message": ev.message, "type": ev.type,
        "source": source,
        "firstTimestamp": ev.timestamp, "lastTimestamp": ev.timestamp, "count": 1,
        "reportingComponent": ev.component, "reportingInstance": host,
    }


class EventWriter:
    """The queue and its writer: ``record`` from anywhere on the loop, ``run`` as a task.

    ``subject`` names the involved object in the log lines (``object``, ``pod``).
    """

    def __init__(self, api: ApiClient, *, host: str = "", capacity: int = QUEUE_CAPACITY,
                 subject: str = "object") -> None:
        self._api = api
        self._host = host
        self._subject = subject
        self._queue: asyncio.Queue[Pending] = asyncio.Queue(maxsize=capacity)
        self._written: OrderedDict[tuple[str, ...], _Written] = OrderedDict()
        self._last_name_ns = 0
        self.dropped = 0

    def record(self, pending: Pending) -> None:
        try:
            self._queue.put_nowait(pending)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("events queue full, dropping reason=%s %s=%s/%s", pending.reason,
                        self._subject, pending.involved["namespace"], pending.involved["name"])

    def pending(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        """Write queued events until cancelled."""
        while True:
            ev = await self._queue.get()
            try:
                await self._write(ev)
            except ApiError as e:
                log.warning("event not written reason=%s %s=%s/%s: %s", ev.reason,
                            self._subject, ev.involved["namespace"], ev.involved["name"], e)
            except Exception:
                log.exception("event not written reason=%s", ev.reason)

    async def _write(self, ev: Pending) -> None:
        seen = self._written.get(ev.key)
        if seen is not None:
            patch: dict[str, Any] = {"count": seen.count + 1, "lastTimestamp": ev.timestamp}
            try:
                await self._api.patch(kinds.EVENT, seen.name, patch, seen.namespace)
            except NotFound:
                del self._written[ev.key]
            else:
                seen.count += 1
                self._written.move_to_end(ev.key)
                return
        created = await self._api.create(kinds.EVENT, new_event(ev, self._host,
                                                                 self._unique_ns()),
                                         ev.namespace)
        self._written[ev.key] = _Written(meta.name(created), ev.namespace, 1)
        while len(self._written) > REMEMBERED:
            self._written.popitem(last=False)

    def _unique_ns(self) -> int:
        now = max(time.time_ns(), self._last_name_ns + 1)
        self._last_name_ns = now
        return now
