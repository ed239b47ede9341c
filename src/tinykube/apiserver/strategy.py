"""Per-kind rules of the write path: what a create resets, what an update keeps.

Kubernetes calls these "strategies" (``PrepareForCreate``, ``PrepareForUpdate``...):

- every create gets a uid and a creationTimestamp, and loses any resourceVersion or
  deletion stamp the client sent;
- kinds with a status subresource throw away a client's ``status`` on create (a Pod
  starts ``Pending``, a Namespace ``Active``; Nodes keep theirs: the node agent creates
  them with status) and keep the stored ``status`` on updates of the main resource;
  the status subresource, the other way round, changes nothing but ``status``;
- the kinds whose controllers report ``observedGeneration`` (Deployments, ReplicaSets,
  StatefulSets; EndpointSlices too) start at ``metadata.generation`` 1, and it goes up
  when anything but metadata and status changes; other kinds have none, as in Kubernetes;
- Namespaces carry the ``kubernetes`` finalizer from birth and leave once both
  ``spec.finalizers`` and ``metadata.finalizers`` are empty;
- Pods bound to a node are deleted gracefully (the node agent stops them, then deletes
  with grace 0); unbound or finished pods go at once.

Pure functions over objects; the registry calls them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tinykube.api import meta
from tinykube.api.kinds import (
    DEPLOYMENT,
    ENDPOINT_SLICE,
    ENDPOINTS,
    EVENT,
    KINDS,
    NAMESPACE,
    NODE,
    POD,
    REPLICA_SET,
    SERVICE,
    STATEFUL_SET,
    Kind,
)
from tinykube.api.meta import Obj
from tinykube.errors import Cause

_SYSTEM_CREATE_FIELDS = ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                         "selfLink")
_KEPT_ON_UPDATE = ("creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                   "generation")
NAMESPACE_FINALIZER = "kubernetes"
DEFAULT_POD_GRACE = 30


@dataclass(frozen=True)
class Strategy:
    kind: Kind
    allow_create_on_update: bool = False
    return_deleted_object: bool = False
    tracks_generation: bool = False

    @property
    def has_status(self) -> bool:
        return "status" in self.kind.subresources

    # ----------------------------------------------------------------- create

    def prepare_create(self, obj: Obj) -> None:
        md = meta.metadata(obj)
        for f in _SYSTEM_CREATE_FIELDS:
            md.pop(f, None)
        md["uid"] = meta.new_uid()
        md["creationTimestamp"] = meta.now()
        if self.tracks_generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        if self.has_status and self.kind is not NODE:
            obj["status"] = initial_status(self.kind, obj)
        if self.kind is NAMESPACE:
            _dict_at(obj, "spec")["finalizers"] = [NAMESPACE_FINALIZER]

    # ----------------------------------------------------------------- update

    def prepare_update(self, new: Obj, old: Obj) -> None:
        """An update of the main resource: keep what only the system or /status may change."""
        _keep_system_metadata(new, old)
        if self.has_status:
            _copy_key(new, old, "status")
        if self.kind is NAMESPACE:
            spec = _dict_at(new, "spec")
            old_fin = (old.get("spec") or {}).get("finalizers")
            if old_fin is None:
                spec.pop("finalizers", None)
            else:
                spec["finalizers"] = list(old_fin)
        if self.tracks_generation:
            _bump_generation(new, old)

    def prepare_status_update(self, new: Obj, old: Obj) -> Obj:
        """An update through /status: the old object with the new status."""
        out = copy.deepcopy(old)
        if "status" in new:
            out["status"] = new["status"]
        else:
            out.pop("status", None)
        rv = (new.get("metadata") or {}).get("resourceVersion")
        if rv:
            meta.metadata(out)["resourceVersion"] = rv
        return out

    def metadata_causes(self, new: Obj, old: Obj) -> list[Cause]:
        """Metadata rules of every update (field immutability, finalizers on the way out)."""
        causes: list[Cause] = []
        new_uid, old_uid = meta.uid(new), meta.uid(old)
        if new_uid and new_uid != old_uid:
            causes.append(Cause("FieldValueInvalid", "metadata.uid",
                                f'Invalid value: "{new_uid}": field is immutable'))
        if meta.is_terminating(old):
            added = set(finalizers(new)) - set(finalizers(old))
            if added:
                causes.append(Cause(
                    "FieldValueForbidden", "metadata.finalizers",
                    "Forbidden: no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {sorted(added)!r}".replace("'", '"'),
                ))
        return causes

    # ----------------------------------------------------------------- delete

    def should_delete_on_update(self, obj: Obj) -> bool:
        """True when an update left a terminating object nothing to wait for."""
        md = obj.get("metadata") or {}
        if not md.get("deletionTimestamp") or md.get("finalizers"):
            return False
        if self.kind is NAMESPACE:
            return not (obj.get("spec") or {}).get("finalizers")
        return md.get("deletionGracePeriodSeconds") in (0, None)

    def grace_period(self, obj: Obj, requested: int | None) -> int:
        """Seconds a delete waits before the object goes (0: now, or when finalizers allow)."""
        if self.kind is not POD:
            return 0
        spec = obj.get("spec") or {}
        phase = (obj.get("status") or {}).get("phase")
        if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return requested
        configured = spec.get("terminationGracePeriodSeconds")
        return int(configured) if isinstance(configured, int) else DEFAULT_POD_GRACE


def for_kind(kind: Kind) -> Strategy:
    return _STRATEGIES[kind.kind]


def finalizers(obj: Obj) -> list[str]:
    return list((obj.get("metadata") or {}).get("finalizers") or [])


def initial_status(kind: Kind, obj: Obj) -> dict[str, Any]:
    if kind is NAMESPACE:
        return {"phase": "Active"}
    if kind is POD:
        return {"phase": "Pending", "qosClass": qos_class(obj)}
    if kind is SERVICE:
        return {"loadBalancer": {}}
    if kind is REPLICA_SET:  # Go serialises these counts even when zero (no omitempty)
        return {"replicas": 0}
    if kind is STATEFUL_SET:
        return {"availableReplicas": 0, "replicas": 0}
    return {}


def qos_class(pod: Obj) -> str:
    """BestEffort, Burstable or Guaranteed, from the containers' requests and limits."""
    containers = list((pod.get("spec") or {}).get("containers") or [])
    containers += list((pod.get("spec") or {}).get("initContainers") or [])
    resources = [c.get("resources") or {} for c in containers if isinstance(c, dict)]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        if not ("cpu" in limits and "memory" in limits):
            return "Burstable"
        if any(requests.get(k, limits[k]) != limits[k] for k in ("cpu", "memory")):
            return "Burstable"
    return "Guaranteed"


