"""Change tracking between syncs: what changed since the dataplane was last programmed.

kube-proxy's ``servicechangetracker.go`` and ``endpointschangetracker.go``: informer events
are not applied to the proxy's maps at once. Each tracker keeps, per Service, the state
*before* the first unsynced event and the state *after* the latest one. An event that puts
a Service back where it was cancels its pending change, so a flapping object costs no
sync. ``apply()`` moves the pending changes into the proxy's maps and returns exactly the
service ports whose rules must be rewritten; everything else is left as programmed.

Informer handlers call ``update``; the sync loop calls ``apply``; both run on the event
loop, so no lock is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.proxy.model import (
    EndpointInfo,
    ServicePortInfo,
    ServicePortName,
    merge_slices,
    service_ports,
    slice_endpoints,
    slice_service,
)

ServicePortMap = dict[ServicePortName, ServicePortInfo]
EndpointsMap = dict[ServicePortName, tuple[EndpointInfo, ...]]
SliceEndpoints = Mapping[tuple[str, str], tuple[EndpointInfo, ...]]


T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class _Pending(Generic[T]):
    before: T
    after: T


def _apply_pending(pending: dict[str, _Pending[dict[ServicePortName, V]]],
                      target: MutableMapping[ServicePortName, V]) -> set[ServicePortName]:
    changed: set[ServicePortName] = set()
    for p in pending.values():
        for spn in p.before:
            target.pop(spn, None)
        target.update(p.after)
        changed.update(p.before)
        changed.update(p.after)
    pending.clear()
    return changed


class ServiceChangeTracker:
    """Pending Service changes, as before/after port maps per ``namespace/name``."""

    def __init__(self) -> None:
        self._pending: dict[str, _Pending[ServicePortMap]] = {}

    def update(self, previous: Obj | None, current: Obj | None) -> bool:
        """Record one informer event; True when the Service now has a pending change."""
        obj = current if current is not None else previous
        if obj is None:
            return bool(self._pending)
        key = meta.key_of(obj)
        pending = self._pending.get(key)
        before = pending.before if pending else (service_ports(previous) if previous else {})
        after = service_ports(current) if current else {}
        if before == after:
            self._pending.pop(key, None)
            return False
        self._pending[key] = _Pending(before, after)
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    def apply(self, services: MutableMapping[ServicePortName, ServicePortInfo]
              ) -> set[ServicePortName]:
        """Move pending changes into ``services``; the ports that changed (either side)."""
        return _apply_pending(self._pending, services)


class EndpointsChangeTracker:
    """Pending endpoint changes per Service, from its EndpointSlices.

    It keeps every slice's endpoints (by Service, then slice name) so a Service's
    endpoints can be re-merged when any one of its slices changes.
    """

    def __init__(self, node_name: str) -> None:
        self.node_name = node_name
        self._slices: dict[str, dict[str, SliceEndpoints]] = {}
        self._pending: dict[str, _Pending[EndpointsMap]] = {}

    def update(self, slice_: Obj, *, removed: bool = False) -> bool:
        """Record one slice event; True when its Service now has a pending change."""
        service = slice_service(slice_)
        if service is None:
            return False
        pending = self._pending.get(service)
        before = pending.before if pending else self._merged(service)
        slices = self._slices.setdefault(service, {})
        if removed:
            slices.pop(meta.name(slice_), None)
        else:
            slices[meta.name(slice_)] = slice_endpoints(slice_, self.node_name)
        if not slices:
            del self._slices[service]
        after = self._merged(service)
        if before == after:
            self._pending.pop(service, None)
            return False
        self._pending[service] = _Pending(before, after)
        return True

    def _merged(self, service: str) -> EndpointsMap:
        slices = self._slices.get(service)
        return merge_slices(slices, service) if slices else {}

    @property
    def pending(self) -> int:
        return len(self._pending)

    def apply(self, endpoints: MutableMapping[ServicePortName, tuple[EndpointInfo, ...]]
              ) -> set[ServicePortName]:
        """Move pending changes into ``endpoints``; the ports that changed (either side)."""
        return _apply_pending(self._pending, endpoints)
