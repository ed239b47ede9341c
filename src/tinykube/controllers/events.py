"""Events: what a user reads at the bottom of ``kubectl describe``.

Controllers say what they did (``ScalingReplicaSet``, ``SuccessfulCreate``,
``AllocationFailed``...) through a ``Recorder`` bound to their component name; recording
never blocks and never fails the caller. One ``EventRecorder`` owns the queue and writes
core/v1 Events from its own task; the writing, the naming and the counting of repeats are
``client.events``' (shared with the agent's recorder), this module only binds components.
"""

from __future__ import annotations

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.client.events import EventType, EventWriter, Pending, involved_object

__all__ = ["EventRecorder", "EventType", "Recorder", "involved_object"]


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
        self._sink.record(Pending(involved_object(obj), type_, reason, message,
                                  self.component, meta.now()))


class EventRecorder(EventWriter):
    """The controllers' writer: ``EventRecorder(api, host=...)``, ``run`` as a task."""

    def recorder(self, component: str) -> Recorder:
        return Recorder(self, component)