def deletion_stamp(grace: int, now: datetime | None = None) -> str:
    at = (now or datetime.now(UTC)) + timedelta(seconds=grace)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _keep_system_metadata(new: Obj, old: Obj) -> None:
    md, old_md = meta.metadata(new), old.get("metadata") or {}
    if not md.get("uid"):
        md["uid"] = old_md.get("uid")
    for f in _KEPT_ON_UPDATE:
        if f in old_md:
            md[f] = old_md[f]
        else:
            md.pop(f, None)
    if not md.get("managedFields") and old_md.get("managedFields"):
        md["managedFields"] = old_md["managedFields"]
    md.pop("selfLink", None)


def _dict_at(obj: Obj, key: str) -> dict[str, Any]:
    value = obj.get(key)
    if not isinstance(value, dict):
        value = obj[key] = {}
    return value


def _copy_key(new: Obj, old: Obj, key: str) -> None:
    if key in old:
        new[key] = copy.deepcopy(old[key])
    else:
        new.pop(key, None)


def _bump_generation(new: Obj, old: Obj) -> None:
    skip = ("metadata", "status", "apiVersion", "kind")
    if any(new.get(k) != old.get(k) for k in set(new) | set(old) if k not in skip):
        md = meta.metadata(new)
        md["generation"] = int(md.get("generation") or 0) + 1


_SPECIAL = {
    NAMESPACE.kind: Strategy(NAMESPACE, return_deleted_object=True),
    POD.kind: Strategy(POD, return_deleted_object=True),
    SERVICE.kind: Strategy(SERVICE, return_deleted_object=True),
    ENDPOINTS.kind: Strategy(ENDPOINTS, allow_create_on_update=True),
    EVENT.kind: Strategy(EVENT, allow_create_on_update=True),
    DEPLOYMENT.kind: Strategy(DEPLOYMENT, tracks_generation=True),
    REPLICA_SET.kind: Strategy(REPLICA_SET, tracks_generation=True),
    STATEFUL_SET.kind: Strategy(STATEFUL_SET, tracks_generation=True),
    ENDPOINT_SLICE.kind: Strategy(ENDPOINT_SLICE, tracks_generation=True),
}
_STRATEGIES: dict[str, Strategy] = {k.kind: _SPECIAL.get(k.kind) or Strategy(k) for k in KINDS}
