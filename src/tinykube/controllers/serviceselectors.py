"""Which Services select a pod: compiled selectors, kept current by the Service informer.

A pod event must wake every Service whose selector matched the pod before or after the
change. Compiling a Service's selector on every pod event would cost more than matching
it, so the compiled ``Selector`` is cached per Service and dropped when the Service
changes (``GetPodServiceMemberships`` in Kubernetes walks a lister the same way).
Selector-less Services select nothing here.
"""

from __future__ import annotations

from tinykube.api import labels, meta
from tinykube.api.labels import Selector
from tinykube.api.meta import Obj
from tinykube.controllers import endpointrules
from tinykube.machinery.informer import Informer


class ServiceSelectors:
    def __init__(self, services: Informer) -> None:
        self._services = services
        self._compiled: dict[str, tuple[str, Selector]] = {}  # key -> (resourceVersion, sel)
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

    def services_for(self, pod: Obj) -> list[str]:
        """Keys of the Services in the pod's namespace whose selector matches its labels."""
        pod_labels = meta.labels(pod)
        out = []
        for svc in self._services.list(meta.namespace(pod)):
            sel = self.selector_of(svc)
            if sel is not None and sel.matches(pod_labels):
                out.append(meta.key_of(svc))
        return out

    def pods_of(self, svc: Obj, pod_informer: Informer) -> list[Obj]:
        """The cached pods the Service selects (none when it has no selector)."""
        sel = self.selector_of(svc)
        if sel is None:
            return []
        return [p for p in pod_informer.list(meta.namespace(svc)) if sel.matches(meta.labels(p))]
