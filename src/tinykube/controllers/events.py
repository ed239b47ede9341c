"""Events: what a user reads at the bottom of ``kubectl describe``.

Controllers say what they did (``ScalingReplicaSet``, ``SuccessfulCreate``,
``AllocationFailed``...) through a ``Recorder`` bound to their component name; recording
never blocks and never fails the caller. One ``EventRecorder`` owns the queue and writes
core/v1 Events from its own task, like client-go's broadcaster:

- an Event names its ``involvedObject`` (kind, namespace, name, uid, apiVersion,
  resourceVersion) and lives in that object's namespace (``default`` for cluster-scoped
  ones), named ``<object>.<hex nanoseconds>``;
- the same (object, type, reason, message, component) again bumps ``count`` and
  ``lastTimestamp`` of the Event already written instead of writing another (the
  correlator's aggregation; its "similar events" folding is left out);
- when the queue is full new events are dropped and logged, as Kubernetes does.
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
class _Pending:
    involved: dict[str, str]
    type: EventType
    reason: str
    message: str
    component: str
    timestamp: str

    @property
    def key(self) -> tuple[str, ...]:
        inv = self.involved
        return (inv["kind"], inv["namespace"], inv["name"], inv["uid"], self.type, self.reason,
                self.message, self.component)

    @property
    def namespace(self) -> str:
        return self.involved["namespace"] or "default"


@dataclass
class _Written:
    name: str
    namespace: str
    count: int


def involved_object(obj: Obj) -> dict[str, str]:
    md = obj.get("metadata") or {}
    out = {"kind": str(obj.get("kind") or ""), "namespace": str(md.get("namespace") or ""),
           "name": str(md.get("name") or ""), "uid": str(md.get("uid") or ""),
           "apiVersion": str(obj.get("apiVersion") or "")}
    if md.get("resourceVersion"):
        out["resourceVersion"] = str(md["resourceVersion"])
    return out


class Recorder:
    """A component's handle on the recorder: ``normal`` and ``warning`` never block."""

    def __init__(self, sink: EventRecorder, component: str) -> None:
        self._sink = sink
        self.component = component

    def normal(self, obj: Obj, reason: str, message: str) -> None:
        self.event(obj, "Normal", reason, message)

    def warning(self, obj: Obj, reason: str, message: str) -> None:
        self.event(obj, "Warning", reason, message)

    def event(self, obj: Obj, type_: EventType, reason: str, message: str) -> None:
        self._sink.record(_Pending(involved_object(obj), type_, reason, message,
                                   self.component, meta.now()))


class EventRecorder:
    def __init__(self, api: ApiClient, *, host: str = "",
                 capacity: int = QUEUE_CAPACITY) -> None:
        self._api = api
        self._host = host
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=capacity)
        self._written: OrderedDict[tuple[str, ...], _Written] = OrderedDict()
        self._last_name_ns = 0
        self.dropped = 0

    def recorder(self, component: str) -> Recorder:
        return Recorder(self, component)

    def record(self, pending: _Pending) -> None:
        try:
            self._queue.put_nowait(pending)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("events queue full, dropping reason=%s object=%s/%s", pending.reason,
                        pending.involved["namespace"], pending.involved["name"])

    def pending(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        """Write queued events until cancelled."""
        while True:
            ev = await self._queue.get()
            try:
                await self._write(ev)
            except ApiError as e:
                log.warning("event not written reason=%s object=%s/%s: %s", ev.reason,
                            ev.involved["namespace"], ev.involved["name"], e)
            except Exception:
                log.exception("event not written reason=%s", ev.reason)

    async def _write(self, ev: _Pending) -> None:
        seen = self._written.get(ev.key)
        if seen is not None:
            patch = {"count": seen.count + 1, "lastTimestamp": ev.timestamp}
            try:
                await self._api.patch(kinds.EVENT, seen.name, patch, seen.namespace)
            except NotFound:
                del self._written[ev.key]
            else:
                seen.count += 1
                self._written.move_to_end(ev.key)
                return
        created = await self._api.create(kinds.EVENT, self._new_event(ev), ev.namespace)
        self._written[ev.key] = _Written(meta.name(created), ev.namespace, 1)
        while len(self._written) > REMEMBERED:
            self._written.popitem(last=False)

    def _new_event(self, ev: _Pending) -> dict[str, Any]:
        source = {"component": ev.component}
        if self._host:
            source["host"] = self._host
        return {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{ev.involved['name']}.{self._unique_ns():x}",
                         "namespace": ev.namespace},
            "involvedObject": ev.involved,
            "reason": ev.reason, "message": ev.message, "type": ev.type,
            "source": source,
            "firstTimestamp": ev.timestamp, "lastTimestamp": ev.timestamp, "count": 1,
            "reportingComponent": ev.component, "reportingInstance": self._host,
        }

    def _unique_ns(self) -> int:
        now = max(time.time_ns(), self._last_name_ns + 1)
        self._last_name_ns = now
        return now
