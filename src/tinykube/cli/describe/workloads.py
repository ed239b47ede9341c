"""``describe`` for Deployments, ReplicaSets and StatefulSets in kubectl 1.32's layout."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tinykube.api import labels as selectors
from tinykube.api.meta import Obj
from tinykube.cli import age
from tinykube.cli.describe.containers import pod_template
from tinykube.cli.describe.pod import controller
from tinykube.cli.describe.writer import (
    PrefixWriter,
    events,
    labels_and_annotations,
    labels_multiline,
)
from tinykube.errors import BadRequest


def selector_text(sel: Any) -> str:
    """A ``LabelSelector`` the way Go's ``labels.Selector`` prints it."""
    try:
        return str(selectors.from_label_selector(sel if isinstance(sel, dict) else None))
    except BadRequest:
        return ""


def render_deployment(d: Obj, old_rs: list[Obj], new_rs: list[Obj], evts: list[Obj] | None,
                      now: datetime) -> str:
    md, spec, status = (d.get(k) or {} for k in ("metadata", "spec", "status"))
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{age.rfc1123z(md.get('creationTimestamp'))}\n")
    labels_and_annotations(w, md)
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 0)} desired | "
               f"{status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} total"
               f" | {status.get('availableReplicas', 0)} available | "
               f"{status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        w.write(0, f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable', '')} max "
                   f"unavailable, {rolling.get('maxSurge', '')} max surge\n")
    pod_template(w, spec.get("template"))
    _conditions(w, status)
    if old_rs or new_rs:
        w.write(0, f"OldReplicaSets:\t{_replica_sets(old_rs)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_sets(new_rs)}\n")
    if evts is not None:
        events(w, evts, now)
    return w.text()


def _conditions(w: PrefixWriter, status: Obj) -> None:
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def _replica_sets(items: list[Obj]) -> str:
    parts = [f"{(rs.get('metadata') or {}).get('name', '')} "
             f"({(rs.get('status') or {}).get('replicas', 0)}/"
             f"{(rs.get('spec') or {}).get('replicas', 0)} replicas created)" for rs in items]
    return ", ".join(parts) or "<none>"


def split_replica_sets(d: Obj, owned: list[Obj]) -> tuple[list[Obj], list[Obj]]:
    """The old ReplicaSets and the new one: the new one's template equals the Deployment's
    (ignoring ``pod-template-hash``), as ``deploymentutil.FindNewReplicaSet`` decides."""
    template = _without_hash((d.get("spec") or {}).get("template") or {})
    uid = (d.get("metadata") or {}).get("uid")
    mine = [rs for rs in owned
            if any(r.get("uid") == uid and r.get("controller")
                   for r in (rs.get("metadata") or {}).get("ownerReferences") or [])]
    mine.sort(key=lambda rs: str((rs.get("metadata") or {}).get("creationTimestamp") or ""))
    new = [rs for rs in mine if _without_hash((rs.get("spec") or {}).get("template") or {})
           == template][:1]
    old = [rs for rs in mine if rs not in new]
    return old, new


def _without_hash(template: Obj) -> Obj:
    md = dict(template.get("metadata") or {})
    lbls = {k: v for k, v in (md.get("labels") or {}).items() if k != "pod-template-hash"}
    md["labels"] = lbls
    return {**template, "metadata": md}


def pod_counts(pods: list[Obj], owner_uid: str) -> str:
    """``2 Running / 0 Waiting / 0 Succeeded / 0 Failed`` of the pods ``owner_uid`` controls."""
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        refs = (pod.get("metadata") or {}).get("ownerReferences") or []
        if not any(r.get("controller") and r.get("uid") == owner_uid for r in refs):
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase in counts:
            counts[str(phase)] += 1
    return (f"{counts['Running']} Running / {counts['Pending']} Waiting / "
            f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed")


def render_replica_set(rs: Obj, pods: str, evts: list[Obj] | None, now: datetime) -> str:
    md, spec, status = (rs.get(k) or {} for k in ("metadata", "spec", "status"))
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    labels_and_annotations(w, md)
    owner = controller(md)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    w.write(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 0)}"
               " desired\n")
    w.write(0, f"Pods Status:\t{pods}\n")
    pod_template(w, spec.get("template"))
    _conditions(w, status)
    if evts is not None:
        events(w, evts, now)
    return w.text()


def render_stateful_set(sts: Obj, pods: str, evts: list[Obj] | None, now: datetime) -> str:
    md, spec, status = (sts.get(k) or {} for k in ("metadata", "spec", "status"))
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{age.rfc1123z(md.get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    labels_and_annotations(w, md)
    w.write(0, f"Replicas:\t{spec.get('replicas', 0)} desired | {status.get('replicas', 0)}"
               " total\n")
    strategy = spec.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{strategy.get('type', '')}\n")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None and rolling.get("partition") is not None:
        w.write(1, f"Partition:\t{rolling['partition']}\n")
        if rolling.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{rolling['maxUnavailable']}\n")
    w.write(0, f"Pods Status:\t{pods}\n")
    pod_template(w, spec.get("template"))
    _claims(w, spec.get("volumeClaimTemplates") or [])
    if evts is not None:
        events(w, evts, now)
    return w.text()


def _claims(w: PrefixWriter, templates: list[Obj]) -> None:
    if not templates:
        w.write(0, "Volume Claims:\t<none>\n")
        return
    w.write(0, "Volume Claims:\n")
    for pvc in templates:
        md, spec = pvc.get("metadata") or {}, pvc.get("spec") or {}
        w.write(1, f"Name:\t{md.get('name', '')}\n")
        w.write(1, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
        labels_multiline(w, "Labels", md.get("labels"), initial="  ")
        labels_multiline(w, "Annotations", md.get("annotations"), initial="  ")
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        w.write(1, f"Capacity:\t{storage or '<default>'}\n")
        w.write(1, f"Access Modes:\t[{' '.join(spec.get('accessModes') or [])}]\n")
