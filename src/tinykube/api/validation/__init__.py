"""Kubernetes validation for every kind tinykube serves.

Each function returns every problem found as a ``Cause`` (field path + Kubernetes
message, see ``field.py``), never stopping at the first; an empty list means valid. The
rules live in a module per kind (``service.py``, ``pod.py``, ``workloads.py``,
``endpoints.py``, ``cluster.py``, ``event.py``) over shared checks (``metadata.py``,
``names.py``, ``ip.py``). Objects are validated after defaulting and, for Services, after
allocation, as the kube-apiserver does; checks that need cluster state (is this ClusterIP
free?) belong to the allocator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tinykube.api.meta import Obj
from tinykube.api.validation import cluster, endpoints, event, pod, service, workloads
from tinykube.api.validation.service_warnings import service_warnings
from tinykube.errors import Cause

Create = Callable[[Mapping[str, Any]], list[Cause]]
Update = Callable[[Mapping[str, Any], Mapping[str, Any]], list[Cause]]

_CREATE: dict[tuple[str, str], Create] = {
    ("v1", "Namespace"): cluster.validate_namespace,
    ("v1", "Node"): cluster.validate_node,
    ("v1", "Pod"): pod.validate_pod,
    ("v1", "Service"): service.validate_service,
    ("v1", "Endpoints"): endpoints.validate_endpoints,
    ("v1", "Event"): event.validate_event,
    ("discovery.k8s.io/v1", "EndpointSlice"): endpoints.validate_endpoint_slice,
    ("apps/v1", "Deployment"): workloads.validate_deployment,
    ("apps/v1", "ReplicaSet"): workloads.validate_replica_set,
    ("apps/v1", "StatefulSet"): workloads.validate_stateful_set,
}
_UPDATE: dict[tuple[str, str], Update] = {
    ("v1", "Namespace"): cluster.validate_namespace_update,
    ("v1", "Node"): cluster.validate_node_update,
    ("v1", "Pod"): pod.validate_pod_update,
    ("v1", "Service"): service.validate_service_update,
    ("v1", "Endpoints"): endpoints.validate_endpoints_update,
    ("v1", "Event"): event.validate_event_update,
    ("discovery.k8s.io/v1", "EndpointSlice"): endpoints.validate_endpoint_slice_update,
    ("apps/v1", "Deployment"): workloads.validate_deployment_update,
    ("apps/v1", "ReplicaSet"): workloads.validate_replica_set_update,
    ("apps/v1", "StatefulSet"): workloads.validate_stateful_set_update,
}


def _key(obj: Obj) -> tuple[str, str]:
    return str(obj.get("apiVersion", "")), str(obj.get("kind", ""))


def validate(obj: Obj) -> list[Cause]:
    """Problems with a new object (after defaulting)."""
    rule = _CREATE.get(_key(obj))
    return rule(obj) if rule is not None else []


def validate_update(new: Obj, old: Obj) -> list[Cause]:
    """Problems with ``new`` as an update of ``old`` (includes ``validate(new)``)."""
    rule = _UPDATE.get(_key(new))
    return rule(new, old) if rule is not None else []


def warnings(obj: Obj) -> list[str]:
    """Texts for ``Warning: 299`` headers (deprecated or ignored fields)."""
    if _key(obj) == ("v1", "Service"):
        return service_warnings(obj)
    return []
