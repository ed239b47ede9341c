"""One valid object of every served kind, and how the official client names its methods.

The ``kubernetes`` client has one method per verb and kind (``create_namespaced_service``,
``list_node``, ``patch_namespaced_deployment_scale``...); ``KindCase.call`` builds those
names so the end-to-end tests can run the same checks over every kind.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client

Obj = dict[str, Any]


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def _pod_template(app: str) -> Obj:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "containers": [
                {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
            ]
        },
    }


def namespace(name: str, ns: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def node(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {"podCIDR": "10.244.7.0/24"},
    }


def pod(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "e2e"}},
        "spec": {
            "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "3600"]}]
        },
    }


def service(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "e2e"}},
        "spec": {"selector": {"app": "e2e"}, "ports": [{"name": "http", "port": 80}]},
    }


def endpoints(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name, "namespace": ns},
        "subsets": [
            {"addresses": [{"ip": "10.244.0.5"}], "ports": [{"name": "http", "port": 80}]}
        ],
    }


def event(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"kind": "Service", "name": "some-svc", "namespace": ns},
        "reason": "Testing",
        "message": "an event written by the e2e tests",
        "type": "Normal",
        "source": {"component": "e2e"},
        "count": 1,
    }


def endpoint_slice(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": "some-svc"},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.244.0.5"], "conditions": {"ready": True}}],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
    }


def deployment(name: str, ns: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": _pod_template(name),
        },
    }


def replica_set(name: str, ns: str) -> Obj:
    obj = deployment(name, ns)
    obj["kind"] = "ReplicaSet"
    return obj


def stateful_set(name: str, ns: str) -> Obj:
    obj = deployment(name, ns)
    obj["kind"] = "StatefulSet"
    obj["spec"]["serviceName"] = name
    return obj


@dataclass(frozen=True)
class KindCase:
    """A kind, its manifest and the official client's names for its methods."""

    kind: str
    api: Callable[[client.ApiClient], Any]
    snake: str  # "service", "endpoint_slice": the suffix of the client's method names
    namespaced: bool
    make: Callable[[str, str], Obj]

    def method(self, apis: client.ApiClient, verb: str, sub: str = "") -> Any:
        scope = "namespaced_" if self.namespaced else ""
        suffix = f"_{sub}" if sub else ""
        return getattr(self.api(apis), f"{verb}_{scope}{self.snake}{suffix}")

    def _at(self, ns: str, name: str) -> tuple[str, ...]:
        return (name, ns) if self.namespaced else (name,)

    def create(self, apis: client.ApiClient, ns: str, body: Any, **kw: Any) -> Any:
        args = (ns, body) if self.namespaced else (body,)
        return self.method(apis, "create")(*args, **kw)

    def read(self, apis: client.ApiClient, ns: str, name: str, sub: str = "", **kw: Any) -> Any:
        return self.method(apis, "read", sub)(*self._at(ns, name), **kw)

    def list(self, apis: client.ApiClient, ns: str, **kw: Any) -> Any:
        args = (ns,) if self.namespaced else ()
        return self.method(apis, "list")(*args, **kw)

    def list_all(self, apis: client.ApiClient, **kw: Any) -> Any:
        name = f"list_{self.snake}_for_all_namespaces" if self.namespaced else f"list_{self.snake}"
        return getattr(self.api(apis), name)(**kw)

    def patch(
        self, apis: client.ApiClient, ns: str, name: str, body: Any, sub: str = "", **kw: Any
    ) -> Any:
        return self.method(apis, "patch", sub)(*self._at(ns, name), body, **kw)

    def replace(
        self, apis: client.ApiClient, ns: str, name: str, body: Any, sub: str = "", **kw: Any
    ) -> Any:
        return self.method(apis, "replace", sub)(*self._at(ns, name), body, **kw)

    def delete(self, apis: client.ApiClient, ns: str, name: str, **kw: Any) -> Any:
        return self.method(apis, "delete")(*self._at(ns, name), **kw)


CASES: tuple[KindCase, ...] = (
    KindCase("Namespace", client.CoreV1Api, "namespace", False, namespace),
    KindCase("Node", client.CoreV1Api, "node", False, node),
    KindCase("Pod", client.CoreV1Api, "pod", True, pod),
    KindCase("Service", client.CoreV1Api, "service", True, service),
    KindCase("Endpoints", client.CoreV1Api, "endpoints", True, endpoints),
    KindCase("Event", client.CoreV1Api, "event", True, event),
    KindCase("EndpointSlice", client.DiscoveryV1Api, "endpoint_slice", True, endpoint_slice),
    KindCase("Deployment", client.AppsV1Api, "deployment", True, deployment),
    KindCase("ReplicaSet", client.AppsV1Api, "replica_set", True, replica_set),
    KindCase("StatefulSet", client.AppsV1Api, "stateful_set", True, stateful_set),
)
