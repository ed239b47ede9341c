"""A Deployment's status: replica counts and the conditions ``kubectl rollout status`` reads.

From ``deployment/sync.go`` (``calculateStatus``) and ``progress.go``
(``syncRolloutStatus``): counts are sums over the ReplicaSets (``updatedReplicas`` is the
new one's); ``Available`` is True with ``MinimumReplicasAvailable`` once at least
``replicas - maxUnavailable`` pods are available. ``Progressing`` says where the rollout
is: ``NewReplicaSetCreated`` / ``FoundNewReplicaSet`` when it starts, ``ReplicaSetUpdated``
whenever it makes progress, ``NewReplicaSetAvailable`` once complete,
``ProgressDeadlineExceeded`` (False) when nothing moved for ``progressDeadlineSeconds``,
``DeploymentPaused`` / ``DeploymentResumed`` (Unknown) around a pause. A ReplicaSet's
``ReplicaFailure`` condition is copied up. Pure: times are passed in.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers.deployment import rollout

AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
FAILED_RS_CREATE = "ReplicaSetCreateError"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MAX_INT32 = 2**31 - 1

Condition = dict[str, Any]


def condition(status: dict[str, Any], kind: str) -> Condition | None:
    for c in status.get("conditions") or []:
        if c.get("type") == kind:
            return dict(c)
    return None


def new_condition(kind: str, status: str, reason: str, message: str, now: str) -> Condition:
    return {"type": kind, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def set_condition(status: dict[str, Any], cond: Condition) -> None:
    """``SetDeploymentCondition``: same status and reason is no change; same status keeps
    its transition time."""
    current = condition(status, cond["type"])
    if current and current["status"] == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current and current["status"] == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    status["conditions"] = [c for c in status.get("conditions") or []
                            if c.get("type") != cond["type"]] + [cond]


def remove_condition(status: dict[str, Any], kind: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != kind]


def has_deadline(d: Obj) -> bool:
    value = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return isinstance(value, int) and value != MAX_INT32


def _sum(sets: list[Obj], field: str) -> int:
    return sum(int((rs.get("status") or {}).get(field) or 0) for rs in sets)


def calculate(d: Obj, all_sets: list[Obj], new: Obj | None, now: str) -> dict[str, Any]:
    """Counts and the Available condition (``calculateStatus``)."""
    old = d.get("status") or {}
    available = _sum(all_sets, "availableReplicas")
    status: dict[str, Any] = {
        "observedGeneration": meta.metadata(d).get("generation", 0),
        "replicas": _sum(all_sets, "replicas"),
        "updatedReplicas": _sum([new], "replicas") if new is not None else 0,
        "readyReplicas": _sum(all_sets, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(0, rollout.total(all_sets) - available),
        "conditions": copy.deepcopy(old.get("conditions") or []),
    }
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if available >= rollout.replicas(d) - rollout.max_unavailable(d):
        set_condition(status, new_condition(AVAILABLE, "True", MIN_AVAILABLE,
                                            "Deployment has minimum availability.", now))
    else:
        set_condition(status, new_condition(AVAILABLE, "False", MIN_UNAVAILABLE,
                                            "Deployment does not have minimum availability.",
                                            now))
    return status


def complete(d: Obj, status: dict[str, Any]) -> bool:
    want = rollout.replicas(d)
    return (status.get("updatedReplicas") == want and status.get("replicas") == want
            and status.get("availableReplicas") == want
            and status.get("observedGeneration", 0) >= meta.metadata(d).get("generation", 0))


def progressed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    def old_pods(s: dict[str, Any]) -> int:
        return int(s.get("replicas") or 0) - int(s.get("updatedReplicas") or 0)

    return (int(new.get("updatedReplicas") or 0) > int(old.get("updatedReplicas") or 0)
            or old_pods(new) < old_pods(old)
            or int(new.get("readyReplicas") or 0) > int(old.get("readyReplicas") or 0)
            or int(new.get("availableReplicas") or 0) > int(old.get("availableReplicas") or 0))


def _parse(value: Any) -> datetime | None:
    try:
        return meta.parse_time(str(value)) if value else None
    except ValueError:
        return None


def deadline(d: Obj, status: dict[str, Any]) -> datetime | None:
    """When the rollout times out if nothing moves; None when no deadline applies."""
    cond = condition(status, PROGRESSING)
    if not has_deadline(d) or cond is None or cond.get("reason") in (NEW_RS_AVAILABLE,
                                                                       TIMED_OUT):
        return None
    since = _parse(cond.get("lastUpdateTime"))
    seconds = int((d.get("spec") or {}).get("progressDeadlineSeconds") or 0)
    return None if since is None else since + timedelta(seconds=seconds)


def timed_out(d: Obj, status: dict[str, Any], now: datetime) -> bool:
    cond = condition(status, PROGRESSING)
    if not has_deadline(d) or cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    at = deadline(d, status)
    return at is not None and at < now


def rollout_status(d: Obj, all_sets: list[Obj], new: Obj | None, now: datetime,
                   ) -> dict[str, Any]:
    """The status after a rollout step, with Progressing estimated (``syncRolloutStatus``)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    old = d.get("status") or {}
    status = calculate(d, all_sets, new, stamp)
    if not has_deadline(d):
        remove_condition(status, PROGRESSING)
    current = condition(old, PROGRESSING)
    done = (status["replicas"] == status["updatedReplicas"] and current is not None
            and current.get("reason") == NEW_RS_AVAILABLE)
    if has_deadline(d) and not done:
        name = meta.name(new) if new is not None else ""
        if complete(d, status):
            set_condition(status, new_condition(
                PROGRESSING, "True", NEW_RS_AVAILABLE,
                f'ReplicaSet "{name}" has successfully progressed.', stamp))
        elif progressed(old, status):
            msg = (f'ReplicaSet "{name}" is progressing.' if new is not None
                   else f'Deployment "{meta.name(d)}" is progressing.')
            cond = new_condition(PROGRESSING, "True", RS_UPDATED, msg, stamp)
            if current is not None and current["status"] == "True":
                cond["lastTransitionTime"] = current.get("lastTransitionTime")
            remove_condition(status, PROGRESSING)
            set_condition(status, cond)
        elif timed_out(d, status, now):
            set_condition(status, new_condition(
                PROGRESSING, "False", TIMED_OUT,
                f'ReplicaSet "{name}" has timed out progressing.', stamp))
    copy_replica_failure(status, all_sets, new)
    return status


def copy_replica_failure(status: dict[str, Any], all_sets: list[Obj], new: Obj | None) -> None:
    ordered = ([new] if new is not None else []) + [rs for rs in all_sets if rs is not new]
    for rs in ordered:
        failure = condition(rs.get("status") or {}, REPLICA_FAILURE)
        if failure is not None:
            set_condition(status, {"type": REPLICA_FAILURE, "status": failure["status"],
                                   "lastUpdateTime": failure.get("lastTransitionTime"),
                                   "lastTransitionTime": failure.get("lastTransitionTime"),
                                   "reason": failure.get("reason", ""),
                                   "message": failure.get("message", "")})
            return
    remove_condition(status, REPLICA_FAILURE)


def paused_condition(d: Obj, now: str) -> Condition | None:
    """The Progressing condition a pause or resume calls for (``checkPausedConditions``)."""
    if not has_deadline(d):
        return None
    cond = condition(d.get("status") or {}, PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return None
    paused = bool((d.get("spec") or {}).get("paused"))
    shown = cond is not None and cond.get("reason") == PAUSED
    if paused and not shown:
        return new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", now)
    if not paused and shown:
        return new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", now)
    return None
