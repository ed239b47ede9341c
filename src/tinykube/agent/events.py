"""The agent's Events: what ``kubectl describe pod`` shows under the scheduler's ``Scheduled``.

The kubelet tells what it did to a pod's containers — ``Pulled``, ``Created``, ``Started``,
``Killing``, and the warnings ``Unhealthy``, ``BackOff``, ``Failed`` — as core/v1 Events
from the component ``kubelet`` on its node. The controllers have their own recorder, but
the agent may not import the controllers' layer, so this is the agent's, of the same shape:

- ``record`` never blocks and never fails the caller: it queues, and ``run`` (a task of
  the agent) writes; when the queue is full the event is dropped and logged;
- an Event names the pod (kind, namespace, name, uid, apiVersion, resourceVersion) and,
  for a container's events, ``fieldPath`` ``spec.containers{name}``
  (``spec.initContainers{name}`` for an init container); it is named
  ``<pod>.<hex nanoseconds>`` in the pod's namespace;
- the same (object, fieldPath, type, reason, message) again bumps ``count`` and
  ``lastTimestamp`` of the Event already written instead of writing another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.errors import ApiError, NotFound
from tinykube.machinery.apiclient import ApiClient

log = logging.getLogger(__name__)

EventType = Literal["Normal", "Warning"]
COMPONENT = "kubelet"
QUEUE_CAPACITY = 1000
REMEMBERED = 4096


class EventSink(Protocol):
    def record(self, pod: Obj, type_: EventType, reason: str, message: str, *,
               container: str = "", init: bool = False) -> None: ...


class NoEvents:
    """A sink that drops everything (for workers built without an agent)."""

    def record(self, pod: Obj, type_: EventType, reason: str, message: str, *,
               container: str = "", init: bool = False) -> None:
        return None


@dataclass(frozen=True)
class Pending:
    involved: dict[str, str]
    type: EventType
    reason: str
    message: str
    timestamp: str

    @property
    def key(self) -> tuple[str, ...]:
        inv = self.involved
        return (inv["kind"], inv["namespace"], inv["name"], inv["uid"],
                inv.get("fieldPath", ""), self.type, self.reason, self.message)

    @property
    def namespace(self) -> str:
        return self.involved["namespace"] or "default"


@dataclass
class _Written:
    name: str
    namespace: str
    count: int


def field_path(container: str, *, init: bool = False) -> str:
    """``spec.containers{nginx}``, as the kubelet names a container of the pod."""
    if not container:
        return ""
    return f"spec.{'initContainers' if init else 'containers'}{{{container}}}"


def involved_object(pod: Obj, path: str = "") -> dict[str, str]:
    md = pod.get("metadata") or {}
    out = {"kind": str(pod.get("kind") or "Pod"), "namespace": str(md.get("namespace") or ""),
           "name": str(md.get("name") or ""), "uid": str(md.get("uid") or ""),
           "apiVersion": str(pod.get("apiVersion") or "v1")}
    if md.get("resourceVersion"):
        out["resourceVersion"] = str(md["resourceVersion"])
    if path:
        out["fieldPath"] = path
    return out


def new_event(ev: Pending, host: str, unique: int) -> Obj:
    """The Event first written for ``ev`` (pure)."""
    source = {"component": COMPONENT}
    if host:
        source["host"] = host
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{ev.involved['name']}.{unique:x}", "namespace": ev.namespace},
        "involvedObject": ev.involved,
        "reason": ev.reason, "message": ev.message, "type": ev.type,
        "source": source,
        "firstTimestamp": ev.timestamp, "lastTimestamp": ev.timestamp, "count": 1,
        "reportingComponent": COMPONENT, "reportingInstance": host,
    }


class AgentEvents:
    """The node's recorder: ``record`` from anywhere on the loop, ``run`` as a task."""

    def __init__(self, api: ApiClient, host: str, *, capacity: int = QUEUE_CAPACITY) -> None:
        self._api = api
        self._host = host
        self._queue: asyncio.Queue[Pending] = asyncio.Queue(maxsize=capacity)
        self._written: OrderedDict[tuple[str, ...], _Written] = OrderedDict()
        self._last_name_ns = 0
        self.dropped = 0

    def record(self, pod: Obj, type_: EventType, reason: str, message: str, *,
               container: str = "", init: bool = False) -> None:
        ev = Pending(involved_object(pod, field_path(container, init=init)), type_, reason,
                     message, meta.now())
        try:
            self._queue.put_nowait(ev)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("events queue full, dropping reason=%s pod=%s/%s", reason,
                        ev.involved["namespace"], ev.involved["name"])

    def pending(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        """Write queued events until cancelled."""
        while True:
            ev = await self._queue.get()
            try:
                await self._write(ev)
            except ApiError as e:
                log.warning("event not written reason=%s pod=%s/%s: %s", ev.reason,
                            ev.involved["namespace"], ev.involved["name"], e)
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
