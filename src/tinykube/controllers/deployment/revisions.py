"""Which ReplicaSet is a Deployment's new one, how it is named, what it carries.

From ``deployment/util/deployment_util.go``: the new ReplicaSet is the oldest one whose
pod template equals the Deployment's, ignoring the ``pod-template-hash`` label. A new one
is named ``<deployment>-<hash>`` where the hash is the template's (``templatehash``,
including ``status.collisionCount``); the hash is added to its template labels, its own
labels and its selector. It carries the Deployment's annotations (except the ones that
are the controller's own) and ``deployment.kubernetes.io/revision`` = one more than the
highest revision of the others; ``desired-replicas`` and ``max-replicas`` annotations
record the Deployment's size when it was last scaled. Pure.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers.templatehash import semantic

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
NOT_COPIED = (LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
              ROLLBACK_TO)


def revision(obj: Obj) -> int:
    try:
        return int(meta.annotations_of(obj).get(REVISION) or 0)
    except ValueError:
        return 0


def max_revision(sets: Iterable[Obj]) -> int:
    return max((revision(rs) for rs in sets), default=0)


def template_of(obj: Obj) -> dict[str, Any]:
    return dict((obj.get("spec") or {}).get("template") or {})


def without_hash(template: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(template)
    md = out.setdefault("metadata", {})
    labels = dict(md.get("labels") or {})
    labels.pop(HASH_LABEL, None)
    md["labels"] = labels
    return out


def equal_ignore_hash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``EqualIgnoreHash``, semantically: empty and absent fields are the same."""
    return bool(semantic(without_hash(a)) == semantic(without_hash(b)))


def created(obj: Obj) -> str:
    return str(meta.metadata(obj).get("creationTimestamp") or "")


def by_age(sets: Iterable[Obj]) -> list[Obj]:
    """Oldest first; ties by name (``ReplicaSetsByCreationTimestamp``)."""
    return sorted(sets, key=lambda rs: (created(rs), meta.name(rs)))


def find_new(d: Obj, sets: Iterable[Obj]) -> Obj | None:
    for rs in by_age(sets):
        if equal_ignore_hash(template_of(rs), template_of(d)):
            return rs
    return None


def copied_annotations(d: Obj) -> dict[str, str]:
    return {k: v for k, v in meta.annotations_of(d).items() if k not in NOT_COPIED}


def build_new(d: Obj, pod_hash: str, replicas: int, rev: int,
              scale_annotations: dict[str, str]) -> Obj:
    spec = d.get("spec") or {}
    template = copy.deepcopy(template_of(d))
    tmd = template.setdefault("metadata", {})
    tmd["labels"] = {**(tmd.get("labels") or {}), HASH_LABEL: pod_hash}
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    annotations = {**copied_annotations(d), REVISION: str(rev), **scale_annotations}
    rs_spec: dict[str, Any] = {"replicas": replicas, "selector": selector,
                               "template": template}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"{meta.name(d)}-{pod_hash}", "namespace": meta.namespace(d),
                     "labels": dict(tmd["labels"]), "annotations": annotations,
                     "ownerReferences": [meta.owner_reference(d)]},
        "spec": rs_spec,
    }


def updated_new(d: Obj, rs: Obj, rev: int) -> Obj | None:
    """The existing new ReplicaSet brought up to date (annotations, revision,
    minReadySeconds); None when it already is (``SetNewReplicaSetAnnotations``)."""
    out = copy.deepcopy(rs)
    md = meta.metadata(out)
    annotations = dict(md.get("annotations") or {})
    annotations.update(copied_annotations(d))
    old_rev = revision(rs)
    if old_rev < rev:
        annotations[REVISION] = str(rev)
        if old_rev:
            history = [h for h in (annotations.get(REVISION_HISTORY) or "").split(",") if h]
            annotations[REVISION_HISTORY] = ",".join([*history, str(old_rev)])
    md["annotations"] = annotations
    want_min_ready = (d.get("spec") or {}).get("minReadySeconds") or 0
    if ((out.get("spec") or {}).get("minReadySeconds") or 0) != want_min_ready:
        out["spec"]["minReadySeconds"] = want_min_ready
    return None if out == rs else out
