"""A pod's ``status`` from the agent's records, as the kubelet computes it.

``phase`` follows the kubelet's getPhase: Pending while an init container has not
succeeded or a container waits without ever having run; Running while one runs (or all
are restarting under Always/OnFailure); Succeeded when all ended with 0 and none will
restart; Failed when all ended, one in failure, under Never (or OnFailure init failure).
Conditions are PodReadyToStartContainers, Initialized, ContainersReady, Ready and
PodScheduled, each keeping its ``lastTransitionTime`` until its status flips. Pure: the
time is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tinykube.agent.lifecycle import Container
from tinykube.api.meta import Obj


@dataclass(frozen=True)
class PodView:
    """Everything about a pod that is not in its containers' records."""

    restart_policy: str
    pod_ips: tuple[str, ...]
    host_ips: tuple[str, ...]
    start_time: str
    sandbox_ready: bool
    init_done: bool
    readiness_gates: tuple[str, ...] = ()
    terminal: str = ""        # a phase already reached that cannot be left (Succeeded/Failed)


def _tf(flag: bool) -> str:
    return "True" if flag else "False"


def phase(view: PodView, containers: Sequence[Container]) -> str:
    if view.terminal:
        return view.terminal
    if not view.init_done:
        return "Pending"
    running = stopped = succeeded = waiting = 0
    for c in containers:
        if c.is_running:
            running += 1
        elif "terminated" in c.state:
            stopped += 1
            succeeded += c.exit_code == 0
        elif c.last_state.get("terminated"):
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if not stopped:
        return "Pending"
    if view.restart_policy == "Always":
        return "Running"
    if stopped == succeeded and all("terminated" in c.state for c in containers):
        return "Succeeded"
    if view.restart_policy == "Never":
        return "Failed"
    return "Running"


def conditions(view: PodView, containers: Sequence[Container], init: Sequence[Container],
               pod_phase: str, gates: dict[str, bool]) -> list[Obj]:
    """The conditions without times: dicts of type, status, and reason/message if any."""
    completed = pod_phase in ("Succeeded", "Failed")
    out: list[Obj] = [
        {"type": "PodReadyToStartContainers",
         "status": _tf(view.sandbox_ready and not completed)},
    ]
    if view.init_done:
        out.append({"type": "Initialized", "status": "True"})
    else:
        pending = [c.name for c in init if c.exit_code != 0]
        out.append({"type": "Initialized", "status": "False",
                    "reason": "ContainersNotInitialized",
                    "message": f"containers with incomplete status: [{' '.join(pending)}]"})
    unready = [c.name for c in containers if not c.ready]
    if completed:
        ready: Obj = {"status": "False", "reason": "PodCompleted"}
        containers_ready = dict(ready)
    elif unready:
        msg = f"containers with unready status: [{' '.join(unready)}]"
        containers_ready = {"status": "False", "reason": "ContainersNotReady", "message": msg}
        ready = dict(containers_ready)
    else:
        containers_ready = {"status": "True"}
        missing = [g for g in view.readiness_gates if not gates.get(g)]
        ready = {"status": "True"} if not missing else {
            "status": "False", "reason": "ReadinessGatesNotReady",
            "message": f"corresponding condition of pod readiness gate {missing[0]!r} "
                       "does not exist or is False".replace("'", '"')}
    out.append({"type": "Ready", **ready})
    out.append({"type": "ContainersReady", **containers_ready})
    out.append({"type": "PodScheduled", "status": "True"})
    return out


def with_times(new: list[Obj], previous: Sequence[Obj], now: str) -> list[Obj]:
    """``new`` conditions with ``lastTransitionTime`` kept from ``previous`` where the
    status did not change, ``now`` where it did; foreign conditions (readiness gates set
    by others, DisruptionTarget) are kept as they were."""
    before = {c.get("type"): c for c in previous}
    out = []
    ours = {c["type"] for c in new}
    for c in new:
        old = before.get(c["type"])
        same = old is not None and old.get("status") == c["status"]
        stamp = old.get("lastTransitionTime") if same and old is not None else now
        cond = {"type": c["type"], "status": c["status"], "lastProbeTime": None,
                "lastTransitionTime": stamp or now}
        for key in ("reason", "message"):
            if c.get(key):
                cond[key] = c[key]
        out.append(cond)
    out += [c for c in previous if c.get("type") not in ours]
    return out


def pod_status(view: PodView, containers: Sequence[Container], init: Sequence[Container],
               previous: Obj, now: str) -> Obj:
    """The pod's full ``status`` (what the agent publishes through ``pods/status``)."""
    p = phase(view, containers)
    prev_conditions = list(previous.get("conditions") or [])
    gates = {c.get("type"): c.get("status") == "True" for c in prev_conditions}
    conds = with_times(conditions(view, containers, init, p, gates), prev_conditions, now)
    out: dict[str, Any] = {
        "phase": p,
        "conditions": conds,
        "hostIP": view.host_ips[0] if view.host_ips else None,
        "hostIPs": [{"ip": ip} for ip in view.host_ips],
        "startTime": view.start_time,
        "containerStatuses": [c.status() for c in containers],
    }
    if view.pod_ips:
        out["podIP"] = view.pod_ips[0]
        out["podIPs"] = [{"ip": ip} for ip in view.pod_ips]
    if init:
        out["initContainerStatuses"] = [c.status() for c in init]
    return out
