"""The ReplicaSet controller: keep ``spec.replicas`` pods alive, report what they are doing.

Like ``replica_set.go``: the pods a ReplicaSet owns are those whose controller reference
names it and whose labels match its selector (matching orphans are adopted, owned pods
that stopped matching are released). Only active pods count (not finished, not being
deleted). With too few it creates pods from the template (``generateName: <rs>-``, in
slow-start batches of 1, 2, 4... up to ``burst`` per sync, stopping at the first failure);
with too many it deletes the ones that matter least (``pods_to_delete``: unscheduled
before scheduled, pending before running, unready before ready, crowded nodes first,
recently ready before long ready, more restarts first, newest first).

Status: ``replicas`` (active pods), ``fullyLabeledReplicas`` (matching the template's
labels), ``readyReplicas``, ``availableReplicas`` (ready for ``minReadySeconds``),
``observedGeneration`` and a ``ReplicaFailure`` condition while creates or deletes fail.
Events: ``SuccessfulCreate`` "Created pod: x", ``SuccessfulDelete``, ``FailedCreate``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from tinykube.api import kinds, labels, meta
from tinykube.api.meta import Obj
from tinykube.controllers import claims
from tinykube.controllers import pods as podstate
from tinykube.controllers.events import Recorder
from tinykube.controllers.freshness import WriteTracker
from tinykube.controllers.reconcile import object_key
from tinykube.controllers.workload import Now, WorkloadController, utcnow
from tinykube.errors import ApiError, BadRequest, NotFound, Retry
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

BURST = 500
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --------------------------------------------------------------------------- pure


def replicas(obj: Obj) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return int(value) if isinstance(value, int) else 1


def pod_from_template(owner: Obj, template: dict[str, Any], *,
                      name: str | None = None) -> Obj:
    """A pod made from ``template``, controlled by ``owner`` (``GetPodFromTemplate``)."""
    tmd = template.get("metadata") or {}
    md: dict[str, Any] = {"namespace": meta.namespace(owner),
                          "labels": dict(tmd.get("labels") or {}),
                          "ownerReferences": [meta.owner_reference(owner)]}
    if name:
        md["name"] = name
    else:
        md["generateName"] = f"{meta.name(owner)}-"
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": copy.deepcopy(template.get("spec") or {})}


def _time(value: Any) -> datetime:
    try:
        return meta.parse_time(str(value)) if value else _EPOCH
    except ValueError:
        return _EPOCH


def pods_to_delete(pods: list[Obj], count: int) -> list[Obj]:
    """The ``count`` pods to delete first (``ActivePodsWithRanks``)."""
    per_node = Counter(podstate.node_name(p) for p in pods if podstate.node_name(p))

    def key(p: Obj) -> tuple[Any, ...]:
        node = podstate.node_name(p)
        ready_since = podstate.ready_since(p) or _EPOCH
        created = _time(meta.metadata(p).get("creationTimestamp"))
        return (bool(node), _PHASE_RANK.get(podstate.phase(p), 3), podstate.is_ready(p),
                -per_node[node] if node else 0, -ready_since.timestamp(),
                -podstate.restarts(p), -created.timestamp(), meta.name(p))

    return sorted(pods, key=key)[:max(0, count)]


def status_of(rs: Obj, pods: Iterable[Obj], now: datetime, failure: str | None = None,
              failure_reason: str = "") -> tuple[dict[str, Any], float | None]:
    """The ReplicaSet's status for its active pods, and seconds until a ready pod becomes
    available (None when none is waiting for ``minReadySeconds``)."""
    spec = rs.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    template_labels = labels.from_set((spec.get("template") or {}).get("metadata", {})
                                      .get("labels") or {})
    pods = list(pods)
    ready = available = fully_labeled = 0
    wait: float | None = None
    for p in pods:
        fully_labeled += template_labels.matches(meta.labels(p))
        left = podstate.available_in(p, min_ready, now)
        if left is None:
            continue
        ready += 1
        if left == 0:
            available += 1
        else:
            wait = left if wait is None else min(wait, left)
    status: dict[str, Any] = {"replicas": len(pods), "fullyLabeledReplicas": fully_labeled,
                              "readyReplicas": ready, "availableReplicas": available,
                              "observedGeneration": meta.metadata(rs).get("generation", 0)}
    conditions = [c for c in (rs.get("status") or {}).get("conditions") or []
                  if c.get("type") != "ReplicaFailure"]
    old = next((c for c in (rs.get("status") or {}).get("conditions") or []
                if c.get("type") == "ReplicaFailure"), None)
    if failure is not None:
        conditions.append(old or {"type": "ReplicaFailure", "status": "True",
                                  "lastTransitionTime": meta.now(), "reason": failure_reason,
                                  "message": failure})
    if conditions:
        status["conditions"] = conditions
    return status, wait


def _status_differs(current: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(current.get(k, 0 if k != "conditions" else None) != new.get(k)
               for k in new) or ("conditions" in current and "conditions" not in new)


# --------------------------------------------------------------------------- controller


class ReplicaSetController(WorkloadController):
    name = "replicaset"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 recorder: Recorder | None = None, workers: int = 2,
                 clock: Clock | None = None, burst: int = BURST,
                 now: Now = utcnow) -> None:
        super().__init__(api, informers=informers, recorder=recorder, workers=workers,
                         clock=clock, now=now)
        self.burst = burst
        self._sets = self.informers.informer(kinds.REPLICA_SET)
        self._pods = self.informers.informer(kinds.POD)
        self._tracker = WriteTracker(self._pods)
        self.watch(self._sets, object_key)
        self.watch(self._pods, self._owner_keys)

    def _owner_keys(self, pod: Obj) -> list[str]:
        ref = meta.controller_of(pod)
        if ref is not None:
            if ref.get("kind") == "ReplicaSet":
                return [f"{meta.namespace(pod)}/{ref.get('name')}"]
            return []
        out = []
        for rs in self._sets.list(meta.namespace(pod)):
            sel = (rs.get("spec") or {}).get("selector")
            try:
                if labels.from_label_selector(sel).matches(meta.labels(pod)):
                    out.append(meta.key_of(rs))
            except BadRequest:
                continue
        return out

    async def reconcile(self, key: str) -> None:
        rs = self._sets.get(key)
        if rs is None:
            self._tracker.forget(key)
            return
        if not self._tracker.fresh(key):
            return
        selector = labels.from_label_selector((rs.get("spec") or {}).get("selector"))
        found = claims.claim(rs, selector, self._pods.list(meta.namespace(rs)))
        owned = await self._settle(kinds.POD, rs, found)
        active = [p for p in owned if podstate.is_active(p)]
        failure: ApiError | None = None
        if not meta.is_terminating(rs):
            failure = await self._manage(key, rs, active)
        reason = ("FailedCreate" if len(active) < replicas(rs) else "FailedDelete")
        status, wait = status_of(rs, active, self._now(),
                                 None if failure is None else str(failure), reason)
        await self._write_status(rs, status)
        if failure is not None:
            raise failure
        if wait is not None:
            raise Retry(wait + 0.05, "waiting for pods to become available")

    async def _manage(self, key: str, rs: Obj, active: list[Obj]) -> ApiError | None:
        diff = len(active) - replicas(rs)
        if diff < 0:
            return await self._create(key, rs, min(-diff, self.burst))
        if diff > 0:
            return await self._delete(key, rs, pods_to_delete(active, min(diff, self.burst)))
        return None

    async def _create(self, key: str, rs: Obj, count: int) -> ApiError | None:
        template = (rs.get("spec") or {}).get("template") or {}

        async def one() -> None:
            pod = await self._api.create(kinds.POD, pod_from_template(rs, template),
                                         meta.namespace(rs))
            self._tracker.wrote(key, pod)
            self._event(rs, "Normal", "SuccessfulCreate", f"Created pod: {meta.name(pod)}")

        error = await slow_start(count, one)
        if error is not None:
            self._event(rs, "Warning", "FailedCreate", f"Error creating: {error}")
        return error

    async def _delete(self, key: str, rs: Obj, victims: list[Obj]) -> ApiError | None:
        error: ApiError | None = None
        for pod in victims:
            try:
                await self._api.delete(kinds.POD, meta.name(pod), meta.namespace(pod),
                                       uid=meta.uid(pod))
            except NotFound:
                pass
            except ApiError as e:
                self._event(rs, "Warning", "FailedDelete", f"Error deleting: {e}")
                error = error or e
                continue
            self._tracker.deleted(key, pod)
            self._event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {meta.name(pod)}")
        return error

    async def _write_status(self, rs: Obj, status: dict[str, Any]) -> None:
        if not _status_differs(rs.get("status") or {}, status):
            return
        new = copy.deepcopy(rs)
        new["status"] = status
        with contextlib.suppress(NotFound):
            await self._api.update(kinds.REPLICA_SET, new, subresource="status")


async def slow_start(count: int, one: Callable[[], Awaitable[None]]) -> ApiError | None:
    """Run ``one`` ``count`` times in batches of 1, 2, 4...; stop after a failing batch
    (``slowStartBatch``), so a broken template costs one error, not hundreds."""
    done, batch = 0, 1
    while done < count:
        size = min(batch, count - done)
        results = await asyncio.gather(*(one() for _ in range(size)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        for r in errors:
            if not isinstance(r, ApiError):
                raise r
        if errors:
            first = errors[0]
            assert isinstance(first, ApiError)
            return first
        done += size
        batch *= 2
    return None
