"""Which Services select a pod, and which pods a Service selects, by index.

A pod event must wake every Service whose selector matched the pod before or after the
change, and a reconcile needs the pods a Service selects. Walking every Service (or
every pod) of the namespace each time costs O(n) per event: 10,000 pods behind 1,000
Services would spend seconds per second on matching. So both informers get an index of
``namespace/key=value`` pairs (a Service's selector pairs, a pod's labels): candidates come
from the buckets of one pair and are confirmed with the full selector, compiled once per
Service version. Selector-less Services select nothing here. ``wake_on_pod_changes`` is
how the Endpoints and EndpointSlice controllers hear of the pods their Services select.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tinykube.api import labels, meta
from tinykube.api.labels import Selector
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules
from tinykube.machinery.informer import Informer

SERVICE_PAIRS = "service-selector-pairs"
POD_PAIRS = "pod-label-pairs"


def _pair(namespace: str, key: str, value: str) -> str:
    return f"{namespace}/{key}={value}"


def selector_pairs(svc: Obj) -> list[str]:
    sel = endpointrules.selector(svc) or {}
    return [_pair(meta.namespace(svc), k, v) for k, v in sel.items()]


def label_pairs(pod: Obj) -> list[str]:
    return [_pair(meta.namespace(pod), k, v) for k, v in meta.labels(pod).items()]


class ServiceSelectors:
    def __init__(self, services: Informer, pods: Informer | None = None) -> None:
        self._services = services
        self._compiled: dict[str, tuple[str, Selector]] = {}  # key -> (resourceVersion, sel)
        services.index(SERVICE_PAIRS, selector_pairs)
        if pods is not None:
            pods.index(POD_PAIRS, label_pairs)
        services.add_handlers(on_delete=self._forget)

    def _forget(self, svc: Obj) -> None:
        self._compiled.pop(meta.key_of(svc), None)

    def selector_of(self, svc: Obj) -> Selector | None:
        sel = endpointrules.selector(svc)
        if sel is None:
            return None
        key, rv = meta.key_of(svc), str(meta.metadata(svc).get("resourceVersion") or "")
        hit = self._compiled.get(key)
        if hit is not None and hit[0] == rv:
            return hit[1]
        compiled = labels.from_set(sel)
        self._compiled[key] = (rv, compiled)
        return compiled

    def wake_on_pod_changes(self, pods: Informer,
                            wake: Callable[[Iterable[str]], None]) -> None:
        """On every pod event, ``wake`` the keys of the Services selecting the pod (before
        and after a label change); an update that cannot change an endpoint wakes none."""
        def updated(old: Obj, new: Obj) -> None:
            if not endpointrules.endpoints_changed(old, new):
                return
            keys = set(self.services_for(new))
            if meta.labels(old) != meta.labels(new):
                keys.update(self.services_for(old))
            wake(sorted(keys))

        pods.add_handlers(on_add=lambda pod: wake(self.services_for(pod)), on_update=updated,
                          on_delete=lambda pod: wake(self.services_for(pod)))

    def services_for(self, pod: Obj) -> list[str]:
        """Keys of the Services in the pod's namespace whose selector matches its labels."""
        pod_labels = meta.labels(pod)
        seen: set[str] = set()
        out = []
        for pair in label_pairs(pod):
            for svc in self._services.by_index(SERVICE_PAIRS, pair):
                key = meta.key_of(svc)
                if key in seen:
                    continue
                seen.add(key)
                sel = self.selector_of(svc)
                if sel is not None and sel.matches(pod_labels):
                    out.append(key)
        return sorted(out)

    def pods_of(self, svc: Obj, pod_informer: Informer) -> list[Obj]:
        """The cached pods the Service selects (none when it has no selector)."""
        sel = self.selector_of(svc)
        if sel is None:
            return []
        pod_informer.index(POD_PAIRS, label_pairs)  # idempotent
        buckets = [pod_informer.by_index(POD_PAIRS, pair) for pair in selector_pairs(svc)]
        smallest = min(buckets, key=len)
        return [p for p in smallest if sel.matches(meta.labels(p))]
