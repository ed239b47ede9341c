"""Pod rows: ``web-0  1/1  Running  3 (5m ago)  2d  10.244.0.5  node-1  <none>  <none>``.

A port of ``printPod``: the STATUS column is kubectl's "reason" — ``Init:0/1``,
``ContainerCreating``, ``CrashLoopBackOff``, ``Completed``, ``Error``, ``Terminating`` … —
computed from init containers first, then from the containers in reverse order, exactly as
kube-apiserver does it. Succeeded and Failed pods also get the row condition
``Completed`` that kubectl uses to mark finished pods.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api.meta import Obj
from tinykube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, wide
from tinykube.apiserver.tables.duration import human_duration, parse_timestamp, since

COLUMNS = (
    NAME,
    Column("Ready", description="The aggregate readiness state of this pod for accepting "
           "traffic."),
    Column("Status", description="The aggregate status of the containers in this pod."),
    Column("Restarts", description="The number of times the containers in this pod have been "
           "restarted and when the last container in this pod has restarted."),
    AGE,
    wide("IP", "podIP address allocated to the pod. Routable at least within the cluster. "
         "Empty if not yet allocated."),
    wide("Node", "NodeName indicates in which node this pod is scheduled."),
    wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods "
         "on the node."),
    wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod "
         "readiness."),
)

NODE_UNREACHABLE_REASON = "NodeLost"


def _conditions(pod: Obj) -> list[dict[str, Any]]:
    return list((pod.get("status") or {}).get("conditions") or [])


def _condition_true(pod: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in _conditions(pod))


def _restartable(container: dict[str, Any] | None) -> bool:
    return bool(container) and (container or {}).get("restartPolicy") == "Always"


def _finished_at(status: dict[str, Any]) -> datetime | None:
    terminated = (status.get("lastState") or {}).get("terminated")
    return parse_timestamp(terminated.get("finishedAt")) if terminated else None


class _Tally:
    """Restart counts and dates gathered while walking container statuses."""

    def __init__(self) -> None:
        self.restarts = 0
        self.last_restart: datetime | None = None

    def add(self, status: dict[str, Any]) -> None:
        self.restarts += int(status.get("restartCount") or 0)
        finished = _finished_at(status)
        if finished and (self.last_restart is None or finished > self.last_restart):
            self.last_restart = finished


def _terminated_reason(term: dict[str, Any], prefix: str) -> str:
    if term.get("reason"):
        return prefix + str(term["reason"])
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode') or 0}"


class _PodState:
    """The mutable walk of ``printPod``: reason, ready count and restart tallies."""

    def __init__(self, pod: Obj) -> None:
        self.pod = pod
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        self.reason = str(status.get("reason") or status.get("phase") or "")
        if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
               for c in _conditions(pod)):
            self.reason = "SchedulingGated"
        init_list = spec.get("initContainers") or []
        self.init_specs = {c.get("name"): c for c in init_list}
        self.total = len(spec.get("containers") or []) + sum(
            1 for c in init_list if _restartable(c)
        )
        self.ready = 0
        self.all_restarts = _Tally()
        self.sidecar_restarts = _Tally()

    def walk_init(self) -> bool:
        """Returns True while the pod is still initializing."""
        statuses = (self.pod.get("status") or {}).get("initContainerStatuses") or []
        count = len(self.init_specs)
        for i, cs in enumerate(statuses):
            self.all_restarts.add(cs)
            sidecar = _restartable(self.init_specs.get(cs.get("name")))
            if sidecar:
                self.sidecar_restarts.add(cs)
            state = cs.get("state") or {}
            term, waiting = state.get("terminated"), state.get("waiting")
            if term is not None and int(term.get("exitCode") or 0) == 0:
                continue
            if sidecar and cs.get("started"):
                self.ready += 1 if cs.get("ready") else 0
                continue
            if term is not None:
                self.reason = _terminated_reason(term, "Init:")
            elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
                self.reason = "Init:" + str(waiting["reason"])
            else:
                self.reason = f"Init:{i}/{count}"
            return True
        return False

    def walk_containers(self) -> None:
        tally = self.sidecar_restarts
        has_running = False
        for cs in reversed((self.pod.get("status") or {}).get("containerStatuses") or []):
            tally.add(cs)
            state = cs.get("state") or {}
            term, waiting = state.get("terminated"), state.get("waiting")
            if waiting is not None and waiting.get("reason"):
                self.reason = str(waiting["reason"])
            elif term is not None:
                self.reason = _terminated_reason(term, "")
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                self.ready += 1
        self.all_restarts = tally
        if self.reason == "Completed" and has_running:
            self.reason = "Running" if _condition_true(self.pod, "Ready") else "NotReady"


def status_and_restarts(pod: Obj, now: datetime) -> tuple[str, str, str]:
    """(READY, STATUS, RESTARTS) cells of one pod."""
    st = _PodState(pod)
    initializing = st.walk_init()
    if not initializing or _condition_true(pod, "Initialized"):
        st.walk_containers()
    phase = (pod.get("status") or {}).get("phase") or ""
    deleting = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    if deleting and (pod.get("status") or {}).get("reason") == NODE_UNREACHABLE_REASON:
        st.reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        st.reason = "Terminating"
    restarts = st.all_restarts.restarts
    restarts_text = str(restarts)
    last = st.all_restarts.last_restart
    if restarts and last is not None:
        restarts_text = f"{restarts} ({human_duration(now - last)} ago)"
    return f"{st.ready}/{st.total}", st.reason, restarts_text


def _readiness_gates(pod: Obj) -> str:
    gates = (pod.get("spec") or {}).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = _conditions(pod)
    true = 0
    for gate in gates:
        for cond in conditions:
            if cond.get("type") == gate.get("conditionType"):
                true += 1 if cond.get("status") == "True" else 0
                break
    return f"{true}/{len(gates)}"


def cells(pod: Obj, now: datetime) -> list[Cell]:
    md, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    ready, reason, restarts = status_and_restarts(pod, now)
    pod_ips = status.get("podIPs") or []
    pod_ip = str(pod_ips[0].get("ip") or "") if pod_ips else ""
    return [
        md.get("name", ""),
        ready,
        reason,
        restarts,
        since(md.get("creationTimestamp"), now),
        pod_ip or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        _readiness_gates(pod),
    ]


def conditions(pod: Obj) -> list[dict[str, str]] | None:
    """The row conditions kube-apiserver attaches to finished pods."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return None
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


PRINTER = Printer(COLUMNS, cells)
