"""The ``scale`` subresource: an ``autoscaling/v1`` Scale view of a workload.

Deployments, ReplicaSets and StatefulSets expose ``spec.replicas`` as a Scale so that
``kubectl scale`` and autoscalers need not know the kind: ``spec.replicas``,
``status.replicas`` and ``status.selector`` as a label-selector string. Writing a Scale
changes only the workload's ``spec.replicas``. Pure conversions.
"""

from __future__ import annotations

from typing import Any

from tinykube.api import labels
from tinykube.api.meta import Obj
from tinykube.errors import Cause, Invalid, invalid

API_VERSION = "autoscaling/v1"
KIND = "Scale"
_META_KEYS = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")


def to_scale(obj: Obj) -> Obj:
    md = obj.get("metadata") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    out_status: dict[str, Any] = {"replicas": int(status.get("replicas") or 0)}
    selector = selector_text(spec.get("selector"))
    if selector:
        out_status["selector"] = selector
    return {
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": {k: md[k] for k in _META_KEYS if k in md},
        "spec": {"replicas": replicas_of(obj)},
        "status": out_status,
    }


def replicas_of(obj: Obj) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return int(value) if isinstance(value, int) else 1


def selector_text(selector: Any) -> str:
    if not isinstance(selector, dict):
        return ""
    return str(labels.from_label_selector(selector))


def requested_replicas(scale: Obj, name: str) -> int:
    """The replicas a Scale asks for; 422 (kind Scale) when it is not a count."""
    value = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid(name, f"Invalid value: {value!r}: must be an integer")
    if value < 0:
        raise _invalid(name, f"Invalid value: {value}: must be greater than or equal to 0")
    return value


def _invalid(name: str, message: str) -> Invalid:
    return invalid(KIND, name, [Cause("FieldValueInvalid", "spec.replicas", message)],
                   group="autoscaling")
