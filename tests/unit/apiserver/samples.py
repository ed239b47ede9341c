"""One valid object of every kind, as a client would send it (no system fields)."""

from __future__ import annotations

import copy
from typing import Any

from tinykube.api.kinds import (
    DEPLOYMENT,
    ENDPOINT_SLICE,
    ENDPOINTS,
    EVENT,
    NAMESPACE,
    NODE,
    POD,
    REPLICA_SET,
    SERVICE,
    STATEFUL_SET,
    Kind,
)

_TEMPLATE = {"metadata": {"labels": {"app": "web"}},
             "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
_WORKLOAD = {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": _TEMPLATE}

_SPECS: dict[str, dict[str, Any]] = {
    "Namespace": {},
    "Node": {"spec": {"podCIDR": "10.244.1.0/24"}},
    "Pod": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}},
    "Service": {"spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
    "Endpoints": {"subsets": [{"addresses": [{"ip": "10.244.0.5"}], "ports": [{"port": 80}]}]},
    "Event": {"involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
              "reason": "Started", "message": "started", "type": "Normal"},
    "EndpointSlice": {"addressType": "IPv4", "endpoints": [{"addresses": ["10.244.0.5"]}],
                      "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]},
    "Deployment": {"spec": _WORKLOAD},
    "ReplicaSet": {"spec": _WORKLOAD},
    "StatefulSet": {"spec": {**_WORKLOAD, "serviceName": "web"}},
}

ALL = (NAMESPACE, NODE, POD, SERVICE, ENDPOINTS, EVENT, ENDPOINT_SLICE, DEPLOYMENT,
       REPLICA_SET, STATEFUL_SET)


def sample(kind: Kind, name: str, **labels: str) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name}
    if labels:
        md["labels"] = dict(labels)
    return {"apiVersion": kind.api_version, "kind": kind.kind, "metadata": md,
            **copy.deepcopy(_SPECS[kind.kind])}


def collection(kind: Kind, namespace: str = "default") -> str:
    return kind.path(namespace if kind.namespaced else None)


def item(kind: Kind, name: str, namespace: str = "default") -> str:
    return kind.path(namespace if kind.namespaced else None, name)
