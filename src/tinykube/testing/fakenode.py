"""A node agent stand-in: pods on it become Running (and Ready) with an IP, and go away.

Until the real agent exists, controller tests and benchmarks need pods to move through
their life. ``FakeNode(api, "node-1").run()`` registers a Ready Node, then for every pod
bound to it (or, with ``take_unbound``, not bound at all) reports ``Running`` with the next
IP of its pod CIDR and ``Ready`` (unless ``auto_ready`` is off), and finishes the deletion
of terminating pods (a delete with grace 0, what the agent does once containers stopped)
unless ``finish_deletions`` is off.
The helpers ``report``, ``set_ready`` and ``finish_deletion`` do one step by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import ipaddress
from collections.abc import Iterator
from typing import Any

from tinykube.api import kinds, meta
from tinykube.api.meta import Obj
from tinykube.errors import AlreadyExists, Conflict, NotFound
from tinykube.machinery.apiclient import ApiClient
from tinykube.machinery.informer import Informer


def container_statuses(pod: Obj, ready: bool, now: str) -> list[dict[str, Any]]:
    return [{"name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": ready,
             "started": True, "restartCount": 0, "state": {"running": {"startedAt": now}}}
            for c in (pod.get("spec") or {}).get("containers") or []]


def status(ip: str | None, *, ready: bool, phase: str = "Running") -> dict[str, Any]:
    now = meta.now()
    out: dict[str, Any] = {"phase": phase, "startTime": now, "conditions": [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
        {"type": "ContainersReady", "status": "True" if ready else "False",
         "lastTransitionTime": now},
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": now},
    ]}
    if ip:
        out["podIP"], out["podIPs"] = ip, [{"ip": ip}]
    return out


async def report(api: ApiClient, pod: Obj, ip: str | None, *, ready: bool = True,
                 phase: str = "Running") -> Obj:
    """Write the pod's status as an agent running it would."""
    new = copy.deepcopy(pod)
    new["status"] = {**(pod.get("status") or {}), **status(ip, ready=ready, phase=phase)}
    new["status"]["containerStatuses"] = container_statuses(pod, ready, meta.now())
    return await api.update(kinds.POD, new, subresource="status")


async def set_ready(api: ApiClient, name: str, ready: bool, namespace: str = "default") -> Obj:
    """Flip the Ready condition of a running pod."""
    pod = await api.get(kinds.POD, name, namespace)
    flag = "True" if ready else "False"
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Ready", "ContainersReady") and c.get("status") != flag:
            c["status"], c["lastTransitionTime"] = flag, meta.now()
    for c in (pod.get("status") or {}).get("containerStatuses") or []:
        c["ready"] = ready
    return await api.update(kinds.POD, pod, subresource="status")


async def finish_deletion(api: ApiClient, pod: Obj) -> None:
    """Delete a terminating pod for good (grace period 0), as the agent does."""
    request = getattr(api, "request", None)
    with contextlib.suppress(NotFound, Conflict):
        if request is None:
            await api.delete(kinds.POD, meta.name(pod), meta.namespace(pod))
            return
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                "preconditions": {"uid": meta.uid(pod)}}
        await request("DELETE", kinds.POD.path(meta.namespace(pod), meta.name(pod)),
                      body=body)


class FakeNode:
    def __init__(self, api: ApiClient, name: str = "node-1", *,
                 pod_cidr: str = "10.244.0.0/24", auto_ready: bool = True,
                 take_unbound: bool = False, register: bool = True,
                 finish_deletions: bool = True) -> None:
        self.api = api
        self.name = name
        self.auto_ready = auto_ready
        self.take_unbound = take_unbound
        self.register = register
        self.finish_deletions = finish_deletions
        self._hosts: Iterator[ipaddress.IPv4Address] = ipaddress.IPv4Network(pod_cidr).hosts()
        next(self._hosts)  # .1 is the bridge
        self._pods = Informer(api, kinds.POD)
        self._todo: asyncio.Queue[str] = asyncio.Queue()
        self.ips: dict[str, str] = {}  # pod uid -> IP

    def _mine(self, pod: Obj) -> bool:
        node = (pod.get("spec") or {}).get("nodeName")
        return node == self.name or (self.take_unbound and not node)

    def _wake(self, pod: Obj) -> None:
        if self._mine(pod):
            self._todo.put_nowait(meta.key_of(pod))

    async def run(self) -> None:
        if self.register:
            await self._register()
        self._pods.add_handlers(on_add=self._wake, on_update=lambda _, new: self._wake(new))
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._pods.run())
            while True:
                key = await self._todo.get()
                pod = self._pods.get(key)
                if pod is not None:
                    with contextlib.suppress(NotFound, Conflict):
                        await self._handle(pod)

    async def _register(self) -> None:
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.name},
                "status": {"conditions": [{"type": "Ready", "status": "True",
                                           "reason": "KubeletReady"}],
                           "addresses": [{"type": "Hostname", "address": self.name}]}}
        with contextlib.suppress(AlreadyExists):
            await self.api.create(kinds.NODE, node)

    async def _handle(self, pod: Obj) -> None:
        if meta.is_terminating(pod):
            if self.finish_deletions:
                await finish_deletion(self.api, pod)
            return
        if (pod.get("status") or {}).get("podIP"):
            return
        ip = self.ips.setdefault(meta.uid(pod), str(next(self._hosts)))
        await report(self.api, pod, ip, ready=self.auto_ready)
