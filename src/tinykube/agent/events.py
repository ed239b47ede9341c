"""The agent's Events: what ``kubectl describe pod`` shows under the scheduler's ``Scheduled``.

The kubelet tells what it did to a pod's containers — ``Pulled``, ``Created``, ``Started``,
``Killing``, and the warnings ``Unhealthy``, ``BackOff``, ``Failed`` — as core/v1 Events
from the component ``kubelet`` on its node, through ``client.events``' writer (the one the
controllers' recorder uses too; the agent may not import the controllers' layer):

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

from typing import Protocol

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.client import events as core
from tinykube.client.events import EventType, Pending
from tinykube.machinery.apiclient import ApiClient

__all__ = ["COMPONENT", "AgentEvents", "EventSink", "EventType", "NoEvents", "field_path",
           "involved_object"]

COMPONENT = "kubelet"
QUEUE_CAPACITY = core.QUEUE_CAPACITY


class EventSink(Protocol):
    def record(self, pod: Obj, type_: EventType, reason: str, message: str, *,
               container: str = "", init: bool = False) -> None: ...


class NoEvents:
    """A sink that drops everything (for workers built without an agent)."""

    def record(self, pod: Obj, type_: EventType, reason: str, message: str, *,
               container: str = "", init: bool = False) -> None:
        return None


def field_path(container: str, *, init: bool = False) -> str:
    """``spec.containers{nginx}``, as the kubelet names a container of the pod."""
    if not container:
        return ""
    return f"spec.{'initContainers' if init else 'containers'}{{{container}}}"


def involved_object(pod: Obj, path: str = "") -> dict[str, str]:
    return core.involved_object(pod, kind="Pod", api_version="v1", field_path=path)


class AgentEvents:
    """The node's recorder: ``record`` from anywhere on the loop, ``run`` as a task."""

    def __init__(self, api: ApiClient, host: str, *, capacity: int = QUEUE_CAPACITY) -> None:
        self._writer = core.EventWriter(api, host=host, capacity=capacity, subject="pod")

    @property
    def dropped(self) -> int:
        return self._writer.dropped

    def record(self, pod: Obj, type_: EventType, reason: str, message: str, *,
               container: str = "", init: bool = False) -> None:
        self._writer.record(Pending(involved_object(pod, field_path(container, init=init)),
                                    type_, reason, message, COMPONENT, meta.now()))

    def pending(self) -> int:
        return self._writer.pending()

    async def run(self) -> None:
        """Write queued events until cancelled."""
        await self._writer.run()
