"""The scheduler: every pending pod without ``spec.nodeName`` goes to a Ready node.

A pod is a candidate when it has no node, is not being deleted or finished, and asks for
the default scheduler. A node fits when its Ready condition is True, it is not cordoned
(``spec.unschedulable``), the pod tolerates its NoSchedule/NoExecute taints and its labels
satisfy the pod's ``nodeSelector``. Among fitting nodes the one running the fewest pods
wins (ties by name), counting bindings made but not yet seen in the cache, so a burst
of pods spreads over the nodes.

Binding uses the ``pods/binding`` subresource when the client can make raw requests (the
real API), else an update setting ``spec.nodeName`` (test fakes). When nothing fits, the
pod gets ``PodScheduled=False`` (reason ``Unschedulable``, "0/N nodes are available: ...")
and a ``FailedScheduling`` Warning Event; node changes wake every pending pod again.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections import Counter
from typing import Any, Protocol, runtime_checkable

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.controllers import pods as podstate
from tinykube.controllers.events import Recorder
from tinykube.controllers.reconcile import Controller
from tinykube.errors import Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.clock import Clock
from tinykube.machinery.factory import InformerFactory

log = logging.getLogger(__name__)

SCHEDULER_NAME = "default-scheduler"
BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


@runtime_checkable
class RawRequests(Protocol):
    """A client that can POST to any path (``client.Client.request``)."""

    async def request(self, method: str, path: str, *, body: Any = None) -> Any: ...


# --------------------------------------------------------------------------- pure


def is_pending(pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    return (not spec.get("nodeName") and not meta.is_terminating(pod)
            and not podstate.is_terminal(pod)
            and (spec.get("schedulerName") or SCHEDULER_NAME) == SCHEDULER_NAME)


def node_ready(node: Obj) -> bool:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return bool(c.get("status") == "True")
    return False


def tolerates(pod: Obj, taint: dict[str, Any]) -> bool:
    for t in (pod.get("spec") or {}).get("tolerations") or []:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (
                taint.get("value") or ""):
            return True
    return False


def why_not(pod: Obj, node: Obj) -> str | None:
    """Why ``pod`` cannot go to ``node``, in the scheduler's words; None if it can."""
    if not node_ready(node):
        return "node(s) were not ready"
    spec = node.get("spec") or {}
    if spec.get("unschedulable"):
        return "node(s) were unschedulable"
    for taint in spec.get("taints") or []:
        if taint.get("effect") in BLOCKING_EFFECTS and not tolerates(pod, taint):
            return "node(s) had untolerated taint(s)"
    selector = (pod.get("spec") or {}).get("nodeSelector") or {}
    node_labels = meta.labels(node)
    if any(node_labels.get(k) != v for k, v in selector.items()):
        return "node(s) didn't match Pod's node affinity/selector"
    return None


def choose(pod: Obj, nodes: list[Obj], load: Counter[str]) -> tuple[str | None, str]:
    """The node to bind to (least loaded, then by name), or None and the reason."""
    fitting, reasons = [], Counter[str]()
    for node in nodes:
        reason = why_not(pod, node)
        if reason is None:
            fitting.append(meta.name(node))
        else:
            reasons[reason] += 1
    if fitting:
        return min(fitting, key=lambda n: (load[n], n)), ""
    if not nodes:
        return None, "no nodes available to schedule pods"
    detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda kv: kv[0]))
    return None, f"0/{len(nodes)} nodes are available: {detail}."


def unschedulable(pod: Obj, message: str) -> Obj | None:
    """The pod with ``PodScheduled=False``; None if it already says so."""
    current = podstate.condition(pod, "PodScheduled")
    if current and current.get("status") == "False" and current.get("message") == message:
        return None
    new = copy.deepcopy(pod)
    status = new.setdefault("status", {})
    status["phase"] = status.get("phase") or "Pending"
    status["conditions"] = [c for c in status.get("conditions") or []
                            if c.get("type") != "PodScheduled"] + [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": message, "lastProbeTime": None, "lastTransitionTime": meta.now()}]
    return new


# --------------------------------------------------------------------------- controller


class Scheduler(Controller[str]):
    name = "scheduler"

    def __init__(self, api: ApiClient, *, informers: InformerFactory | None = None,
                 recorder: Recorder | None = None, workers: int = 1,
                 clock: Clock | None = None) -> None:
        super().__init__(informers or InformerFactory(api, clock=clock),
                         own_informers=informers is None, workers=workers, clock=clock)
        self._api = api
        self._recorder = recorder
        self._pods = self.informers.informer(kinds.POD)
        self._nodes = self.informers.informer(kinds.NODE)
        # pod key -> (uid, node) of bindings made, until the cache shows them
        self._assumed: dict[str, tuple[str, str]] = {}
        self.watch(self._pods, lambda p: [meta.key_of(p)] if is_pending(p) else [])
        self.watch(self._nodes, lambda _: self._pending())

    def _pending(self) -> list[str]:
        return [meta.key_of(p) for p in self._pods.list() if is_pending(p)]

    def load(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for pod in self._pods.list():
            node = podstate.node_name(pod)
            if node and not podstate.is_terminal(pod):
                counts[node] += 1
        for key, (uid, node) in list(self._assumed.items()):
            cached = self._pods.get(key)
            if cached is None or meta.uid(cached) != uid or podstate.node_name(cached):
                del self._assumed[key]
            else:
                counts[node] += 1
        return counts

    async def reconcile(self, key: str) -> None:
        pod = self._pods.get(key)
        if pod is None or not is_pending(pod):
            return
        if self._assumed.get(key, ("", ""))[0] == meta.uid(pod):
            return  # bound already; the cache has not caught up
        node, message = choose(pod, self._nodes.list(), self.load())
        if node is None:
            await self._unschedulable(pod, message)
            return
        try:
            await self._bind(pod, node)
        except (NotFound, Conflict):
            return  # gone, or bound by someone else meanwhile
        self._assumed[key] = (meta.uid(pod), node)
        log.debug("pod=%s bound node=%s", key, node)
        if self._recorder is not None:
            self._recorder.normal(pod, "Scheduled",
                                  f"Successfully assigned {key} to {node}")

    async def _bind(self, pod: Obj, node: str) -> None:
        name, namespace = meta.name(pod), meta.namespace(pod)
        if isinstance(self._api, RawRequests):
            body = {"apiVersion": "v1", "kind": "Binding",
                    "metadata": {"name": name, "namespace": namespace, "uid": meta.uid(pod)},
                    "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
            await self._api.request("POST", kinds.POD.path(namespace, name) + "/binding",
                                    body=body)
            return
        bound = copy.deepcopy(pod)
        bound["spec"]["nodeName"] = node
        bound = await self._api.update(kinds.POD, bound)
        status = bound.setdefault("status", {})
        status["conditions"] = [c for c in status.get("conditions") or []
                                if c.get("type") != "PodScheduled"] + [{
            "type": "PodScheduled", "status": "True", "lastTransitionTime": meta.now()}]
        with contextlib.suppress(NotFound, Conflict):
            await self._api.update(kinds.POD, bound, subresource="status")

    async def _unschedulable(self, pod: Obj, message: str) -> None:
        new = unschedulable(pod, message)
        if new is None:
            return
        log.info("pod=%s unschedulable: %s", meta.key_of(pod), message)
        if self._recorder is not None:
            self._recorder.warning(pod, "FailedScheduling", message)
        with contextlib.suppress(NotFound):
            await self._api.update(kinds.POD, new, subresource="status")

