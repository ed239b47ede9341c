"""The next step of a StatefulSet, and its status (``stateful_set_control.go``).

Given the set's pods by ordinal it decides, in order:

1. replicas (ordinals ``start .. start+replicas-1``): a missing pod is created; a finished
   one deleted (to be created again). Under ``OrderedReady`` only one thing happens at a
   time and nothing happens past a pod that is missing, terminating, or not Running and
   Ready (and available for ``minReadySeconds``): pod i+1 waits for 0..i. ``Parallel``
   does all of it at once.
2. condemned pods (ordinals beyond): deleted highest first; under ``OrderedReady`` one at
   a time, each only once the higher ones are gone, and an unhealthy one only if it is
   the first unhealthy pod.
3. ``RollingUpdate``: the highest ordinal (at or above ``partition``) not at the update
   revision is deleted (it comes back at the new revision), one at a time, waiting for
   each to be healthy again. ``OnDelete`` never replaces pods itself.

A new pod below the partition is made at the current revision, otherwise at the update
revision. Pure: pods in, ``Action`` list and status out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers import pods as podstate
from tinykube.controllers.statefulset import identity


@dataclass(frozen=True)
class Action:
    verb: Literal["create", "delete"]
    ordinal: int
    revision: str = ""  # create: the revision to make
    pod: Obj | None = None  # delete: the pod

    def __repr__(self) -> str:
        return f"{self.verb}({self.ordinal}{', ' + self.revision if self.revision else ''})"


def ordered(sts: Obj) -> bool:
    return bool(identity.spec(sts).get("podManagementPolicy", "OrderedReady") != "Parallel")


def strategy(sts: Obj) -> tuple[str, int]:
    """(update strategy type, partition)."""
    s = identity.spec(sts).get("updateStrategy") or {}
    partition = (s.get("rollingUpdate") or {}).get("partition")
    return str(s.get("type") or "RollingUpdate"), int(partition or 0)


def healthy(pod: Obj, min_ready: int, now: datetime) -> bool:
    """Running, Ready (for ``minReadySeconds``) and not terminating."""
    return (podstate.is_running(pod) and not meta.is_terminating(pod)
            and podstate.is_available(pod, min_ready, now))


def _finished(pod: Obj) -> bool:
    return podstate.is_terminal(pod)


def plan(sts: Obj, pods: dict[int, Obj], current_rev: str, update_rev: str,
         now: datetime) -> list[Action]:
    """What to do next; ``pods`` maps ordinals to the set's pods (any ordinal)."""
    first = identity.start(sts)
    wanted = range(first, first + identity.replicas(sts))
    monotonic = ordered(sts)
    min_ready = int(identity.spec(sts).get("minReadySeconds") or 0)
    kind, partition = strategy(sts)
    actions: list[Action] = []

    for ordinal in wanted:
        pod = pods.get(ordinal)
        if pod is None:
            rev = current_rev if kind == "RollingUpdate" and ordinal < partition else update_rev
            actions.append(Action("create", ordinal, rev))
            if monotonic:
                return actions
            continue
        if _finished(pod):
            if not meta.is_terminating(pod):
                actions.append(Action("delete", ordinal, pod=pod))
            if monotonic:
                return actions
            continue
        if monotonic and not healthy(pod, min_ready, now):
            return actions
    if actions:
        return actions

    condemned = sorted((o, p) for o, p in pods.items() if o not in wanted)
    unhealthy = [o for o, p in sorted(pods.items()) if not healthy(p, min_ready, now)]
    first_unhealthy = unhealthy[0] if unhealthy else None
    for ordinal, pod in reversed(condemned):
        if meta.is_terminating(pod):
            if monotonic:
                return actions
            continue
        if monotonic and not healthy(pod, min_ready, now) and ordinal != first_unhealthy:
            return actions
        actions.append(Action("delete", ordinal, pod=pod))
        if monotonic:
            return actions
    if actions or kind != "RollingUpdate":
        return actions

    for index in range(len(wanted) - 1, partition - 1, -1):
        pod = pods.get(wanted[index])
        if pod is None:
            return actions
        if identity.revision_of(pod) != update_rev and not meta.is_terminating(pod):
            return [Action("delete", wanted[index], pod=pod)]
        if not healthy(pod, min_ready, now):
            return actions
    return actions


def status(sts: Obj, pods: dict[int, Obj], current_rev: str, update_rev: str,
           now: datetime) -> dict[str, Any]:
    """Counts and revisions (``updateStatefulSet`` and ``completeRollingUpdate``). The
    current revision becomes the update revision once every pod is at it and ready; for
    ``OnDelete`` too (upstream leaves it behind there)."""
    min_ready = int(identity.spec(sts).get("minReadySeconds") or 0)
    out: dict[str, Any] = {"replicas": 0, "readyReplicas": 0, "availableReplicas": 0,
                           "currentReplicas": 0, "updatedReplicas": 0}
    for pod in pods.values():
        live = not meta.is_terminating(pod)
        out["replicas"] += live
        if podstate.is_running(pod) and podstate.is_ready(pod):
            out["readyReplicas"] += 1
            out["availableReplicas"] += podstate.is_available(pod, min_ready, now)
        if live:
            out["currentReplicas"] += identity.revision_of(pod) == current_rev
            out["updatedReplicas"] += identity.revision_of(pod) == update_rev
    if (out["updatedReplicas"] == out["replicas"] == out["readyReplicas"]
            and out["replicas"] == identity.replicas(sts)):
        current_rev = update_rev
        out["currentReplicas"] = out["updatedReplicas"]
    out["currentRevision"], out["updateRevision"] = current_rev, update_rev
    out["observedGeneration"] = meta.metadata(sts).get("generation", 0)
    collisions = (sts.get("status") or {}).get("collisionCount")
    out["collisionCount"] = int(collisions or 0)
    return out
