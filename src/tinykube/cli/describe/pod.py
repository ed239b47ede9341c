"""``describe pod`` in kubectl 1.32's layout (``describePod``)."""

from __future__ import annotations

from datetime import datetime

from tinykube.api.meta import Obj
from tinykube.cli import age
from tinykube.cli.describe.containers import containers, pod_resolver, resources, volumes
from tinykube.cli.describe.writer import (
    PrefixWriter,
    events,
    labels_and_annotations,
    labels_multiline,
    tolerations_multiline,
)


def render(pod: Obj, evts: list[Obj] | None, now: datetime) -> str:
    md, spec, status = (pod.get(k) or {} for k in ("metadata", "spec", "status"))
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    _scheduling(w, spec, status)
    labels_and_annotations(w, md)
    _status(w, md, status, now)
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or []
    if not ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    owner = controller(md)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources") is not None:
        w.write(0, "Resources:\n")
        resources(w, spec["resources"], 1)
    _containers(w, pod, spec, status)
    _conditions(w, spec, status)
    volumes(w, spec.get("volumes"), "")
    w.write(0, f"QoS Class:\t{qos_class(pod)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    if evts is not None:
        events(w, evts, now)
    return w.text()


def _scheduling(w: PrefixWriter, spec: Obj, status: Obj) -> None:
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{age.rfc1123z(status['startTime'])}\n")


def _status(w: PrefixWriter, md: Obj, status: Obj, now: datetime) -> None:
    phase = status.get("phase", "")
    if md.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {age.since(md['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")


def _containers(w: PrefixWriter, pod: Obj, spec: Obj, status: Obj) -> None:
    resolve = pod_resolver(pod)
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"],
                   status.get("initContainerStatuses"), resolve=resolve, space="")
    containers(w, "Containers", spec.get("containers") or [],
               status.get("containerStatuses"), resolve=resolve, space="")


def _conditions(w: PrefixWriter, spec: Obj, status: Obj) -> None:
    conditions = status.get("conditions") or []
    gates = spec.get("readinessGates") or []
    if gates:
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for g in gates:
            kind = g.get("conditionType", "")
            value = next((str(c.get("status")) for c in conditions if c.get("type") == kind),
                         "<none>")
            w.write(1, f"{kind} \t{value} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \n")


def controller(md: Obj) -> str:
    """``ReplicaSet/web-5d4f``: the owner with ``controller: true``."""
    for ref in md.get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def qos_class(pod: Obj) -> str:
    """``status.qosClass``, else computed as the kubelet does (simplified to cpu/memory)."""
    stated = (pod.get("status") or {}).get("qosClass")
    if stated:
        return str(stated)
    spec = pod.get("spec") or {}
    items = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    requests = [(c.get("resources") or {}).get("requests") or {} for c in items]
    limits = [(c.get("resources") or {}).get("limits") or {} for c in items]
    if not any(requests) and not any(limits):
        return "BestEffort"
    guaranteed = all(
        all(r in lim for r in ("cpu", "memory")) and all(req.get(k, lim[k]) == lim[k] for k in lim)
        for req, lim in zip(requests, limits, strict=True))
    return "Guaranteed" if guaranteed else "Burstable"
