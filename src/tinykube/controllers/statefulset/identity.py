"""A StatefulSet pod's identity: ``web-0``, its hostname, subdomain, labels and revision.

From ``stateful_set_utils.go``: pod ``<set>-<ordinal>`` (ordinals from
``spec.ordinals.start``), ``hostname`` = the pod's name and ``subdomain`` =
``spec.serviceName`` so the governing headless Service resolves
``web-0.nginx.default.svc.cluster.local``; labels ``statefulset.kubernetes.io/pod-name``,
``apps.kubernetes.io/pod-index`` and ``controller-revision-hash``; a volume per claim
template pointing at ``<claim>-<pod>``. A revision is named ``<set>-<template hash>``
(tinykube keeps no ControllerRevision objects: a pod of an older revision that must be
made again is rebuilt from a surviving pod of that revision). Pure.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from tinykube.api import meta
from tinykube.api.meta import Obj
from tinykube.controllers.replicaset import pod_from_template
from tinykube.controllers.templatehash import compute_hash

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
IDENTITY_LABELS = (POD_NAME_LABEL, POD_INDEX_LABEL, REVISION_LABEL)


def spec(sts: Obj) -> dict[str, Any]:
    return sts.get("spec") or {}


def replicas(sts: Obj) -> int:
    value = spec(sts).get("replicas")
    return int(value) if isinstance(value, int) else 1


def start(sts: Obj) -> int:
    value = (spec(sts).get("ordinals") or {}).get("start")
    return int(value) if isinstance(value, int) else 0


def pod_name(sts: Obj, ordinal: int) -> str:
    return f"{meta.name(sts)}-{ordinal}"


def ordinal_of(sts: Obj, pod: Obj) -> int | None:
    """The pod's ordinal if its name makes it a member of the set, else None."""
    m = re.fullmatch(re.escape(meta.name(sts)) + r"-(\d+)", meta.name(pod))
    return int(m.group(1)) if m else None


def revision_name(sts: Obj) -> str:
    """The update revision: ``<set>-<hash of the template and collision count>``."""
    collisions = int((sts.get("status") or {}).get("collisionCount") or 0)
    return f"{meta.name(sts)}-{compute_hash(spec(sts).get('template') or {}, collisions)}"


def revision_of(pod: Obj) -> str:
    return meta.labels(pod).get(REVISION_LABEL, "")


def claim_names(sts: Obj) -> list[str]:
    return [str((c.get("metadata") or {}).get("name") or "")
            for c in spec(sts).get("volumeClaimTemplates") or [] if isinstance(c, dict)]


def new_pod(sts: Obj, ordinal: int, template: dict[str, Any], revision: str) -> Obj:
    name = pod_name(sts, ordinal)
    pod = pod_from_template(sts, template, name=name)
    md = pod["metadata"]
    md["labels"] = {**md["labels"], POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal),
                    REVISION_LABEL: revision}
    pod_spec = pod["spec"]
    pod_spec["hostname"] = name
    pod_spec["subdomain"] = str(spec(sts).get("serviceName") or "")
    claims = claim_names(sts)
    if claims:
        volumes = [v for v in pod_spec.get("volumes") or [] if v.get("name") not in claims]
        volumes += [{"name": c, "persistentVolumeClaim": {"claimName": f"{c}-{name}"}}
                    for c in claims]
        pod_spec["volumes"] = volumes
    return pod


def template_from_pod(sts: Obj, pod: Obj) -> dict[str, Any]:
    """The template a pod was made from, near enough to make its sibling again."""
    labels = {k: v for k, v in meta.labels(pod).items() if k not in IDENTITY_LABELS}
    md: dict[str, Any] = {"labels": labels}
    if meta.annotations_of(pod):
        md["annotations"] = meta.annotations_of(pod)
    pod_spec = copy.deepcopy(pod.get("spec") or {})
    for key in ("hostname", "subdomain", "nodeName"):
        pod_spec.pop(key, None)
    claims = claim_names(sts)
    if claims and pod_spec.get("volumes"):
        pod_spec["volumes"] = [v for v in pod_spec["volumes"] if v.get("name") not in claims]
    return {"metadata": md, "spec": pod_spec}
